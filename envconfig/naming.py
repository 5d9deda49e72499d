"""Deterministic names and ARNs for everything the stacks create.

Stacks never read each other's outputs: the delivery pipeline, the IAM policies and the generated
deploy artifacts all compute the same name from the same environment data. That lets every stack
plan alone in a fresh clone (the PR gate's situation) and keeps policies fully known at plan time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from envconfig.account import Account
from envconfig.model import Environment, Service

# The stacks of an environment, by component (`<env>-<component>`); eks and gitops only with an eks block.
STACK_COMPONENTS = ("delivery", "service")
EKS_STACK_COMPONENTS = ("eks", "gitops")
RUN_TASK_STACK_COMPONENT = "runtask"  # with a run_task block
RUN_TASK_URL_OUTPUT = "task-url"  # the run task stack's output HCP Terraform's task URL comes from


# The alias a function service's callers invoke; CodeDeploy shifts it between versions.
FUNCTION_ALIAS = "live"

# CodePipeline keys a pipeline's artifacts <bucket>/<first 20 characters of the pipeline name>/...
# (https://repost.aws/questions/QUI91tw7A9SUOMohJurNqmgA): the prefix its roles are limited to.
ARTIFACT_PREFIX_LENGTH = 20


def delivery_environment(env: Environment) -> Environment:
    """The environment as its delivery stack sees it: in the delivery account and region (its own, unless
    `delivery.account` names another), whose administrators and provider role are that account's."""
    account = env.delivery.account
    if account is None:
        return env
    return replace(
        env,
        account_id=account.account_id,
        region=env.delivery_region,
        key_admin_principal_arns=account.key_admin_principal_arns,
        assume_role=account.assume_role,
    )


def private_subnet_name(network: str, zone: str) -> str:
    """The Name tag of a network's private subnet in `zone` (policies may name subnets by it)."""
    return f"{network}-private-{zone}"


@dataclass(frozen=True)
class EnvironmentNames:
    env: Environment

    @property
    def account(self) -> Account:
        return Account(self.env.account_id, self.env.region)

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        return self.account.arn(service, resource, regional=regional, account=account)

    @property
    def prefix(self) -> str:
        return self.env.name_prefix

    @property
    def stacks(self) -> tuple[str, ...]:
        components = (
            *STACK_COMPONENTS,
            *(EKS_STACK_COMPONENTS if self.env.eks is not None else ()),
            *((RUN_TASK_STACK_COMPONENT,) if self.env.run_task is not None else ()),
        )
        return tuple(f"{self.env.name}-{component}" for component in components)

    @property
    def flow_logs_role(self) -> str:
        """The service VPC's flow-log delivery role (the network is named after the prefix)."""
        return f"{self.prefix}-flow-logs"

    @property
    def flow_log_group(self) -> str:
        return f"/vpc/{self.prefix}/flow-logs"

    @property
    def artifact_bucket(self) -> str:
        return f"{self.prefix}-artifacts-{self.env.account_id}"

    def regional_artifact_bucket(self, region: str) -> str:
        """The artifact store of this account's pipelines in another region (CodePipeline needs one per region)."""
        return self.artifact_bucket if region == self.env.region else f"{self.artifact_bucket}-{region}"

    def artifact_store(self, region: str) -> tuple[str, Account]:
        """The bucket (and its account in `region`) where this account's pipelines keep the artifacts of actions
        in `region`: the artifact bucket, or the regional store CodePipeline copies them to."""
        return self.regional_artifact_bucket(region), Account(self.env.account_id, region)

    @property
    def pipeline_deploy_role(self) -> str:
        """The role pipelines of the delivery account assume to deploy into this environment's account."""
        return f"{self.prefix}-pipeline-deploy"

    @property
    def pipeline_deploy_role_arn(self) -> str:
        return self.role_arn(self.pipeline_deploy_role)

    @property
    def artifact_bucket_arn(self) -> str:
        return self.account.bucket_arn(self.artifact_bucket)

    @property
    def delivery_key_alias(self) -> str:
        return f"alias/{self.prefix}-delivery"

    @property
    def service_key_alias(self) -> str:
        return f"alias/{self.prefix}-service"

    def key_arn_pattern(self) -> str:
        """KMS key ids are random; policies name keys by alias (kms:ResourceAliases) on this ARN."""
        return self.account.key_arn_pattern

    @property
    def approval_topic(self) -> str:
        return f"{self.prefix}-approvals"

    @property
    def approval_topic_arn(self) -> str:
        return self.arn("sns", self.approval_topic)

    def codecommit_repository_arn(self, repository: str) -> str:
        return self.arn("codecommit", repository)

    def event_rule_arn(self, name: str) -> str:
        return self.arn("events", f"rule/{name}")

    @property
    def codeartifact_domain(self) -> str:
        return self.prefix

    @property
    def cluster(self) -> str:
        return self.prefix

    @property
    def cluster_arn(self) -> str:
        return self.arn("ecs", f"cluster/{self.cluster}")

    def role_arn(self, name: str) -> str:
        return self.account.role_arn(name)

    def log_group_arn(self, name: str) -> str:
        return self.account.log_group_arn(name)

    @property
    def run_task(self) -> RunTaskNames:
        return RunTaskNames(self)

    def service(self, service: Service) -> ServiceNames:
        return ServiceNames(self, service)

    def artifact_prefixes(self) -> dict[str, str]:
        """service -> its pipeline's artifact prefix; refuses two pipelines of one bucket sharing one
        (their roles could read each other's artifacts)."""
        prefixes = {service.name: self.service(service).artifact_prefix for service in self.env.services}
        if len(set(prefixes.values())) != len(prefixes):
            raise ValueError(
                f"{self.env.name}: pipelines share an artifact prefix (the first {ARTIFACT_PREFIX_LENGTH} "
                f"characters of their names): {prefixes}"
            )
        return prefixes


