"""Every name the stacks give an AWS resource (from `envconfig.naming`), with AWS's limit for its kind.

The loader rejects an environment whose names do not fit (`envconfig.rules.names_fit_aws_limits`), so
the limit follows the naming: a longer suffix in naming.py tightens what name_prefix and the service
names may be. tests/unit/test_environment_properties.py checks that every limited name in the
synthesized stacks is one listed here, and the limits against botocore's service models where those
carry one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from envconfig import model
from envconfig.eks_naming import EksNames
from envconfig.model import Environment
from envconfig.naming import EnvironmentNames

ELB_NAME = r"(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"  # no leading/trailing '-', no 'internal-'


@dataclass(frozen=True)
class NameLimit:
    """The longest name AWS accepts for one kind of resource, and where that is documented."""

    kind: str
    max_length: int
    source: str  # botocore's shape, or the API reference page
    pattern: str = ""  # a regular expression the whole name must match; default "": length only


LOAD_BALANCER = NameLimit(
    "load balancer",
    32,
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
    ELB_NAME,
)
TARGET_GROUP = NameLimit(
    "target group",
    32,
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?",
)
IAM_ROLE = NameLimit("IAM role", 64, "botocore iam roleNameType")
LAMBDA_FUNCTION = NameLimit(
    "Lambda function", 64, "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (a name alone: 64)"
)
CODEBUILD_PROJECT = NameLimit("CodeBuild project", 150, "botocore codebuild ProjectName")
PIPELINE = NameLimit("pipeline", 100, "botocore codepipeline PipelineName")
ECR_REPOSITORY = NameLimit("ECR repository", 256, "botocore ecr RepositoryName")
LOG_GROUP = NameLimit("log group", 512, "botocore logs LogGroupName")
S3_BUCKET = NameLimit("S3 bucket", 63, "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html")
CODEDEPLOY = NameLimit("CodeDeploy application or deployment group", 100, "botocore codedeploy ApplicationName")
EKS_CLUSTER = NameLimit("EKS cluster", 100, "botocore eks ClusterName")
EKS_NODE_GROUP = NameLimit(
    "EKS node group", 63, "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html"
)
CODEARTIFACT_DOMAIN = NameLimit("CodeArtifact domain", 50, "botocore codeartifact DomainName")
ECS = NameLimit(
    "ECS cluster, service or task family",
    255,
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
)
SNS_TOPIC = NameLimit("SNS topic", 256, "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html")
KMS_ALIAS = NameLimit("KMS alias", 256, "botocore kms AliasNameType")
EVENT_RULE = NameLimit("EventBridge rule", 64, "botocore events RuleName")
NOTIFICATION_RULE = NameLimit("CodeStar Notifications rule", 64, "botocore codestar-notifications NotificationRuleName")
CODECOMMIT_REPOSITORY = NameLimit("CodeCommit repository", 100, "botocore codecommit RepositoryName")
SECRET = NameLimit("Secrets Manager secret", 512, "botocore secretsmanager NameType")
WORKSPACE = NameLimit(
    "HCP Terraform workspace", 90, "https://developer.hashicorp.com/terraform/cloud-docs/workspaces/create"
)


@dataclass(frozen=True)
class CreatedName:
    setting: str  # what to shorten: name_prefix, service.<name>, eks.node_group.<name>, backend.workspace_name
    value: str
    limit: NameLimit

    def problem(self) -> str:
        """Why AWS would reject the name, or "" when it fits."""
        if len(self.value) > self.limit.max_length:
            return (
                f"{self.value!r} ({self.limit.kind} name) is {len(self.value)} characters; AWS allows "
                f"{self.limit.max_length}"
            )
        if self.limit.pattern and not re.fullmatch(self.limit.pattern, self.value):
            return f"{self.value!r} is not a valid {self.limit.kind} name ({self.limit.source})"
        return ""


def created_names(env: Environment) -> Iterator[CreatedName]:
    """The names the environment's stacks create, each with the setting it derives from."""
    names = EnvironmentNames(env)
    for value, limit in (
        (names.artifact_bucket, S3_BUCKET),
        (names.approval_topic, SNS_TOPIC),
        (names.delivery_key_alias, KMS_ALIAS),
        (names.service_key_alias, KMS_ALIAS),
        (names.cluster, ECS),
        (names.flow_logs_role, IAM_ROLE),
        (names.flow_log_group, LOG_GROUP),
    ):
        yield CreatedName("name_prefix", value, limit)
    if env.delivery.codeartifact_formats:
        yield CreatedName("name_prefix", names.codeartifact_domain, CODEARTIFACT_DOMAIN)
    if env.deploy_role is not None:
        yield CreatedName("name_prefix", names.pipeline_deploy_role, IAM_ROLE)
    for region in env.delivery.artifact_regions:
        yield CreatedName("delivery.artifact_regions", names.regional_artifact_bucket(region), S3_BUCKET)
    backend = env.backend
    if isinstance(backend, model.CloudBackend) and backend.workspace_name:
        for stack in names.stacks:
            yield CreatedName("backend.workspace_name", backend.workspace_name.format(stack=stack), WORKSPACE)
    for service in env.services:
        yield from _service_names(env, names, service)
    if env.eks is not None:
        yield from _eks_names(env, EksNames(names))
    if env.run_task is not None:
        run_task = names.run_task
        for value, limit in (
            (run_task.function, LAMBDA_FUNCTION),
            (run_task.role, IAM_ROLE),
            (run_task.log_group, LOG_GROUP),
            (run_task.repository, ECR_REPOSITORY),
            (run_task.bucket, S3_BUCKET),
            (run_task.secret, SECRET),
            (run_task.key_alias, KMS_ALIAS),
        ):
            yield CreatedName("name_prefix", value, limit)


