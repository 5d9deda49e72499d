"""`<env>-delivery`: per service, an ECR repository, a CodeBuild project and a pipeline that promotes
the image through the environment's promotion order; shared artifact store, key, approvals and
CodeArtifact repositories.

An environment that another environment's pipeline promotes through (`delivery.promotion = []`)
runs no pipeline: its delivery stack keeps only the shared part (the key also encrypts its EKS deploy
project's artifacts), and its services run images from the promoting environment's repository.

With a delivery account (`delivery.account`), the stack is built from the environment as the delivery account
sees it (`envconfig.naming.delivery_environment`); targets in other accounts are reached through their deploy
roles, and its key, artifact buckets and repositories grant those accounts' named roles what a deploy needs."""

from __future__ import annotations

from dataclasses import replace

from envconfig.account import Account
from envconfig.eks_naming import EksNames
from envconfig.loader import Catalog
from envconfig.model import Environment, Service
from envconfig.naming import EnvironmentNames, ServiceNames
from envconfig.rules import traffic_shift_minutes
from modules.cdk.core import Construct, TerraformOutput
from modules.delivery.artifact_store import ArtifactBucket, ArtifactBucketProps
from modules.delivery.codeartifact import PackageRepositories, PackageRepositoriesProps, repository_name
from modules.delivery.codebuild import ImageBuildProject, ImageBuildProjectProps
from modules.delivery.codecommit import (
    CodeCommitPushTrigger,
    CodeCommitPushTriggerProps,
    CodeCommitRepository,
    CodeCommitRepositoryProps,
)
from modules.delivery.ecr import ContainerRepository, ContainerRepositoryProps
from modules.delivery.notifications import PipelineNotifications, PipelineNotificationsProps, topic_events
from modules.delivery.pipeline import (
    DeliveryPipeline,
    DeliveryPipelineProps,
    DeployTarget,
    EcsDeployTarget,
    RegionalArtifactStore,
)
from modules.delivery.pull_requests import PullRequestBuild, PullRequestBuildProps
from modules.eks.deploy import EksDeployTarget
from modules.function.deploy import (
    FunctionBuildProject,
    FunctionBuildProjectProps,
    FunctionDeployProject,
    FunctionDeployProjectProps,
    FunctionDeployTarget,
)
from modules.shared.encryption import EncryptionKey, EncryptionKeyProps
from modules.shared.notifications import ApprovalTopic, ApprovalTopicProps
from modules.shared.statements import KeyReference, named_role_grants
from release.buildspec import (
    CODEARTIFACT_TOOLS,
    PackageLogin,
    container_image_buildspec,
    function_package_buildspec,
    json_file,
    pull_request_buildspec,
    yaml_file,
)
from release.deployment_config import deployment_config_name
from release.function import function_deploy_buildspec, function_release
from release.model import release_spec
from stacks.base import EnvironmentStack

# What another account's roles may do with the delivery account's artifacts and images.
READ_ARTIFACTS = ("s3:GetObject", "s3:GetObjectVersion")
PULL_IMAGES = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


def function_deploy_timeout(deployment) -> int:
    """The deploy build's timeout: the traffic shift, and an hour for the upload, the hooks and the alarms' say."""
    return traffic_shift_minutes(deployment) + 60


def deploys_to_eks(target_env: Environment) -> bool:
    return target_env.eks is not None and target_env.eks.deploy_target == "eks"


def artifact_reader_role_arns(target_env: Environment) -> tuple[str, ...]:
    """The target's roles that read a pipeline's artifacts: its deploy role, and the kubectl project's role."""
    env_names = EnvironmentNames(target_env)
    kubectl = (EksNames(env_names).deploy_role_arn,) if deploys_to_eks(target_env) else ()
    return (env_names.pipeline_deploy_role_arn, *kubectl)


