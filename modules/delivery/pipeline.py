"""CodePipeline V2 for one service: source, build and test, then one deploy per promotion target,
each behind a manual approval where the target environment asks for one."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.codepipeline import (
    Codepipeline,
    CodepipelineArtifactStore,
    CodepipelineArtifactStoreEncryptionKey,
    CodepipelineStage,
    CodepipelineStageAction,
)

from envconfig.model import Source
from modules.cdk.core import Construct
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import ENCRYPT_DECRYPT, Statement, key_usage, pass_role

SOURCE_OUTPUT = "SourceOutput"
BUILD_OUTPUT = "BuildOutput"


def approval_action(environment: str, topic_arn: str, custom_data: str) -> CodepipelineStageAction:
    """The manual approval before a deploy into `environment`, announced on the (encrypted) topic."""
    return CodepipelineStageAction(
        name=f"Approve-{environment}", category="Approval", owner="AWS", provider="Manual", version="1",
        configuration={"NotificationArn": topic_arn, "CustomData": custom_data})


@dataclass(frozen=True)
class DeployTarget:
    """One environment's service, as the pipeline deploys to it."""

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
    task_role_arns: tuple[str, ...]
    taskdef_file: str
    appspec_file: str

    def deploy_action(self) -> CodepipelineStageAction:
        if self.blue_green:
            return CodepipelineStageAction(
                name=f"BlueGreen-{self.environment}", category="Deploy", owner="AWS", provider="CodeDeployToECS",
                version="1", input_artifacts=[BUILD_OUTPUT], configuration={
                    "ApplicationName": self.codedeploy_application,
                    "DeploymentGroupName": self.deployment_group,
                    "TaskDefinitionTemplateArtifact": BUILD_OUTPUT,
                    "TaskDefinitionTemplatePath": self.taskdef_file,
                    "AppSpecTemplateArtifact": BUILD_OUTPUT,
                    "AppSpecTemplatePath": self.appspec_file,
                    "Image1ArtifactName": BUILD_OUTPUT,
                    "Image1ContainerName": "IMAGE1_NAME",
                })
        return CodepipelineStageAction(
            name=f"Rolling-{self.environment}", category="Deploy", owner="AWS", provider="ECS", version="1",
            input_artifacts=[BUILD_OUTPUT], configuration={
                "ClusterName": self.cluster, "ServiceName": self.ecs_service, "FileName": "imagedefinitions.json"})

    def statements(self) -> list[Statement]:
        sid = self.environment.capitalize().replace("-", "")
        statements = [
            Statement(("ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"), ("*",),
                      sid=f"RegisterTaskDefinitions{sid}"),
            pass_role(list(self.task_role_arns), "ecs-tasks.amazonaws.com", sid=f"PassTaskRoles{sid}"),
        ]
        if self.blue_green:
            statements += [
                Statement(("codedeploy:CreateDeployment", "codedeploy:GetDeployment"),
                          (self.deployment_group_arn,), sid=f"Deploy{sid}"),
                Statement(("codedeploy:GetApplication", "codedeploy:GetApplicationRevision",
                           "codedeploy:RegisterApplicationRevision"), (self.codedeploy_application_arn,),
                          sid=f"RegisterRevision{sid}"),
                Statement(("codedeploy:GetDeploymentConfig",), (self.deployment_config_arn,),
                          sid=f"ReadDeploymentConfig{sid}"),
            ]
        else:
            statements.append(Statement(("ecs:DescribeServices", "ecs:UpdateService"), (self.ecs_service_arn,),
                                        sid=f"UpdateService{sid}"))
        return statements


