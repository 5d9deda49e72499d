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
from modules.cdk.core import Construct, TerraformOutput
from modules.delivery.artifact_store import ArtifactBucket, ArtifactBucketProps
from modules.delivery.codeartifact import PackageRepositories, PackageRepositoriesProps, repository_name
from modules.delivery.codebuild import ImageBuildProject, ImageBuildProjectProps
from modules.delivery.ecr import ContainerRepository, ContainerRepositoryProps
from modules.delivery.pipeline import DeliveryPipeline, DeliveryPipelineProps, DeployTarget, EcsDeployTarget
from modules.eks.deploy import EksDeployTarget
from modules.shared.encryption import EncryptionKey, EncryptionKeyProps
from modules.shared.notifications import ApprovalTopic, ApprovalTopicProps
from modules.shared.statements import KeyReference
from release.buildspec import CODEARTIFACT_TOOLS, PackageLogin, container_image_buildspec, json_file, yaml_file
from release.deployment_config import deployment_config_name
from release.model import release_spec
from stacks.base import EnvironmentStack


def deploys_to_eks(target_env: Environment) -> bool:
    return target_env.eks is not None and target_env.eks.deploy_target == "eks"


def deploy_target(target_env: Environment, service_name: str) -> DeployTarget:
    """How the pipeline reaches `service_name` in `target_env`, from names alone (no stack outputs)."""
    service = next(s for s in target_env.services if s.name == service_name)
    env_names = EnvironmentNames(target_env)
    if deploys_to_eks(target_env):
        eks = EksNames(env_names)
        return EksDeployTarget(environment=target_env.name, approval_required=target_env.delivery.approval_required,
                               project=eks.deploy_project, project_arn=eks.deploy_project_arn, deployment=service.name)
    names = env_names.service(service)
    release = release_spec(target_env, service)
    return EcsDeployTarget(
        environment=target_env.name, approval_required=target_env.delivery.approval_required,
        blue_green=service.deployment.strategy == "blue_green", cluster=env_names.cluster,
        ecs_service=names.ecs_service, ecs_service_arn=names.ecs_service_arn,
        codedeploy_application=names.codedeploy_application,
        codedeploy_application_arn=names.codedeploy_application_arn,
        deployment_group=names.deployment_group, deployment_group_arn=names.deployment_group_arn,
        deployment_config_arn=env_names.arn(
            "codedeploy", f"deploymentconfig:{deployment_config_name(service.deployment, names.base)}"),
        task_role_arns=(release.execution_role_arn, release.task_role_arn),
        taskdef_file=release.taskdef_file, appspec_file=release.appspec_file,
    )


def deploy_files(target_env: Environment, service_name: str):
    """The task definition (and appspec) an ECS target deploys; Kubernetes targets take manifests."""
    if deploys_to_eks(target_env):
        return []
    service = next(s for s in target_env.services if s.name == service_name)
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
        role_arns = (*(names.service(s).role_arn(purpose) for s in built for purpose in ("codebuild", "pipeline")),
                     *(EksNames(EnvironmentNames(target)).deploy_role_arn for target in targets
                       if deploys_to_eks(target)))
        self.key = EncryptionKey(self, "key", EncryptionKeyProps(
            alias=names.delivery_key_alias, account=names.account,
            description=f"{env.name_prefix} delivery: artifacts, images, builds, approvals",
            user_role_arns=role_arns, log_group_prefixes=(f"/aws/codebuild/{env.name_prefix}-",)))
        self.key_reference = KeyReference(names.account, names.delivery_key_alias)
        self.artifacts = ArtifactBucket(self, "artifacts", ArtifactBucketProps(
            name=names.artifact_bucket, account=names.account, kms_key_arn=self.key.arn,
            noncurrent_version_days=env.delivery.artifact_retention_days))
        self.approvals = ApprovalTopic(self, "approvals", ApprovalTopicProps(
            name=names.approval_topic, kms_key_arn=self.key.arn))
        self.packages = PackageRepositoriesProps(
            domain=names.codeartifact_domain, account=names.account, kms_key_arn=self.key.arn,
            formats=env.delivery.codeartifact_formats)
        if self.packages.formats:
            PackageRepositories(self, "packages", self.packages)
        for service in built:
            self._service_delivery(service, targets)

    def _service_delivery(self, service: Service, targets: tuple[Environment, ...]) -> None:
        env, names = self.env, self.names.service(service)
        scope = Construct(self, service.name)
        repository = ContainerRepository(scope, "image", ContainerRepositoryProps(
            name=names.ecr_repository, kms_key_arn=self.key.arn, keep_releases=env.delivery.keep_releases))
        logins = tuple(PackageLogin(CODEARTIFACT_TOOLS[fmt], self.packages.domain, env.account_id,
                                    repository_name(fmt)) for fmt in self.packages.formats)
        buildspec = container_image_buildspec(
            service.build, registry=names.ecr_repository_url.split("/")[0], repository=names.ecr_repository,
            container_name=names.container, coverage_report_group="coverage",
            deploy_files=tuple(f for target in targets for f in deploy_files(target, service.name)),
            package_logins=logins)
        build = ImageBuildProject(scope, "build", ImageBuildProjectProps(
            name=names.build_project, arn=names.build_project_arn, role_name=names.role("codebuild"),
            account=self.names.account, build=service.build, buildspec=buildspec,
            log_group=names.build_log_group, log_retention_days=env.log_retention_days,
            key=self.key_reference, key_arn=self.key.arn, artifact_bucket=self.names.artifact_bucket,
            ecr_repository_arn=names.ecr_repository_arn,
            extra_statements=PackageRepositories.read_statements(self.packages)))
        pipeline = DeliveryPipeline(scope, "pipeline", DeliveryPipelineProps(
            name=names.pipeline, arn=names.pipeline_arn, role_name=names.role("pipeline"),
            account=self.names.account, source=service.source, build_project=build.name,
            build_project_arn=names.build_project_arn, artifact_bucket=self.names.artifact_bucket,
            key=self.key_reference, key_arn=self.key.arn, approval_topic_arn=self.names.approval_topic_arn,
            approval_custom_data=env.delivery.approval_custom_data,
            targets=tuple(deploy_target(target, service.name) for target in targets)))
        TerraformOutput(scope, "repository-url", value=repository.url,
                        description=f"ECR repository of {service.name}")
        TerraformOutput(scope, "pipeline-name", value=pipeline.name)
        TerraformOutput(scope, "build-project", value=build.name)