def key_user_role_arns(target_env: Environment) -> tuple[str, ...]:
    """The target's roles that decrypt the delivery key's artifacts: the readers and its CodeDeploy roles."""
    env_names = EnvironmentNames(target_env)
    codedeploy = (
        ()
        if deploys_to_eks(target_env)
        else tuple(
            env_names.role_arn(f"{env_names.service(s).deployment_group}-codedeploy")
            for s in target_env.services
            if s.deployment.strategy == "blue_green"
        )
    )
    return (*artifact_reader_role_arns(target_env), *codedeploy)


def image_puller_role_arns(target_env: Environment, service: Service) -> tuple[str, ...]:
    """The target's roles that pull the service's images: its task execution role, or its cluster's node role."""
    if deploys_to_eks(target_env):
        return (EnvironmentNames(target_env).role_arn(EksNames(EnvironmentNames(target_env)).node_role),)
    target_service = next(s for s in target_env.services if s.name == service.name)
    return (release_spec(target_env, target_service).execution_role_arn,)


def deploy_target(
    target_env: Environment, service_name: str, delivery_env: Environment, pipeline_names: ServiceNames
) -> DeployTarget:
    """How the pipeline reaches `service_name` in `target_env`, from names alone (no stack outputs); from another
    account through its deploy role, into another region with the action's region. `pipeline_names`: the service's
    names where the pipeline runs (a function's deploy project is there)."""
    service = next(s for s in target_env.services if s.name == service_name)
    env_names = EnvironmentNames(target_env)
    # a function's deploy project runs in the pipeline's account (rule function_promotion_stays_with_its_deploy_project)
    if service.kind == "function":
        return FunctionDeployTarget(
            environment=target_env.name,
            approval_required=target_env.delivery.approval_required,
            project=pipeline_names.function_deploy_project(target_env.name),
            project_arn=pipeline_names.function_deploy_project_arn(target_env.name),
        )
    where = {
        "role_arn": env_names.pipeline_deploy_role_arn if target_env.account_id != delivery_env.account_id else "",
        "region": target_env.region if target_env.region != delivery_env.region else "",
    }
    if deploys_to_eks(target_env):
        eks = EksNames(env_names)
        return EksDeployTarget(
            environment=target_env.name,
            approval_required=target_env.delivery.approval_required,
            project=eks.deploy_project,
            project_arn=eks.deploy_project_arn,
            deployment=service.name,
            **where,
        )
    names = env_names.service(service)
    release = release_spec(target_env, service)
    return EcsDeployTarget(
        environment=target_env.name,
        approval_required=target_env.delivery.approval_required,
        blue_green=service.deployment.strategy == "blue_green",
        cluster=env_names.cluster,
        ecs_service=names.ecs_service,
        ecs_service_arn=names.ecs_service_arn,
        codedeploy_application=names.codedeploy_application,
        codedeploy_application_arn=names.codedeploy_application_arn,
        deployment_group=names.deployment_group,
        deployment_group_arn=names.deployment_group_arn,
        deployment_config_arn=env_names.arn(
            "codedeploy", f"deploymentconfig:{deployment_config_name(service.deployment, names.base)}"
        ),
        task_definitions_arn=names.task_definitions_arn,
        task_role_arns=(release.execution_role_arn, release.task_role_arn),
        taskdef_file=release.taskdef_file,
        appspec_file=release.appspec_file,
        **where,
    )


def deploy_files(target_env: Environment, service_name: str):
    """The task definition (and appspec) an ECS target deploys; Kubernetes targets take manifests."""
    service = next(s for s in target_env.services if s.name == service_name)
    if deploys_to_eks(target_env) or service.kind == "function":
        return []
    release = release_spec(target_env, service)
    files = [json_file(release.taskdef_file, release.task_definition())]
    if service.deployment.strategy == "blue_green":
        files.append(yaml_file(release.appspec_file, release.appspec()))
    return files


