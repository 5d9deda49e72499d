"""The environment model: what an `environments/<env>.hcl` file may say, as frozen dataclasses.

Every field's type, default and check live here, next to each other, so the loader can validate a
file generically and the error for a bad value names the exact setting (rules that involve several
settings: `envconfig.rules`). Constructs and stacks read only these objects; nothing downstream
parses HCL or branches on an environment's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from envconfig import checks
from envconfig.fields import REQUIRED, setting
from envconfig.kubernetes import Eks

# The CodeBuild-managed image builds and deploys run on unless an environment picks another.
CODEBUILD_STANDARD_IMAGE = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"


@dataclass(frozen=True)
class LocalBackend:
    """State in a local file under the stack's directory (the default, for trying things out)."""

    type: Literal["local"] = "local"


@dataclass(frozen=True)
class S3Backend:
    """State in S3, always encrypted, locked with S3 native locking (Terraform >= 1.10)."""

    bucket: str = setting(REQUIRED, check=checks.s3_bucket_name)
    type: Literal["s3"] = "s3"
    key_prefix: str = setting("", doc="prefix of each stack's state key: <prefix><stack>/terraform.tfstate")
    region: str = setting("", check=checks.optional(checks.region), doc="defaults to the environment's region")
    kms_key_id: str = setting("", check=checks.optional(checks.kms_key_ref))
    dynamodb_table: str = setting("", doc="legacy lock table; S3 native locking is used when empty")


@dataclass(frozen=True)
class CloudBackend:
    """Terraform Cloud / HCP Terraform: one workspace per stack, by name template or by tags."""

    organization: str = setting(REQUIRED, check=checks.tfc_name)
    type: Literal["cloud"] = "cloud"
    hostname: str = "app.terraform.io"
    workspace_name: str = setting(
        "",
        check=checks.optional(checks.workspace_template),
        doc="template with {stack} (one workspace per stack); default '{stack}'",
    )
    workspace_tags: tuple[str, ...] = setting((), check=checks.all_of(checks.each(checks.tfc_name), checks.unique))
    project: str = ""


Backend = LocalBackend | S3Backend | CloudBackend


@dataclass(frozen=True)
class Network:
    vpc_cidr: str = setting(REQUIRED, check=checks.private_cidr)
    availability_zones: tuple[str, ...] = setting(REQUIRED, check=checks.all_of(checks.at_least(2), checks.unique))
    nat_gateways: Literal["none", "single", "per_az"] = setting(
        "single", doc="'none' is rejected while the VPC has no endpoints: private tasks could not pull images"
    )
    allowed_ingress_cidrs: tuple[str, ...] = setting(
        ("0.0.0.0/0",), check=checks.all_of(checks.each(checks.cidr), checks.unique)
    )
    certificate_arn: str = setting("", check=checks.optional(checks.arn("acm")))
    alb_access_logs: bool = True
    alb_internal: bool = setting(False, doc="internal ALB: reachable from the VPC and peered networks only")
    alb_deletion_protection: bool = False


# At most 8 patterns per include or exclude list of a CodePipeline trigger filter (API GitBranchFilterCriteria).
_TRIGGER_PATTERNS = checks.all_of(checks.at_most(8), checks.each(checks.git_pattern))


@dataclass(frozen=True)
class SourceTrigger:
    """Which pushes start the pipeline (CodePipeline V2 trigger, connection sources only). AWS allows branch
    filters (with file paths) and tag filters, each in a push filter of its own:
    https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter.html"""

    branches: tuple[str, ...] = setting((), check=_TRIGGER_PATTERNS, doc="branch globs; default: source.branch")
    excluded_branches: tuple[str, ...] = setting((), check=_TRIGGER_PATTERNS, doc="default none")
    file_paths: tuple[str, ...] = setting(
        (), check=_TRIGGER_PATTERNS, doc="only pushes that change these paths (globs); default any path"
    )
    excluded_file_paths: tuple[str, ...] = setting(
        (), check=_TRIGGER_PATTERNS, doc="pushes that change only these paths do not start it"
    )
    tags: tuple[str, ...] = setting((), check=_TRIGGER_PATTERNS, doc="pushed tags that start it too; default none")
    excluded_tags: tuple[str, ...] = setting((), check=_TRIGGER_PATTERNS, doc="default none")


