"""CodeBuild projects run by CodePipeline: generated buildspec, encrypted, logged, least-privilege role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.codebuild_project import (
    CodebuildProject,
    CodebuildProjectArtifacts,
    CodebuildProjectCache,
    CodebuildProjectEnvironment,
    CodebuildProjectLogsConfig,
    CodebuildProjectLogsConfigCloudwatchLogs,
    CodebuildProjectSource,
    CodebuildProjectVpcConfig,
)

from envconfig.account import Account
from envconfig.model import CODEBUILD_STANDARD_IMAGE, Build
from envconfig.secrets import SecretReference
from modules.cdk.core import Construct, literal
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import ENCRYPT_DECRYPT, KeyReference, Statement
from release.buildspec import Buildspec

# build.cache -> (CodeBuild cache type, cache modes); the S3 cache lives in the artifact bucket.
_CACHES = {
    "s3": ("S3", ()),
    "none": ("NO_CACHE", ()),
    "local": ("LOCAL", ("LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE", "LOCAL_CUSTOM_CACHE")),
}
# What a VPC build's service role needs: CodeBuild creates (and deletes) a network interface for each build with
# the role, then lets the service attach it. AWS documents these actions for it:
# https://docs.aws.amazon.com/codebuild/latest/userguide/auth-and-access-control-iam-identity-based-access-control.html#customer-managed-policies-example-create-vpc-network-interface
VPC_DESCRIBE_ACTIONS = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)  # no resource type: "*"


def report_statement(account: Account, project: str) -> Statement:
    """A project publishes test and coverage reports to its own report groups only."""
    return Statement(
        (
            "codebuild:BatchPutCodeCoverages",
            "codebuild:BatchPutTestCases",
            "codebuild:CreateReport",
            "codebuild:CreateReportGroup",
            "codebuild:UpdateReport",
        ),
        (account.arn("codebuild", f"report-group/{project}-*"),),
        sid="PublishReports",
    )


def build_settings_statements(account: Account, build: Build) -> list[Statement]:
    """Read the build's `parameter_store` and `secrets_manager` values (the buildspec's env), nothing else."""
    statements = []
    if build.parameter_store:
        statements.append(
            Statement(
                ("ssm:GetParameters",),
                tuple(
                    account.arn("ssm", f"parameter/{name.lstrip('/')}")
                    for name in sorted(build.parameter_store.values())
                ),
                sid="ReadBuildParameters",
            )
        )
    if build.secrets_manager:
        secrets = {
            account.arn("secretsmanager", SecretReference.parse(ref).resource) for ref in build.secrets_manager.values()
        }
        statements.append(Statement(("secretsmanager:GetSecretValue",), tuple(sorted(secrets)), sid="ReadBuildSecrets"))
    return statements


@dataclass(frozen=True)
class ProjectVpc:
    """Where a VPC build runs (https://docs.aws.amazon.com/codebuild/latest/userguide/vpc-support.html)."""

    vpc_id: str
    subnet_ids: tuple[str, ...]  # private subnets routed to NAT: a build reaches S3, logs and AWS APIs through it
    subnet_names: tuple[str, ...]  # their Name tags, which the role's policy names (ids are unknown until apply)
    security_group_id: str  # the builds' network interfaces carry it
    security_group_name: str  # its Name tag


@dataclass(frozen=True)
class PipelineProjectProps:
    name: str
    arn: str
    role_name: str
    account: Account
    description: str
    statements: tuple[Statement, ...]  # the role's whole inline policy
    buildspec: Buildspec
    log_group: str
    log_retention_days: int
    log_kms_key_arn: str
    encryption_key: str  # ARN of the key for the project's artifacts
    compute_type: str = "BUILD_GENERAL1_SMALL"  # default: the smallest Linux container
    image: str = CODEBUILD_STANDARD_IMAGE  # default: the CodeBuild standard image
    docker: bool = False  # privileged mode, for builds that run docker; default off
    timeout_minutes: int = 30  # default: half an hour
    cache_type: str = "NO_CACHE"  # default: no cache
    cache_location: str = ""  # bucket/prefix of an S3 cache; default none
    cache_modes: tuple[str, ...] = ()  # modes of a LOCAL cache; default none
    vpc: ProjectVpc | None = None  # default None: builds run outside any VPC


class PipelineProject(Construct):
    """A CodeBuild project that CodePipeline runs: its own role and log group, encrypted artifacts.

    `depends_on`: what the props name by a deterministic name and must exist first (the artifact bucket that
    holds the S3 cache)."""

    def __init__(self, scope: Construct, id: str, props: PipelineProjectProps, depends_on: Sequence = ()):
        super().__init__(scope, id)
        self.log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=props.log_group,
            retention_in_days=props.log_retention_days,
            kms_key_id=props.log_kms_key_arn,
        )
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=props.role_name,
                service_principal="codebuild.amazonaws.com",
                account=props.account,
                source_arn=props.arn,
                statements=(*props.statements, *self.vpc_statements(props)),
                description=props.description,
            ),
        )
        self.project = CodebuildProject(
            self,
            "project",
            name=props.name,
            service_role=self.role.arn,
            build_timeout=props.timeout_minutes,
            encryption_key=props.encryption_key,
            source=CodebuildProjectSource(type="CODEPIPELINE", buildspec=literal(props.buildspec.render())),
            artifacts=CodebuildProjectArtifacts(type="CODEPIPELINE"),
            environment=CodebuildProjectEnvironment(
                type="LINUX_CONTAINER",
                compute_type=props.compute_type,
                image=props.image,
                image_pull_credentials_type="CODEBUILD",
                privileged_mode=props.docker,
            ),
            cache=CodebuildProjectCache(
                type=props.cache_type, location=props.cache_location or None, modes=list(props.cache_modes) or None
            ),
            logs_config=CodebuildProjectLogsConfig(
                cloudwatch_logs=CodebuildProjectLogsConfigCloudwatchLogs(status="ENABLED", group_name=props.log_group)
            ),
            vpc_config=CodebuildProjectVpcConfig(
                vpc_id=props.vpc.vpc_id,
                subnets=list(props.vpc.subnet_ids),
                security_group_ids=[props.vpc.security_group_id],
            )
            if props.vpc
            else None,
            tags={"dlp:needs-docker": str(props.docker).lower()},
            # the role's policy first: CodeBuild checks the VPC permissions when the project is created
            depends_on=[self.role.policy, self.log_group, *depends_on],
        )
        self.name = self.project.name  # an attribute: what names the project (a pipeline action) comes after it
        self.arn = self.project.arn
        self.role_arn = self.role.arn

    @staticmethod
    def vpc_statements(props: PipelineProjectProps) -> tuple[Statement, ...]:
        """The role's rights over the builds' network interfaces (none outside a VPC): created only in the named
        subnets with the named security group. Subnet and group ids are random, so they are named by their Name
        tags (every policy here is known at plan time); interfaces have no id before the call creates them."""
        if props.vpc is None:
            return ()
        account, vpc = props.account, props.vpc
        interfaces = account.arn("ec2", "network-interface/*")
        return (
            Statement(VPC_DESCRIBE_ACTIONS, ("*",), sid="DescribeBuildNetwork"),
            Statement(
                ("ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"),
                (interfaces,),
                sid="ManageBuildNetworkInterfaces",
            ),
            Statement(
                ("ec2:CreateNetworkInterface",),
                (account.arn("ec2", "subnet/*"),),
                {"StringEquals": {"aws:ResourceTag/Name": sorted(vpc.subnet_names)}},
                sid="InPrivateSubnets",
            ),
            Statement(
                ("ec2:CreateNetworkInterface",),
                (account.arn("ec2", "security-group/*"),),
                {"StringEquals": {"aws:ResourceTag/Name": vpc.security_group_name}},
                sid="WithBuildGroup",
            ),
            Statement(
                ("ec2:CreateNetworkInterfacePermission",),
                (interfaces,),
                {"StringEquals": {"ec2:AuthorizedService": "codebuild.amazonaws.com"}},
                sid="LetCodeBuildAttachInterfaces",
            ),
        )