@dataclass(frozen=True)
class DeliveryPipelineProps:
    name: str
    arn: str
    role_name: str
    account_id: str
    region: str
    source: Source
    build_project: str
    build_project_arn: str
    artifact_bucket: str
    kms_key_arn: str
    kms_key_alias: str
    kms_key_arn_pattern: str
    approval_topic_arn: str
    approval_custom_data: str
    targets: tuple  # DeployTarget or modules.eks.deploy.EksDeployTarget: deploy_action() and statements()

    def source_action(self) -> CodepipelineStageAction:
        if self.source.provider == "codecommit":
            return CodepipelineStageAction(
                name="CodeCommit", category="Source", owner="AWS", provider="CodeCommit", version="1",
                output_artifacts=[SOURCE_OUTPUT], configuration={
                    "RepositoryName": self.source.repository, "BranchName": self.source.branch,
                    "PollForSourceChanges": "false", "OutputArtifactFormat": "CODE_ZIP"})
        return CodepipelineStageAction(
            name=self.source.provider.capitalize(), category="Source", owner="AWS",
            provider="CodeStarSourceConnection", version="1", output_artifacts=[SOURCE_OUTPUT], configuration={
                "ConnectionArn": self.source.connection_arn, "FullRepositoryId": self.source.repository,
                "BranchName": self.source.branch, "OutputArtifactFormat": "CODE_ZIP", "DetectChanges": "true"})

    def stages(self) -> list[CodepipelineStage]:
        stages = [
            CodepipelineStage(name="Source", action=[self.source_action()]),
            CodepipelineStage(name="Build", action=[CodepipelineStageAction(
                name="BuildAndTest", category="Build", owner="AWS", provider="CodeBuild", version="1",
                input_artifacts=[SOURCE_OUTPUT], output_artifacts=[BUILD_OUTPUT],
                configuration={"ProjectName": self.build_project})]),
        ]
        for target in self.targets:
            if target.approval_required:
                stages.append(CodepipelineStage(name=f"Approval-{target.environment}", action=[
                    approval_action(target.environment, self.approval_topic_arn, self.approval_custom_data)]))
            stages.append(CodepipelineStage(name=f"Deploy-{target.environment}", action=[target.deploy_action()]))
        return stages

    def statements(self) -> tuple[Statement, ...]:
        bucket = f"arn:aws:s3:::{self.artifact_bucket}"
        statements = [
            Statement(("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"), (f"{bucket}/*",),
                      sid="ReadWriteArtifacts"),
            Statement(("s3:GetBucketLocation", "s3:GetBucketVersioning"), (bucket,), sid="LocateArtifactBucket"),
            key_usage(self.kms_key_arn_pattern, self.kms_key_alias, ENCRYPT_DECRYPT),
            Statement(("codebuild:BatchGetBuilds", "codebuild:StartBuild"), (self.build_project_arn,),
                      sid="RunBuild"),
            self.source_statement(),
        ]
        if any(target.approval_required for target in self.targets):
            statements.append(Statement(("sns:Publish",), (self.approval_topic_arn,), sid="NotifyApprovers"))
        for target in self.targets:
            statements += target.statements()
        return tuple(statements)

    def source_statement(self) -> Statement:
        if self.source.provider == "codecommit":
            repository = f"arn:aws:codecommit:{self.region}:{self.account_id}:{self.source.repository}"
            return Statement(("codecommit:CancelUploadArchive", "codecommit:GetBranch", "codecommit:GetCommit",
                              "codecommit:GetUploadArchiveStatus", "codecommit:UploadArchive"),
                             (repository,), sid="ReadSource")
        service = self.source.connection_arn.split(":")[2]
        return Statement((f"{service}:UseConnection",), (self.source.connection_arn,), sid="ReadSource")


class DeliveryPipeline(Construct):
    def __init__(self, scope: Construct, id: str, props: DeliveryPipelineProps):
        super().__init__(scope, id)
        self.role = ServiceRole(self, "role", ServiceRoleProps(
            name=props.role_name, service_principal="codepipeline.amazonaws.com", account_id=props.account_id,
            source_arn=props.arn, statements=props.statements(),
            description=f"CodePipeline {props.name}: move one service's artifacts from source to production"))
        self.pipeline = Codepipeline(
            self, "pipeline", name=props.name, pipeline_type="V2", execution_mode="QUEUED",
            role_arn=self.role.arn,
            artifact_store=[CodepipelineArtifactStore(
                type="S3", location=props.artifact_bucket,
                encryption_key=CodepipelineArtifactStoreEncryptionKey(type="KMS", id=props.kms_key_arn))],
            stage=props.stages(), depends_on=[self.role.policy],
        )
        self.name = props.name
        self.arn = self.pipeline.arn