@dataclass(frozen=True)
class Source:
    """Where a service's code lives. CodeStar connections serve GitHub, GitLab and Bitbucket."""

    repository: str = setting(REQUIRED, check=checks.repository_id)
    provider: Literal["github", "gitlab", "bitbucket", "codecommit"] = "github"
    branch: str = setting("main", check=checks.branch_name)
    connection_arn: str = setting("", check=checks.optional(checks.connection_arn))
    create_repository: bool = setting(
        False, doc="codecommit: the delivery stack creates the repository; default false (it exists)"
    )
    trigger: SourceTrigger | None = setting(
        None, doc="connection sources: push filters; default: every push to branch starts the pipeline"
    )


@dataclass(frozen=True)
class Build:
    compute_type: Literal[
        "BUILD_GENERAL1_SMALL",
        "BUILD_GENERAL1_MEDIUM",
        "BUILD_GENERAL1_LARGE",
        "BUILD_GENERAL1_XLARGE",
        "BUILD_GENERAL1_2XLARGE",
    ] = "BUILD_GENERAL1_MEDIUM"
    image: str = CODEBUILD_STANDARD_IMAGE
    docker: bool = setting(True, doc="the build runs docker, so CodeBuild needs privileged mode")
    cache: Literal["s3", "local", "none"] = "s3"
    runtime_versions: dict[str, str] = setting(factory=lambda: {"nodejs": "18"})
    install_commands: tuple[str, ...] = ("npm ci",)
    test_commands: tuple[str, ...] = ("npm test",)
    cache_paths: tuple[str, ...] = ("node_modules/**/*", "/root/.npm/**/*")
    coverage_report: str = setting("coverage/clover.xml", doc="empty disables the coverage report")
    parameter_store: dict[str, str] = setting(factory=dict, doc="env var -> SSM parameter name")
    secrets_manager: dict[str, str] = setting(
        factory=dict,
        check=checks.each_value(checks.secret_reference),
        doc="env var -> secret-id[:json-key[:version-stage[:version-id]]]; secret-id a name or this account's ARN",
    )
    timeout_minutes: int = setting(30, check=checks.between(5, 480))


# The lifecycle events of an ECS deployment that run a hook, in the order they run (reference/ecs_lifecycle_hooks.json).
EcsHookEvent = Literal[
    "BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic"
]


@dataclass(frozen=True)
class LifecycleHook:
    """One appspec hook: the project's HTTP check of a listener (the default), or the user's own Lambda function.

    Which listener carries the replacement tasks at each event, and so where a check may run, is
    reference/ecs_lifecycle_hooks.json (rule `hooks_fit_their_event` in envconfig/rules.py)."""

    name: EcsHookEvent
    listener: Literal["", "test", "production"] = setting(
        "", doc="the built-in check's listener; default: the one that carries the new tasks at this event"
    )
    path: str = setting("", check=checks.optional(checks.url_path), doc="default: the service's health_check_path")
    expected_status: int = setting(200, check=checks.between(100, 599), doc="the status the check expects")
    function_arn: str = setting(
        "",
        check=checks.optional(checks.lambda_function_arn),
        doc="this account's and region's Lambda function instead of the built-in check (unqualified ARN); "
        "its role needs codedeploy:PutLifecycleEventHookExecutionStatus",
    )

    @property
    def built_in(self) -> bool:
        return not self.function_arn


@dataclass(frozen=True)
class Deployment:
    """How a release reaches the service: CodeDeploy blue/green (with a traffic shape) or ECS rolling."""

    strategy: Literal["blue_green", "rolling"] = "blue_green"
    traffic: Literal["all_at_once", "canary", "linear"] = "all_at_once"
    percent: int = setting(10, check=checks.between(1, 99), doc="canary first step, or linear step size")
    interval_minutes: int = setting(5, check=checks.between(1, 2880))
    termination_wait_minutes: int = setting(5, check=checks.between(0, 2880))
    test_listener_port: int = setting(8080, check=checks.port)
    test_listener_cidrs: tuple[str, ...] = setting(
        (),
        check=checks.each(checks.cidr),
        doc="testers who may reach the test listener; the deploy hooks always may. Default: nobody else",
    )
    hooks: tuple[LifecycleHook, ...] = setting(
        (),
        block_label="hook",
        doc='appspec lifecycle hooks, one `hook "<event>" { ... }` block each (blue_green only); default none',
    )