@dataclass(frozen=True)
class ImageBuildProjectProps:
    name: str
    arn: str
    role_name: str
    account: Account
    build: Build  # compute, image, docker, cache, timeout and the parameters and secrets it reads
    buildspec: Buildspec
    log_group: str
    log_retention_days: int
    key: KeyReference  # the delivery key: logs, artifacts, cache and images
    key_arn: str  # the same key's ARN, for the log group and the project's artifacts
    artifact_bucket: str
    artifact_prefix: str  # the prefix of the one pipeline that runs the project (its artifacts)
    cache_prefix: str  # the project's own S3 cache in `artifact_bucket` (used when build.cache is "s3")
    ecr_repository_arn: str
    extra_statements: tuple[Statement, ...] = ()  # e.g. package reads; default none


def release_build_settings(
    props, *, description: str, statements: tuple[Statement, ...], docker: bool = False, docker_layers: bool = False
) -> PipelineProjectProps:
    """A release build's project settings (image or function package): the environment's build settings, the
    delivery key for logs and artifacts, the project's cache in the artifact bucket. `docker_layers`: a local cache
    keeps docker layers too (image builds)."""
    build = props.build
    cache_type, cache_modes = _CACHES[build.cache]
    return PipelineProjectProps(
        name=props.name,
        arn=props.arn,
        role_name=props.role_name,
        account=props.account,
        description=description,
        statements=statements,
        buildspec=props.buildspec,
        log_group=props.log_group,
        log_retention_days=props.log_retention_days,
        log_kms_key_arn=props.key_arn,
        encryption_key=props.key_arn,
        compute_type=build.compute_type,
        image=build.image,
        docker=docker,
        timeout_minutes=build.timeout_minutes,
        cache_type=cache_type,
        cache_location=f"{props.artifact_bucket}/{props.cache_prefix}" if build.cache == "s3" else "",
        cache_modes=cache_modes if docker_layers else tuple(m for m in cache_modes if m != "LOCAL_DOCKER_LAYER_CACHE"),
    )


