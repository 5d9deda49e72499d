"""CodePipeline V2 for one service: source, build and test, then one deploy per promotion target,
each behind a manual approval where the target environment asks for one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cdktf_cdktf_provider_aws.codepipeline import (
    Codepipeline,
    CodepipelineArtifactStore,
    CodepipelineArtifactStoreEncryptionKey,
    CodepipelineStage,
    CodepipelineStageAction,
    CodepipelineTrigger,
    CodepipelineTriggerGitConfiguration,
    CodepipelineTriggerGitConfigurationPush,
    CodepipelineTriggerGitConfigurationPushBranches,
    CodepipelineTriggerGitConfigurationPushFilePaths,
    CodepipelineTriggerGitConfigurationPushTags,
)

from envconfig.account import Account
from envconfig.model import Source
from modules.cdk.core import Construct
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import ENCRYPT_DECRYPT, KeyReference, Statement, pass_role

SOURCE_OUTPUT = "SourceOutput"
BUILD_OUTPUT = "BuildOutput"


def approval_action(environment: str, topic_arn: str, custom_data: str) -> CodepipelineStageAction:
    """The manual approval before a deploy into `environment`, announced on the (encrypted) topic."""
    return CodepipelineStageAction(
        name=f"Approve-{environment}",
        category="Approval",
        owner="AWS",
        provider="Manual",
        version="1",
        configuration={"NotificationArn": topic_arn, "CustomData": custom_data},
    )


def source_action(source: Source) -> CodepipelineStageAction:
    """The source stage's action: CodeCommit, or a CodeStar connection (GitHub, GitLab, Bitbucket)."""
    if source.provider == "codecommit":
        return CodepipelineStageAction(
            name="CodeCommit",
            category="Source",
            owner="AWS",
            provider="CodeCommit",
            version="1",
            output_artifacts=[SOURCE_OUTPUT],
            configuration={
                "RepositoryName": source.repository,
                "BranchName": source.branch,
                "PollForSourceChanges": "false",
                "OutputArtifactFormat": "CODE_ZIP",
            },
        )
    return CodepipelineStageAction(
        name=source.provider.capitalize(),
        category="Source",
        owner="AWS",
        provider="CodeStarSourceConnection",
        version="1",
        output_artifacts=[SOURCE_OUTPUT],
        configuration={
            "ConnectionArn": source.connection_arn,
            "FullRepositoryId": source.repository,
            "BranchName": source.branch,
            "OutputArtifactFormat": "CODE_ZIP",
            # A trigger with filters decides what starts the pipeline; AWS sets DetectChanges false with one.
            "DetectChanges": "false" if source.trigger else "true",
        },
    )


def source_triggers(source: Source) -> list[CodepipelineTrigger] | None:
    """The V2 trigger of a connection source with push filters: its branches (default: the source branch) with
    their file paths, and its tags, each a push filter of its own (the combinations AWS accepts)."""
    trigger = source.trigger
    if trigger is None:
        return None
    push = [
        CodepipelineTriggerGitConfigurationPush(
            branches=CodepipelineTriggerGitConfigurationPushBranches(
                includes=list(trigger.branches or (source.branch,)), excludes=list(trigger.excluded_branches) or None
            ),
            file_paths=CodepipelineTriggerGitConfigurationPushFilePaths(
                includes=list(trigger.file_paths) or None, excludes=list(trigger.excluded_file_paths) or None
            )
            if trigger.file_paths or trigger.excluded_file_paths
            else None,
        )
    ]
    if trigger.tags or trigger.excluded_tags:
        push.append(
            CodepipelineTriggerGitConfigurationPush(
                tags=CodepipelineTriggerGitConfigurationPushTags(
                    includes=list(trigger.tags) or None, excludes=list(trigger.excluded_tags) or None
                )
            )
        )
    return [
        CodepipelineTrigger(
            provider_type="CodeStarSourceConnection",
            git_configuration=(
                CodepipelineTriggerGitConfiguration(source_action_name=source_action(source).name, push=push)
            ),
        )
    ]