def remote_targets(env: Environment, catalog: Catalog) -> tuple[Environment, ...]:
    """The promotion targets in other accounts than the delivery stack's (`env`: the delivery view)."""
    return tuple(target for target in catalog.promotion_targets(env) if target.account_id != env.account_id)


def remote_key_users(targets: tuple[Environment, ...], region: str) -> tuple[str, ...]:
    """Roles of other accounts that decrypt the artifacts of actions in `region`."""
    return tuple(arn for target in targets if target.region == region for arn in key_user_role_arns(target))


def remote_artifact_grants(
    names: EnvironmentNames, bucket: str, targets: tuple[Environment, ...], region: str
) -> tuple[dict, ...]:
    """Bucket-policy statements: other accounts' readers of actions in `region` read the delivery stack's
    pipelines' artifacts (their prefixes), nothing else."""
    readers = tuple(arn for target in targets if target.region == region for arn in artifact_reader_role_arns(target))
    prefixes = sorted(names.account.bucket_arn(bucket, f"{prefix}/*") for prefix in names.artifact_prefixes().values())
    return tuple(named_role_grants(names.account, readers, READ_ARTIFACTS, prefixes, "OtherAccountRolesRead"))


class RegionalArtifactsStack(EnvironmentStack):
    """`<env>-delivery-<region>`: the pipelines' artifact store (bucket and key) in a region they deploy into
    besides their own (`delivery.artifact_regions`), in the delivery account; CodePipeline copies the artifacts of
    actions there into it."""

    component = "delivery"

    def __init__(self, scope: Construct, env: Environment, region: str, catalog: Catalog):
        home = EnvironmentNames(env)
        super().__init__(scope, replace(env, region=region), component=f"delivery-{region}")
        names, targets = self.names, remote_targets(env, catalog)
        pipeline_roles = tuple(home.service(s).role_arn("pipeline") for s in env.services) if env.promotion else ()
        self.key = EncryptionKey(
            self,
            "key",
            EncryptionKeyProps(
                alias=names.delivery_key_alias,
                account=names.account,
                admin_principal_arns=env.key_admin_principal_arns,
                description=f"{env.name_prefix} delivery: artifacts of actions in {region}",
                user_role_arns=pipeline_roles,
                other_account_decrypt_role_arns=remote_key_users(targets, region),
            ),
        )
        bucket = home.regional_artifact_bucket(region)
        ArtifactBucket(
            self,
            "artifacts",
            ArtifactBucketProps(
                name=bucket,
                account=names.account,
                kms_key_arn=self.key.arn,
                noncurrent_version_days=env.delivery.artifact_retention_days,
                extra_policy_statements=remote_artifact_grants(names, bucket, targets, region),
            ),
        )