@dataclass(frozen=True)
class ServiceNames:
    """Names of one service's resources in one environment."""

    environment: EnvironmentNames
    service: Service

    @property
    def base(self) -> str:
        return f"{self.environment.prefix}-{self.service.name}"

    @property
    def container(self) -> str:
        return self.service.name

    @property
    def ecr_repository(self) -> str:
        return self.base

    @property
    def ecr_repository_arn(self) -> str:
        return self.environment.arn("ecr", f"repository/{self.ecr_repository}")

    @property
    def ecr_repository_url(self) -> str:
        account = self.environment.account
        return f"{account.account_id}.dkr.ecr.{account.region}.{account.dns_suffix}/{self.ecr_repository}"

    @property
    def build_project(self) -> str:
        return f"{self.base}-build"

    @property
    def build_project_arn(self) -> str:
        return self.environment.arn("codebuild", f"project/{self.build_project}")

    @property
    def build_log_group(self) -> str:
        return f"/aws/codebuild/{self.build_project}"

    @property
    def pr_build_project(self) -> str:
        """The pull-request build (tests only, no image)."""
        return f"{self.base}-pr-build"

    @property
    def pr_build_project_arn(self) -> str:
        return self.environment.arn("codebuild", f"project/{self.pr_build_project}")

    @property
    def pr_build_log_group(self) -> str:
        return f"/aws/codebuild/{self.pr_build_project}"

    @property
    def source_rule(self) -> str:
        """The EventBridge rule that starts the pipeline on a push to a CodeCommit branch."""
        return f"{self.base}-source-push"

    @property
    def pull_request_rule(self) -> str:
        """The EventBridge rule that starts the pull-request build for a CodeCommit pull request."""
        return f"{self.base}-pull-request"

    def notification_rule(self, kind: str) -> str:
        """CodeStar Notifications rules of the pipeline, e.g. acme-prod-app-pipeline-events."""
        return f"{self.pipeline}-{kind}"

    @property
    def pipeline(self) -> str:
        return f"{self.base}-pipeline"

    @property
    def artifact_prefix(self) -> str:
        """Where CodePipeline keeps this pipeline's artifacts in the artifact bucket."""
        return self.pipeline[:ARTIFACT_PREFIX_LENGTH]

    @property
    def build_cache_prefix(self) -> str:
        """Where the build project keeps its S3 cache in the artifact bucket."""
        return f"cache/{self.build_project}"

    @property
    def pr_build_cache_prefix(self) -> str:
        """The pull-request build's own S3 cache: a pull request cannot poison the release build's cache."""
        return f"cache/{self.pr_build_project}"

    @property
    def pipeline_arn(self) -> str:
        return self.environment.arn("codepipeline", self.pipeline)

    @property
    def ecs_service(self) -> str:
        return self.base

    @property
    def ecs_service_arn(self) -> str:
        return self.environment.arn("ecs", f"service/{self.environment.cluster}/{self.ecs_service}")

    @property
    def load_balancer(self) -> str:
        return self.base

    def target_group(self, colour: str) -> str:
        """The blue and green target groups: <alb>-blue, <alb>-green."""
        return f"{self.load_balancer}-{colour}"

    @property
    def alb_logs_bucket(self) -> str:
        """The service ALB's access-log bucket (bucket names are global: the account id keeps it unique)."""
        return f"{self.base}-alb-logs-{self.environment.env.account_id}"

    @property
    def task_family(self) -> str:
        return self.base

    @property
    def task_definitions_arn(self) -> str:
        """Every revision of the service's task definition family."""
        return self.environment.arn("ecs", f"task-definition/{self.task_family}:*")

    @property
    def task_log_group(self) -> str:
        return f"/ecs/{self.base}"

    @property
    def codedeploy_application(self) -> str:
        return self.base

    @property
    def codedeploy_application_arn(self) -> str:
        return self.environment.arn("codedeploy", f"application:{self.codedeploy_application}")

    @property
    def deployment_group(self) -> str:
        return self.base

    @property
    def deployment_group_arn(self) -> str:
        return self.environment.arn(
            "codedeploy", f"deploymentgroup:{self.codedeploy_application}/{self.deployment_group}"
        )

    def role(self, purpose: str) -> str:
        """Role names: <prefix>-<service>-<purpose>, e.g. acme-prod-app-codebuild."""
        return f"{self.base}-{purpose}"

    def role_arn(self, purpose: str) -> str:
        return self.environment.role_arn(self.role(purpose))

    @property
    def hooks_security_group(self) -> str:
        """The deploy hooks' security group (name and Name tag)."""
        return f"{self.base}-hooks"

    def hook_function(self, hook: str) -> str:
        """Lambda names for the appspec hooks, e.g. acme-prod-app-AfterAllowTestTraffic."""
        return f"{self.base}-{hook}"

    def hook_log_group(self, hook: str) -> str:
        return f"/aws/lambda/{self.hook_function(hook)}"

    # ------------------------------------------------------------------ function services (kind = "function")
    @property
    def function(self) -> str:
        """The Lambda function of a function service: <prefix>-<service>."""
        return self.base

    @property
    def function_arn(self) -> str:
        return self.environment.arn("lambda", f"function:{self.function}")

    @property
    def function_versions_arn(self) -> str:
        """The function's qualified ARNs (versions and aliases): Lambda authorizes a call with a qualifier on them."""
        return f"{self.function_arn}:*"

    @property
    def function_alias_arn(self) -> str:
        return f"{self.function_arn}:{FUNCTION_ALIAS}"

    @property
    def function_log_group(self) -> str:
        return f"/aws/lambda/{self.function}"

    def function_alarm(self, metric: str) -> str:
        """The alarms that roll a function release back, e.g. acme-dev-api-errors."""
        return f"{self.deployment_group}-{metric}"

    def function_deploy_project(self, target: str) -> str:
        """The CodeBuild project this service's pipeline deploys the function in `target` with (also its role)."""
        return f"{self.base}-deploy-{target}"

    def function_deploy_project_arn(self, target: str) -> str:
        return self.environment.arn("codebuild", f"project/{self.function_deploy_project(target)}")

    def function_deploy_log_group(self, target: str) -> str:
        return f"/aws/codebuild/{self.function_deploy_project(target)}"