def source_statement(source: Source, account: Account) -> Statement:
    """Read rights on the source: the CodeCommit repository, or use of the CodeStar connection."""
    if source.provider == "codecommit":
        return Statement(
            (
                "codecommit:CancelUploadArchive",
                "codecommit:GetBranch",
                "codecommit:GetCommit",
                "codecommit:GetUploadArchiveStatus",
                "codecommit:UploadArchive",
            ),
            (account.arn("codecommit", source.repository),),
            sid="ReadSource",
        )
    service = source.connection_arn.split(":")[2]
    return Statement((f"{service}:UseConnection",), (source.connection_arn,), sid="ReadSource")


class DeployTarget(Protocol):
    """What the pipeline needs of a deploy target of any kind (`EcsDeployTarget`,
    `modules.eks.deploy.EksDeployTarget`): its stages and the rights its deploy action uses."""

    @property
    def environment(self) -> str: ...

    @property
    def approval_required(self) -> bool: ...

    @property
    def role_arn(self) -> str:
        """The role the deploy action assumes in the target's account; empty: the pipeline's role acts."""

    @property
    def region(self) -> str:
        """The target's region when it is not the pipeline's; empty: the pipeline's."""

    def deploy_action(self) -> CodepipelineStageAction: ...

    def statements(self) -> list[Statement]: ...


