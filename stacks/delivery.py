"""`<env>-delivery`: per service, an ECR repository, a CodeBuild project and a pipeline that promotes
the image through the environment's promotion order; shared artifact store, key, approvals and
CodeArtifact repositories.

An environment that another environment's pipeline promotes through (`delivery.promotion = []`)
runs no pipeline: its delivery stack keeps only the shared part (the key also encrypts its EKS deploy
project's artifacts), and its services run images from the promoting environment's repository."""

from __future__ import annotations

from envconfig.eks_naming import EksNames
from envconfig.loader import Catalog
from envconfig.model import Environment, Service
from envconfig.naming import EnvironmentNames
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
from modules.delivery.pipeline import DeliveryPipeline, DeliveryPipelineProps, DeployTarget, EcsDeployTarget
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
from modules.shared.statements import KeyReference
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


def function_deploy_timeout(deployment) -> int:
    """The deploy build's timeout: the traffic shift, and an hour for the upload, the hooks and the alarms' say."""
    return traffic_shift_minutes(deployment) + 60


def deploys_to_eks(target_env: Environment) -> bool:
    return target_env.eks is not None and target_env.eks.deploy_target == "eks"


def deploy_target(target_env: Environment, service_name: str, pipeline_names=None) -> DeployTarget:
    """How the pipeline reaches `service_name` in `target_env`, from names alone (no stack outputs).
    `pipeline_names`: the service's names where the pipeline runs (a function's deploy project is there)."""
    service = next(s for s in target_env.services if s.name == service_name)
    env_names = EnvironmentNames(target_env)
    if service.kind == "function":
        return FunctionDeployTarget(
            environment=target_env.name,
            approval_required=target_env.delivery.approval_required,
            project=pipeline_names.function_deploy_project(target_env.name),
            project_arn=pipeline_names.function_deploy_project_arn(target_env.name),
        )
    if deploys_to_eks(target_env):
        eks = EksNames(env_names)
        return EksDeployTarget(
            environment=target_env.name,
            approval_required=target_env.delivery.approval_required,
            project=eks.deploy_project,
            project_arn=eks.deploy_project_arn,
            deployment=service.name,
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


class DeliveryStack(EnvironmentStack):
    component = "delivery"

    def __init__(self, scope: Construct, env: Environment, catalog: Catalog):
        super().__init__(scope, env)
        names = self.names
        targets = catalog.promotion_targets(env)
        built = env.services if targets else ()  # each service's one pipeline runs here, or elsewhere
        role_arns = (
            *(names.service(s).role_arn(purpose) for s in built for purpose in ("codebuild", "pipeline")),
            *(
                names.role_arn(names.service(s).function_deploy_project(target.name))
                for s in built
                if s.kind == "function"
                for target in targets
            ),
            *(EksNames(EnvironmentNames(target)).deploy_role_arn for target in targets if deploys_to_eks(target)),
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
            ),
        )
        self.key_reference = KeyReference(names.account, names.delivery_key_alias)
        self.artifacts = ArtifactBucket(
            self,
            "artifacts",
            ArtifactBucketProps(
                name=names.artifact_bucket,
                account=names.account,
                kms_key_arn=self.key.arn,
                noncurrent_version_days=env.delivery.artifact_retention_days,
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
        self.artifact_prefixes = names.artifact_prefixes()
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
                    name=names.ecr_repository, kms_key_arn=self.key.arn, keep_releases=env.delivery.keep_releases
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
                targets=tuple(deploy_target(target, service.name, names) for target in targets),
            ),
            depends_on=[self.artifacts.bucket, self.approvals.topic, *source_repository, *deployers],
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