class ImageBuildProject(PipelineProject):
    """The project that tests, builds and pushes one service's image."""

    def __init__(self, scope: Construct, id: str, props: ImageBuildProjectProps, depends_on: Sequence = ()):
        settings = release_build_settings(
            props,
            description=f"CodeBuild project {props.name}: build, test and push one image",
            statements=self.statements(props),
            docker=props.build.docker,
            docker_layers=True,
        )
        super().__init__(scope, id, settings, depends_on)

    @staticmethod
    def statements(props: ImageBuildProjectProps) -> tuple[Statement, ...]:
        account, build = props.account, props.build
        log_group = account.log_group_arn(props.log_group)
        statements = [
            Statement(("logs:CreateLogStream", "logs:PutLogEvents"), (f"{log_group}:log-stream:*",), sid="WriteLogs"),
            Statement(
                ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
                (account.bucket_arn(props.artifact_bucket, f"{props.artifact_prefix}/*"),),
                sid="ReadWriteArtifacts",
            ),
            Statement(
                ("s3:GetBucketAcl", "s3:GetBucketLocation"),
                (account.bucket_arn(props.artifact_bucket),),
                sid="LocateArtifactBucket",
            ),
            Statement(("ecr:GetAuthorizationToken",), ("*",), sid="LogInToRegistry"),
            Statement(
                (
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:CompleteLayerUpload",
                    "ecr:DescribeImages",
                    "ecr:InitiateLayerUpload",
                    "ecr:PutImage",
                    "ecr:UploadLayerPart",
                ),
                (props.ecr_repository_arn,),
                sid="PushImage",
            ),
            props.key.usage(ENCRYPT_DECRYPT),
            report_statement(account, props.name),
        ]
        if build.cache == "s3":
            statements.insert(
                2,
                Statement(
                    ("s3:GetObject", "s3:PutObject"),
                    (account.bucket_arn(props.artifact_bucket, f"{props.cache_prefix}/*"),),
                    sid="ReadWriteCache",
                ),
            )
        statements += build_settings_statements(account, build)
        return (*statements, *props.extra_statements)