def _service_names(env: Environment, names: EnvironmentNames, service: model.Service) -> Iterator[CreatedName]:
    service_names, setting = names.service(service), f"service.{service.name}"
    if service.kind == "function":
        yield from (CreatedName(setting, value, limit) for value, limit in _function_names(env, service_names))
        return
    created = [
        (service_names.load_balancer, LOAD_BALANCER),
        *((service_names.target_group(colour), TARGET_GROUP) for colour in ("blue", "green")),
        (service_names.ecs_service, ECS),
        (service_names.task_family, ECS),
        (service_names.task_log_group, LOG_GROUP),
        *((service_names.role(purpose), IAM_ROLE) for purpose in ("task-execution", "task")),
    ]
    if env.network.alb_access_logs:
        created.append((service_names.alb_logs_bucket, S3_BUCKET))
    deployment = service.deployment
    if deployment.strategy == "blue_green":
        created += [
            (service_names.codedeploy_application, CODEDEPLOY),
            (service_names.deployment_group, CODEDEPLOY),
            (service_names.role("codedeploy"), IAM_ROLE),
        ]
        checks = [hook.name for hook in deployment.hooks if hook.built_in]
        if checks:  # the built-in checks' functions, their role and security group (user functions exist already)
            created.append((service_names.role("hooks"), IAM_ROLE))
        for hook in checks:
            created += [
                (service_names.hook_function(hook), LAMBDA_FUNCTION),
                (service_names.hook_log_group(hook), LOG_GROUP),
            ]
    if env.promotion:  # this environment's pipeline builds the service
        created += [
            (service_names.ecr_repository, ECR_REPOSITORY),
            (service_names.build_project, CODEBUILD_PROJECT),
            (service_names.build_log_group, LOG_GROUP),
            (service_names.pipeline, PIPELINE),
            *((service_names.role(purpose), IAM_ROLE) for purpose in ("codebuild", "pipeline")),
            *((service_names.notification_rule(kind), NOTIFICATION_RULE) for kind in ("events", "approvals")),
        ]
        source = service.source
        if source.provider == "codecommit":
            created += [(service_names.source_rule, EVENT_RULE), (service_names.role("source-events"), IAM_ROLE)]
            if source.create_repository:
                created.append((source.repository, CODECOMMIT_REPOSITORY))
        if service.pull_request_build:
            created += [
                (service_names.pr_build_project, CODEBUILD_PROJECT),
                (service_names.pr_build_log_group, LOG_GROUP),
                (service_names.role("pr-build"), IAM_ROLE),
            ]
            if source.provider == "codecommit":
                created += [(service_names.pull_request_rule, EVENT_RULE), (service_names.role("pr-events"), IAM_ROLE)]
    for value, limit in created:
        yield CreatedName(setting, value, limit)


def _function_names(env: Environment, service_names) -> Iterator[tuple[str, NameLimit]]:
    """A function service: its function, CodeDeploy and hooks here; its pipeline and deploy projects where it builds."""
    yield from (
        (service_names.function, LAMBDA_FUNCTION),
        (service_names.function_log_group, LOG_GROUP),
        (service_names.role("function"), IAM_ROLE),
        (service_names.codedeploy_application, CODEDEPLOY),
        (service_names.deployment_group, CODEDEPLOY),
        (service_names.role("codedeploy"), IAM_ROLE),
        (service_names.role("hooks"), IAM_ROLE),
    )
    for hook in ("BeforeAllowTraffic", "AfterAllowTraffic"):
        yield service_names.hook_function(hook), LAMBDA_FUNCTION
        yield service_names.hook_log_group(hook), LOG_GROUP
    if env.promotion:
        yield from (
            (service_names.build_project, CODEBUILD_PROJECT),
            (service_names.build_log_group, LOG_GROUP),
            (service_names.pipeline, PIPELINE),
            *((service_names.role(purpose), IAM_ROLE) for purpose in ("codebuild", "pipeline")),
            *((service_names.notification_rule(kind), NOTIFICATION_RULE) for kind in ("events", "approvals")),
        )
        for target in env.promotion:
            yield service_names.function_deploy_project(target), IAM_ROLE  # the project's role has its name
            yield service_names.function_deploy_log_group(target), LOG_GROUP


def _eks_names(env: Environment, eks: EksNames) -> Iterator[CreatedName]:
    for value, limit in (
        (eks.cluster, EKS_CLUSTER),
        (eks.cluster_role, IAM_ROLE),
        (eks.node_role, IAM_ROLE),
        (eks.deploy_role, IAM_ROLE),
        (eks.flow_logs_role, IAM_ROLE),
        (eks.deploy_project, CODEBUILD_PROJECT),
        (eks.deploy_log_group, LOG_GROUP),
        (eks.cluster_log_group, LOG_GROUP),
        (eks.flow_log_group, LOG_GROUP),
        (eks.key_alias, KMS_ALIAS),
    ):
        yield CreatedName("name_prefix", value, limit)
    for group in env.eks.node_groups:
        yield CreatedName(f"eks.node_group.{group.name}", eks.node_group(group.name), EKS_NODE_GROUP)