class DeliveryStack(EnvironmentStack):
    component = "delivery"

    def __init__(self, scope: Construct, env: Environment, catalog: Catalog):
        super().__init__(scope, env)
        names = self.names
        targets = catalog.promotion_targets(env)
        built = env.services if targets else ()  # each service's one pipeline runs here, or elsewhere
        self.remote_targets = remote_targets(env, catalog)
        local_targets = tuple(target for target in targets if target.account_id == env.account_id)
        role_arns = (
            *(names.service(s).role_arn(purpose) for s in built for purpose in ("codebuild", "pipeline")),
            *(
                names.role_arn(names.service(s).function_deploy_project(target.name))
                for s in built
                if s.kind == "function"
                for target in local_targets
            ),
            *(EksNames(EnvironmentNames(target)).deploy_role_arn for target in local_targets if deploys_to_eks(target)),
            *(names.service(s).role_arn("pr-build") for s in env.services if s.pull_request_build),
        )
        notifications = env.delivery.notifications
        # CodeStar Notifications publishes the pipelines' events to the approval topic; the pipelines' roles
        # publish the approval requests.
        topic_publishers = ("codestar-notifications.amazonaws.com",) if topic_events(notifications.events) else ()
        self.approvals_required = any(target.delivery.approval_required for target in targets)
        self.key = EncryptionKey(
            self,
            "key",
            EncryptionKeyProps(
                alias=names.delivery_key_alias,
                account=names.account,
                admin_principal_arns=env.key_admin_principal_arns,
                description=f"{env.name_prefix} delivery: artifacts, images, builds, approvals",
                user_role_arns=role_arns,
                log_group_prefixes=(f"/aws/codebuild/{env.name_prefix}-",),
                sns_publishing_services=topic_publishers,
                sns_topic_arns=(names.approval_topic_arn,) if topic_publishers else (),
                other_account_decrypt_role_arns=remote_key_users(self.remote_targets, env.region),
            ),
        )
        self.key_reference = KeyReference(names.account, names.delivery_key_alias)
        self.artifact_prefixes = names.artifact_prefixes()
        self.artifacts = ArtifactBucket(
            self,
            "artifacts",
            ArtifactBucketProps(
                name=names.artifact_bucket,
                account=names.account,
                kms_key_arn=self.key.arn,
                noncurrent_version_days=env.delivery.artifact_retention_days,
                extra_policy_statements=remote_artifact_grants(
                    names, names.artifact_bucket, self.remote_targets, env.region
                ),
            ),
        )
        self.approvals = ApprovalTopic(
            self,
            "approvals",
            ApprovalTopicProps(
                name=names.approval_topic,
                kms_key_arn=self.key.arn,
                account=names.account,
                subscriber_emails=notifications.emails,
                https_endpoints=notifications.https_endpoints,
                publisher_role_arns=tuple(names.service(s).role_arn("pipeline") for s in env.services)
                if self.approvals_required
                else (),
                publisher_services=topic_publishers,
            ),
        )
        self.packages = PackageRepositoriesProps(
            domain=names.codeartifact_domain,
            account=names.account,
            kms_key_arn=self.key.arn,
            formats=env.delivery.codeartifact_formats,
        )
        if self.packages.formats:
            PackageRepositories(self, "packages", self.packages)
        self.regional_stores = tuple(
            RegionalArtifactStore(
                region=region,
                bucket=names.regional_artifact_bucket(region),
                key=KeyReference(Account(env.account_id, region), names.delivery_key_alias),
            )
            for region in sorted({target.region for target in targets} - {env.region})
        )
        for service in built:
            self._service_delivery(service, targets)

    def _service_delivery(self, service: Service, targets: tuple[Environment, ...]) -> None:
        env, names = self.env, self.names.service(service)
        scope = Construct(self, service.name)
        # a function's package is a pipeline artifact; a container's image goes to its repository
        repository = (
            None
            if service.kind == "function"
            else ContainerRepository(
                scope,
                "image",
                ContainerRepositoryProps(
                    name=names.ecr_repository,
                    kms_key_arn=self.key.arn,
                    keep_releases=env.delivery.keep_releases,
                    policy_statements=tuple(
                        named_role_grants(
                            self.names.account,
                            tuple(
                                arn for target in self.remote_targets for arn in image_puller_role_arns(target, service)
                            ),
                            PULL_IMAGES,
                            None,
                            "OtherAccountTasksPull",
                        )
                    ),
                ),
            )
        )
        source_repository = (
            [
                CodeCommitRepository(
                    scope,
                    "source",
                    CodeCommitRepositoryProps(name=service.source.repository, description=f"{service.name} source"),
                ).repository
            ]
            if service.source.create_repository
            else []
        )
        logins = tuple(
            PackageLogin(CODEARTIFACT_TOOLS[fmt], self.packages.domain, env.account_id, repository_name(fmt))
            for fmt in self.packages.formats
        )
        deployers = []  # what the deploy actions name: created before the pipeline
        if service.kind == "function":
            build, deployers = self._function_build(scope, service, logins, targets)
        else:
            build = self._image_build(scope, service, logins, targets)
        pipeline = DeliveryPipeline(
            scope,
            "pipeline",
            DeliveryPipelineProps(
                name=names.pipeline,
                arn=names.pipeline_arn,
                role_name=names.role("pipeline"),
                account=self.names.account,
                source=service.source,
                build_project=build.name,
                build_project_arn=names.build_project_arn,
                artifact_bucket=self.names.artifact_bucket,
                artifact_prefix=self.artifact_prefixes[service.name],
                key=self.key_reference,
                key_arn=self.key.arn,
                approval_topic_arn=self.names.approval_topic_arn,
                approval_custom_data=env.delivery.approval_custom_data,
                targets=tuple(deploy_target(target, service.name, env, names) for target in targets),
                regional_stores=self.regional_stores,
            ),
            # several artifact stores name the key by its alias (DeliveryPipeline.artifact_stores)
            depends_on=[
                self.artifacts.bucket,
                self.approvals.topic,
                *source_repository,
                *deployers,
                *([self.key.alias] if self.regional_stores else []),
            ],
        )
        if service.source.provider == "codecommit":
            CodeCommitPushTrigger(
                scope,
                "source-push",
                CodeCommitPushTriggerProps(
                    repository_arn=self.names.codecommit_repository_arn(service.source.repository),
                    branch=service.source.branch,
                    pipeline=names.pipeline,
                    pipeline_arn=names.pipeline_arn,
                    rule_name=names.source_rule,
                    rule_arn=self.names.event_rule_arn(names.source_rule),
                    role_name=names.role("source-events"),
                    account=self.names.account,
                ),
                depends_on=[pipeline.pipeline, *source_repository],
            )
        notifications = env.delivery.notifications
        PipelineNotifications(
            scope,
            "notifications",
            PipelineNotificationsProps(
                pipeline_arn=pipeline.arn,
                topic_arn=self.approvals.arn,
                events=notifications.events,
                approvals=self.approvals_required,
                events_rule=names.notification_rule("events"),
                approvals_rule=names.notification_rule("approvals"),
                chat_channel_arns=notifications.chatbot_channel_arns,
            ),
            depends_on=[self.approvals.policy],
        )
        if service.pull_request_build:
            self._pull_request_build(scope, service, logins, source_repository)
        if repository is not None:
            TerraformOutput(
                scope, "repository-url", value=repository.url, description=f"ECR repository of {service.name}"
            )
        TerraformOutput(scope, "pipeline-name", value=pipeline.name)
        TerraformOutput(scope, "build-project", value=build.name)

    def _image_build(
        self, scope: Construct, service: Service, logins: tuple[PackageLogin, ...], targets: tuple[Environment, ...]
    ) -> ImageBuildProject:
        """The project that builds a container service's image and pushes it to its repository."""
        env, names = self.env, self.names.service(service)
        buildspec = container_image_buildspec(
            service.build,
            registry=names.ecr_repository_url.split("/")[0],
            repository=names.ecr_repository,
            container_name=names.container,
            coverage_report_group="coverage",
            deploy_files=tuple(f for target in targets for f in deploy_files(target, service.name)),
            package_logins=logins,
        )
        build = ImageBuildProject(
            scope,
            "build",
            ImageBuildProjectProps(
                name=names.build_project,
                arn=names.build_project_arn,
                role_name=names.role("codebuild"),
                account=self.names.account,
                build=service.build,
                buildspec=buildspec,
                log_group=names.build_log_group,
                log_retention_days=env.log_retention_days,
                key=self.key_reference,
                key_arn=self.key.arn,
                artifact_bucket=self.names.artifact_bucket,
                artifact_prefix=self.artifact_prefixes[service.name],
                cache_prefix=names.build_cache_prefix,
                ecr_repository_arn=names.ecr_repository_arn,
                extra_statements=PackageRepositories.read_statements(self.packages),
            ),
            depends_on=[self.artifacts.bucket],
        )
        return build

    def _function_build(
        self, scope: Construct, service: Service, logins: tuple[PackageLogin, ...], targets: tuple[Environment, ...]
    ) -> tuple[FunctionBuildProject, list]:
        """A function service's package build, and per target the project that deploys the package there."""
        env, names = self.env, self.names.service(service)
        build = FunctionBuildProject(
            scope,
            "build",
            FunctionBuildProjectProps(
                name=names.build_project,
                arn=names.build_project_arn,
                role_name=names.role("codebuild"),
                account=self.names.account,
                build=service.build,
                buildspec=function_package_buildspec(
                    service.build, service.function, coverage_report_group="coverage", package_logins=logins
                ),
                log_group=names.build_log_group,
                log_retention_days=env.log_retention_days,
                key=self.key_reference,
                key_arn=self.key.arn,
                artifact_bucket=self.names.artifact_bucket,
                artifact_prefix=self.artifact_prefixes[service.name],
                cache_prefix=names.build_cache_prefix,
                extra_statements=PackageRepositories.read_statements(self.packages),
            ),
            depends_on=[self.artifacts.bucket],
        )
        deployers = []
        for target in targets:
            there = EnvironmentNames(target).service(next(s for s in target.services if s.name == service.name))
            release = function_release(target, there.service)
            project = names.function_deploy_project(target.name)
            deploy = FunctionDeployProject(
                scope,
                f"deploy-{target.name}",
                FunctionDeployProjectProps(
                    name=project,
                    arn=names.function_deploy_project_arn(target.name),
                    role_name=project,
                    account=self.names.account,
                    buildspec=function_deploy_buildspec(release),
                    log_group=names.function_deploy_log_group(target.name),
                    log_retention_days=env.log_retention_days,
                    key=self.key_reference,
                    key_arn=self.key.arn,
                    artifact_bucket=self.names.artifact_bucket,
                    artifact_prefix=self.artifact_prefixes[service.name],
                    function_arn=there.function_arn,
                    function_versions_arn=there.function_versions_arn,
                    application_arn=there.codedeploy_application_arn,
                    deployment_group_arn=there.deployment_group_arn,
                    deployment_config_arn=there.environment.arn(
                        "codedeploy", f"deploymentconfig:{release.deployment_config}"
                    ),
                    timeout_minutes=function_deploy_timeout(there.service.deployment),
                ),
                depends_on=[self.artifacts.bucket],
            )
            deployers.append(deploy.project)
        return build, deployers

    def _pull_request_build(
        self, scope: Construct, service: Service, logins: tuple[PackageLogin, ...], source_repository: list
    ) -> None:
        env, names, settings = self.env, self.names.service(service), service.pull_request_build
        buildspec = pull_request_buildspec(
            service.build,
            coverage_report_group="coverage",
            read_build_secrets=settings.read_build_secrets,
            package_logins=logins,
        )
        build = PullRequestBuild(
            scope,
            "pull-requests",
            PullRequestBuildProps(
                name=names.pr_build_project,
                arn=names.pr_build_project_arn,
                role_name=names.role("pr-build"),
                account=self.names.account,
                source=service.source,
                base_branches=settings.base_branches or (service.source.branch,),
                build=service.build,
                buildspec=buildspec,
                log_group=names.pr_build_log_group,
                log_retention_days=env.log_retention_days,
                key=self.key_reference,
                key_arn=self.key.arn,
                artifact_bucket=self.names.artifact_bucket,
                cache_prefix=names.pr_build_cache_prefix,
                read_build_secrets=settings.read_build_secrets,
                extra_statements=PackageRepositories.read_statements(self.packages),
                event_rule=names.pull_request_rule,
                event_rule_arn=self.names.event_rule_arn(names.pull_request_rule),
                event_role_name=names.role("pr-events"),
            ),
            depends_on=[self.artifacts.bucket, *source_repository],
        )
        TerraformOutput(scope, "pull-request-build", value=build.name)