@dataclass(frozen=True)
class PullRequestBuild:
    """A CodeBuild project that runs the service's install and test commands on pull requests (no image is
    built or pushed) and reports the result on the pull request (GitHub, GitLab, Bitbucket)."""

    base_branches: tuple[str, ...] = setting(
        (), check=checks.each(checks.branch_name), doc="pull requests into these branches; default: source.branch"
    )
    read_build_secrets: bool = setting(
        False,
        doc="give it build.parameter_store and build.secrets_manager; "
        "default false: a pull request's code could read them",
    )


@dataclass(frozen=True)
class Function:
    """A function service's Lambda function (`kind = "function"`): how it runs, which file of the build's output
    is its package, and the checks CodeDeploy runs around the traffic shift to a new version."""

    runtime: Literal["python3.12", "python3.13", "nodejs20.x", "nodejs22.x", "java21", "provided.al2023"] = setting(
        "python3.12", doc="Lambda runtime of the package (and of the bootstrap code until the first release)"
    )
    handler: str = setting("app.handler", check=checks.lambda_handler, doc="the package's entry point")
    memory: int = setting(256, check=checks.between(128, 10240), doc="MiB")
    timeout_seconds: int = setting(30, check=checks.between(1, 900))
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    package: str = setting(
        "function.zip",
        check=checks.relative_path,
        doc="the zip the build's package_commands write, relative to the source root; the build's artifact",
    )
    package_commands: tuple[str, ...] = setting(
        ("zip -qr function.zip . -x '.git/*'",), check=checks.at_least(1), doc="run after the tests; write `package`"
    )
    before_allow_traffic: str = setting(
        "builtin",
        check=checks.traffic_hook,
        doc="BeforeAllowTraffic hook: 'builtin' invokes the new version with check_payload, 'none', or the ARN "
        "of a Lambda function of this account and region",
    )
    after_allow_traffic: str = setting(
        "builtin",
        check=checks.traffic_hook,
        doc="AfterAllowTraffic hook: 'builtin' invokes the alias, 'none', or an ARN",
    )
    check_payload: str = setting("{}", check=checks.json_text, doc="the event the built-in checks invoke with")


@dataclass(frozen=True)
class Service:
    """One application: its repository, build, pipeline, and what runs it — an ECS service (`container`) or a
    Lambda function behind an alias (`function`)."""

    name: str = setting(REQUIRED, check=checks.short_name)
    kind: Literal["container", "function"] = setting(
        "container", doc="container: ECS Fargate behind an ALB; function: Lambda deployed by CodeDeploy"
    )
    function: Function | None = setting(None, doc="kind = function: the function's settings (required there)")
    source: Source | None = setting(
        None,
        doc="where this environment's pipeline builds the service from; required where it has one, "
        "not allowed where another environment's pipeline deploys the service",
    )
    container_port: int = setting(80, check=checks.port)
    cpu: Literal[256, 512, 1024, 2048, 4096] = 256
    memory: int = setting(512, check=checks.between(512, 30720))
    desired_count: int = setting(2, check=checks.between(1, 100))
    health_check_path: str = setting("/", check=checks.url_path)
    host_name: str = setting(
        "",
        check=checks.optional(checks.host_name),
        doc="the name network.certificate_arn covers for this service's ALB: the deploy hooks "
        "send it (TLS SNI and Host) and verify the certificate against it. Required with a "
        "certificate; default: none (plain HTTP)",
    )
    bootstrap_image: str = setting(
        "public.ecr.aws/nginx/nginx:stable", doc="runs until the pipeline's first deploy replaces it"
    )
    build: Build = setting(factory=Build, doc="like source: only where this environment's pipeline builds")
    deployment: Deployment = setting(factory=Deployment)
    pull_request_build: PullRequestBuild | None = setting(
        None, doc="a test-only build of each pull request; default none"
    )