@dataclass(frozen=True)
class EcsDeployTarget:
    """One environment's ECS service, as the pipeline deploys to it: CodeDeploy blue/green or rolling."""

    environment: str
    approval_required: bool
    blue_green: bool
    cluster: str
    ecs_service: str
    ecs_service_arn: str
    codedeploy_application: str
    codedeploy_application_arn: str
    deployment_group: str
    deployment_group_arn: str
    deployment_config_arn: str
    task_definitions_arn: str  # the task definition family's revisions, `task-definition/<family>:*`
    task_role_arns: tuple[str, ...]
    taskdef_file: str
    appspec_file: str
    role_arn: str = ""  # default: the pipeline's role deploys (same account); else the target's deploy role
    region: str = ""  # default: the pipeline's region

    def deploy_action(self) -> CodepipelineStageAction:
        where = {"role_arn": self.role_arn or None, "region": self.region or None}
        if self.blue_green:
            return CodepipelineStageAction(
                name=f"BlueGreen-{self.environment}",
                category="Deploy",
                owner="AWS",
                provider="CodeDeployToECS",
                version="1",
                input_artifacts=[BUILD_OUTPUT],
                configuration={
                    "ApplicationName": self.codedeploy_application,
                    "DeploymentGroupName": self.deployment_group,
                    "TaskDefinitionTemplateArtifact": BUILD_OUTPUT,
                    "TaskDefinitionTemplatePath": self.taskdef_file,
                    "AppSpecTemplateArtifact": BUILD_OUTPUT,
                    "AppSpecTemplatePath": self.appspec_file,
                    "Image1ArtifactName": BUILD_OUTPUT,
                    "Image1ContainerName": "IMAGE1_NAME",
                },
                **where,
            )
        return CodepipelineStageAction(
            name=f"Rolling-{self.environment}",
            category="Deploy",
            owner="AWS",
            provider="ECS",
            version="1",
            input_artifacts=[BUILD_OUTPUT],
            configuration={
                "ClusterName": self.cluster,
                "ServiceName": self.ecs_service,
                "FileName": "imagedefinitions.json",
            },
            **where,
        )

    def statements(self) -> list[Statement]:
        """The deploy action's rights (CodePipeline action references `action-reference-ECS` and
        `action-reference-ECSbluegreen`): the standard action copies the service's task definition, both
        register a revision of the service's family (AWS authorizes RegisterTaskDefinition on the
        task-definition resource) — tagged, which ECS authorizes as ecs:TagResource with ecs:CreateAction
        (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html)."""
        sid = self.environment.capitalize().replace("-", "")
        statements = [
            Statement(
                ("ecs:RegisterTaskDefinition",), (self.task_definitions_arn,), sid=f"RegisterTaskDefinitions{sid}"
            ),
            Statement(
                ("ecs:TagResource",),
                (self.task_definitions_arn,),
                {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
                sid=f"TagTaskDefinitions{sid}",
            ),
            pass_role(list(self.task_role_arns), "ecs-tasks.amazonaws.com", sid=f"PassTaskRoles{sid}"),
        ]
        if not self.blue_green:
            statements.insert(0, Statement(("ecs:DescribeTaskDefinition",), ("*",), sid=f"ReadTaskDefinitions{sid}"))
        if self.blue_green:
            statements += [
                Statement(
                    ("codedeploy:CreateDeployment", "codedeploy:GetDeployment"),
                    (self.deployment_group_arn,),
                    sid=f"Deploy{sid}",
                ),
                Statement(
                    (
                        "codedeploy:GetApplication",
                        "codedeploy:GetApplicationRevision",
                        "codedeploy:RegisterApplicationRevision",
                    ),
                    (self.codedeploy_application_arn,),
                    sid=f"RegisterRevision{sid}",
                ),
                Statement(
                    ("codedeploy:GetDeploymentConfig",), (self.deployment_config_arn,), sid=f"ReadDeploymentConfig{sid}"
                ),
            ]
        else:
            statements.append(
                Statement(
                    ("ecs:DescribeServices", "ecs:UpdateService"), (self.ecs_service_arn,), sid=f"UpdateService{sid}"
                )
            )
        return statements


def assume_role_statement(target: DeployTarget) -> Statement:
    """The pipeline's right to a cross-account action: it assumes the target's deploy role, whose own policy holds
    the deploy's rights (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html)."""
    sid = target.environment.capitalize().replace("-", "")
    return Statement(("sts:AssumeRole",), (target.role_arn,), sid=f"AssumeDeployRole{sid}")


@dataclass(frozen=True)
class RegionalArtifactStore:
    """The pipeline's artifact store in another region, where CodePipeline copies the artifacts of actions there."""

    region: str
    bucket: str
    key: KeyReference  # the store's key in that region, by alias


@dataclass(frozen=True)
class DeliveryPipelineProps:
    name: str
    arn: str
    role_name: str
    account: Account
    source: Source
    build_project: str
    build_project_arn: str
    artifact_bucket: str
    artifact_prefix: str  # where CodePipeline keys this pipeline's artifacts (its name's first 20 characters)
    key: KeyReference  # the delivery key, which encrypts the artifact store
    key_arn: str  # the same key's ARN, for the artifact store
    approval_topic_arn: str
    approval_custom_data: str
    targets: tuple[DeployTarget, ...]  # in promotion order, one deploy stage each
    regional_stores: tuple[RegionalArtifactStore, ...] = ()  # default none: every action in the pipeline's region


class DeliveryPipeline(Construct):
    """`depends_on`: what the props name by a deterministic name (for the role's policy) and the pipeline needs
    when it is created: the artifact bucket and the approval topic."""

    def __init__(self, scope: Construct, id: str, props: DeliveryPipelineProps, depends_on: Sequence = ()):
        super().__init__(scope, id)
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=props.role_name,
                service_principal="codepipeline.amazonaws.com",
                account=props.account,
                source_arn=props.arn,
                statements=self.statements(props),
                description=f"CodePipeline {props.name}: move one service's artifacts from source to production",
            ),
        )
        self.pipeline = Codepipeline(
            self,
            "pipeline",
            name=props.name,
            pipeline_type="V2",
            execution_mode="QUEUED",
            role_arn=self.role.arn,
            artifact_store=self.artifact_stores(props),
            stage=self.stages(props),
            trigger=source_triggers(props.source),
            depends_on=[self.role.policy, *depends_on],
        )
        self.name = props.name
        self.arn = self.pipeline.arn

    @staticmethod
    def artifact_stores(props: DeliveryPipelineProps) -> list[CodepipelineArtifactStore]:
        """One store; or, with actions in other regions, one per region, each naming its region (the pipeline's
        own included), as CodePipeline's artifactStores requires:
        https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineDeclaration.html"""
        regional = bool(props.regional_stores)
        # With several stores every key is named by its alias ARN, known at plan time: the stores are a set, whose
        # planned order is not the configuration's, so a key ARN known only after apply could not be told apart.
        stores = [
            CodepipelineArtifactStore(
                type="S3",
                location=props.artifact_bucket,
                encryption_key=CodepipelineArtifactStoreEncryptionKey(
                    type="KMS", id=props.key.alias_arn if regional else props.key_arn
                ),
                region=props.account.region if regional else None,
            )
        ]
        for store in props.regional_stores:
            stores.append(
                CodepipelineArtifactStore(
                    type="S3",
                    location=store.bucket,
                    encryption_key=CodepipelineArtifactStoreEncryptionKey(type="KMS", id=store.key.alias_arn),
                    region=store.region,
                )
            )
        return stores

    @staticmethod
    def stages(props: DeliveryPipelineProps) -> list[CodepipelineStage]:
        stages = [
            CodepipelineStage(name="Source", action=[source_action(props.source)]),
            CodepipelineStage(
                name="Build",
                action=[
                    CodepipelineStageAction(
                        name="BuildAndTest",
                        category="Build",
                        owner="AWS",
                        provider="CodeBuild",
                        version="1",
                        input_artifacts=[SOURCE_OUTPUT],
                        output_artifacts=[BUILD_OUTPUT],
                        configuration={"ProjectName": props.build_project},
                    )
                ],
            ),
        ]
        for target in props.targets:
            if target.approval_required:
                stages.append(
                    CodepipelineStage(
                        name=f"Approval-{target.environment}",
                        action=[
                            approval_action(target.environment, props.approval_topic_arn, props.approval_custom_data)
                        ],
                    )
                )
            stages.append(CodepipelineStage(name=f"Deploy-{target.environment}", action=[target.deploy_action()]))
        return stages

    @staticmethod
    def statements(props: DeliveryPipelineProps) -> tuple[Statement, ...]:
        account = props.account
        statements = [
            Statement(
                ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
                (account.bucket_arn(props.artifact_bucket, f"{props.artifact_prefix}/*"),),
                sid="ReadWriteArtifacts",
            ),
            Statement(
                ("s3:GetBucketLocation", "s3:GetBucketVersioning"),
                (account.bucket_arn(props.artifact_bucket),),
                sid="LocateArtifactBucket",
            ),
            props.key.usage(ENCRYPT_DECRYPT),
            Statement(("codebuild:BatchGetBuilds", "codebuild:StartBuild"), (props.build_project_arn,), sid="RunBuild"),
            source_statement(props.source, account),
        ]
        for store in props.regional_stores:
            sid = store.region.replace("-", "").capitalize()
            statements += [
                Statement(
                    ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
                    (account.bucket_arn(store.bucket, f"{props.artifact_prefix}/*"),),
                    sid=f"ReadWriteArtifacts{sid}",
                ),
                Statement(
                    ("s3:GetBucketLocation", "s3:GetBucketVersioning"),
                    (account.bucket_arn(store.bucket),),
                    sid=f"LocateArtifactBucket{sid}",
                ),
                store.key.usage(ENCRYPT_DECRYPT, sid=f"UseKey{sid}"),
            ]
        if any(target.approval_required for target in props.targets):
            statements.append(Statement(("sns:Publish",), (props.approval_topic_arn,), sid="NotifyApprovers"))
        for target in props.targets:
            statements += [assume_role_statement(target)] if target.role_arn else target.statements()
        return tuple(statements)