@dataclass(frozen=True)
class RunTaskNames:
    """Names of the run task stack's resources (`<env>-runtask`): one function, its image repository, its
    store of baselines and results, its HMAC key's secret, its key."""

    environment: EnvironmentNames

    @property
    def base(self) -> str:
        return f"{self.environment.prefix}-runtask"

    @property
    def stack(self) -> str:
        return f"{self.environment.env.name}-{RUN_TASK_STACK_COMPONENT}"

    @property
    def function(self) -> str:
        return self.base

    @property
    def function_arn(self) -> str:
        return self.environment.arn("lambda", f"function:{self.function}")

    @property
    def role(self) -> str:
        return self.base

    @property
    def role_arn(self) -> str:
        return self.environment.role_arn(self.role)

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function}"

    @property
    def repository(self) -> str:
        return self.base

    @property
    def repository_arn(self) -> str:
        return self.environment.arn("ecr", f"repository/{self.repository}")

    @property
    def repository_url(self) -> str:
        account = self.environment.account
        return f"{account.account_id}.dkr.ecr.{account.region}.{account.dns_suffix}/{self.repository}"

    @property
    def bucket(self) -> str:
        return f"{self.base}-{self.environment.env.account_id}"

    @property
    def bucket_arn(self) -> str:
        return self.environment.account.bucket_arn(self.bucket)

    @property
    def secret(self) -> str:
        """The HMAC key's secret (Secrets Manager adds "-" and six random characters to its ARN)."""
        return f"{self.environment.prefix}/runtask/hmac-key"

    @property
    def secret_arn_pattern(self) -> str:
        return self.environment.arn("secretsmanager", f"secret:{self.secret}-??????")

    @property
    def key_alias(self) -> str:
        return f"alias/{self.base}"