# CodeStar Notifications event types of a pipeline, without their `codepipeline-pipeline-` prefix:
# https://docs.aws.amazon.com/dtconsole/latest/userguide/concepts.html#events-ref-pipeline
PipelineEvent = Literal[
    "pipeline-execution-failed",
    "pipeline-execution-canceled",
    "pipeline-execution-started",
    "pipeline-execution-resumed",
    "pipeline-execution-succeeded",
    "pipeline-execution-superseded",
    "manual-approval-needed",
    "manual-approval-failed",
    "manual-approval-succeeded",
]


@dataclass(frozen=True)
class Notifications:
    """Who hears from the pipelines: approval requests and the events listed, by email and HTTPS (the
    approval topic's subscribers) and in chat (AWS Chatbot channels, as CodeStar Notifications targets)."""

    emails: tuple[str, ...] = setting(
        (),
        check=checks.each(checks.email_address),
        doc="subscribed to the approval topic (each confirms by email); default none",
    )
    https_endpoints: tuple[str, ...] = setting(
        (), check=checks.each(checks.https_url), doc="subscribed to the approval topic; default none"
    )
    chatbot_channel_arns: tuple[str, ...] = setting(
        (),
        check=checks.each(checks.chatbot_channel_arn),
        doc="Chatbot Slack/Teams channel configurations; default none",
    )
    events: tuple[PipelineEvent, ...] = setting(
        ("pipeline-execution-failed", "manual-approval-needed"),
        check=checks.at_least(1),
        doc="pipeline events that are notified",
    )


@dataclass(frozen=True)
class AssumeRole:
    """The role every stack's AWS provider assumes to work in its account (`<env>-bootstrap` creates it, applied
    once with the account's admin credentials): who runs Terraform elsewhere reaches the account through it."""

    role_arn: str = setting(REQUIRED, check=checks.iam_role_arn, doc="a role of the account the stacks work in")
    trusted_principal_arns: tuple[str, ...] = setting(
        REQUIRED,
        check=checks.all_of(checks.at_least(1), checks.each(checks.iam_principal_arn), checks.unique),
        doc="who runs Terraform (roles or users, by ARN): the only principals the bootstrap's role trusts",
    )
    policy_arns: tuple[str, ...] = setting(
        REQUIRED,
        check=checks.all_of(checks.at_least(1), checks.each(checks.iam_policy_arn), checks.unique),
        doc="the customer managed policies (of the account) that say what Terraform may do there",
    )
    external_id: str = setting(
        "",
        check=checks.optional(checks.external_id),
        doc="sts:ExternalId the provider passes and the role's trust requires; default none",
    )


@dataclass(frozen=True)
class DeliveryAccount:
    """The delivery (tooling) account that holds this environment's pipelines, image repositories and artifacts,
    when it is not the environment's own account (AWS's multi-account layout)."""

    account_id: str = setting(REQUIRED, check=checks.account_id)
    key_admin_principal_arns: tuple[str, ...] = setting(
        REQUIRED,
        check=checks.all_of(checks.at_least(1), checks.each(checks.iam_principal_arn)),
        doc="who administers the delivery key in the delivery account (and runs Terraform there)",
    )
    region: str = setting("", check=checks.optional(checks.region), doc="default: the environment's region")
    assume_role: AssumeRole | None = setting(None, doc="the delivery stack's provider role; default: none")


@dataclass(frozen=True)
class DeployRole:
    """This environment accepts deploys from pipelines of another account: its service stack creates the role
    their cross-account actions assume (`<name_prefix>-pipeline-deploy`), trusted by those pipelines' roles only."""

    delivery_account_id: str = setting(
        REQUIRED, check=checks.account_id, doc="the account whose pipelines deploy here (not this one)"
    )


@dataclass(frozen=True)
class Delivery:
    """The pipeline's promotion order: environment names whose services it deploys to, in order.

    Each (environment, service) is deployed by exactly one pipeline: an environment that another
    environment's pipeline promotes through says `promotion = []` (it runs no pipeline of its own).
    """

    promotion: tuple[str, ...] | None = setting(
        None,
        check=checks.all_of(checks.each(checks.short_name), checks.unique),
        doc="unset: this environment only; []: no pipeline here (another environment's promotes into it)",
    )
    approval_required: bool = setting(False, doc="a manual approval precedes deploys into this environment")
    approval_custom_data: str = "Please review the previous stage's deployment before promoting."
    artifact_retention_days: int = setting(30, check=checks.between(1, 3650))
    codeartifact_formats: tuple[Literal["npm", "pypi", "maven"], ...] = setting((), check=checks.unique)
    keep_releases: int = setting(
        30,
        check=checks.between(3, 1000),
        doc="release images each ECR repository keeps (never expired by age): at least the running, the "
        "rollback and the promoting release",
    )
    notifications: Notifications = setting(factory=Notifications, doc="default: no subscribers, failures notified")
    account: DeliveryAccount | None = setting(
        None, doc="the delivery account the pipelines live in; default: this environment's account"
    )
    artifact_regions: tuple[str, ...] = setting(
        (),
        check=checks.all_of(checks.each(checks.region), checks.unique),
        doc="regions besides the pipeline's that get an artifact store (bucket and key): every region it "
        "deploys into; default none",
    )


@dataclass(frozen=True)
class RunTask:
    """The HCP Terraform run task service (tooling/runtask/) deployed as stack `<env>-runtask`: a Lambda
    function from a container image behind a function URL (README "HCP Terraform run task"). Only with a
    `cloud` backend: run tasks are an HCP Terraform feature."""

    image_tag: str = setting(
        "",
        check=checks.optional(checks.image_tag),
        doc="the tag of the run task image in the stack's ECR repository (`make runtask-image`); "
        "default empty: no function yet (the first apply creates the repository to push it to)",
    )
    memory_mb: int = setting(
        3008, check=checks.between(1024, 10240), doc="checkov is CPU-bound and Lambda's CPU follows memory"
    )
    timeout_seconds: int = setting(
        900,
        check=checks.between(300, 900),
        doc="one check's time limit; Lambda allows 15 minutes at most (HCP Terraform would allow 60)",
    )
    reserved_concurrency: int = setting(
        5,
        check=checks.between(2, 100),
        doc="invocations at a time: the URL's answers and the checks share them (at least 2)",
    )


@dataclass(frozen=True)
class Environment:
    name: str
    file: str
    account_id: str = setting(REQUIRED, check=checks.account_id)
    region: str = setting(REQUIRED, check=checks.region)
    name_prefix: str = setting(REQUIRED, check=checks.name_prefix)
    tier: Literal["development", "staging", "production"] = setting(
        REQUIRED, doc="drives policy: production deploys must be blue/green, canary or linear"
    )
    network: Network = setting(REQUIRED)
    services: tuple[Service, ...] = setting(REQUIRED, check=checks.at_least(1), block_label="service")
    tags: dict[str, str] = setting(factory=dict)
    backend: Backend = setting(factory=LocalBackend)
    delivery: Delivery = setting(factory=Delivery)
    log_retention_days: Literal[
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
    ] = 30
    key_admin_principal_arns: tuple[str, ...] = setting(
        (),
        check=checks.each(checks.iam_principal_arn),
        doc="roles (or users) that administer the environment's KMS keys; the principal that runs Terraform "
        "must be one of them. Default empty: synthesis refuses to create a key (the account root is "
        "deliberately no fallback, see modules/shared/encryption.py)",
    )
    eks: Eks | None = setting(None, doc="an EKS cluster with ArgoCD (stacks <env>-eks, <env>-gitops)")
    run_task: RunTask | None = setting(
        None, doc="the policy gate's HCP Terraform run task as stack <env>-runtask; default none (cloud backend only)"
    )
    assume_role: AssumeRole | None = setting(
        None, doc="the role the stacks' providers assume (stack <env>-bootstrap creates it); default: none"
    )
    deploy_role: DeployRole | None = setting(
        None, doc="another account's pipelines deploy here through a deploy role; default: none"
    )

    @property
    def promotion(self) -> tuple[str, ...]:
        """The environments this environment's pipelines deploy to, in order; empty: it runs none."""
        return (self.name,) if self.delivery.promotion is None else self.delivery.promotion

    @property
    def delivery_account_id(self) -> str:
        """The account of this environment's delivery stack: its pipelines, repositories and artifacts."""
        return self.delivery.account.account_id if self.delivery.account else self.account_id

    @property
    def delivery_region(self) -> str:
        return (self.delivery.account and self.delivery.account.region) or self.region
