"""CodeBuild projects run by CodePipeline: generated buildspec, encrypted, logged, least-privilege role."""

from __future__ import annotations

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
)

from envconfig.model import Build
from release.buildspec import Buildspec
from modules.cdk.core import Construct, literal
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import ENCRYPT_DECRYPT, Statement, key_usage

_LOCAL_CACHE_MODES = ("LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE", "LOCAL_CUSTOM_CACHE")


@dataclass(frozen=True)
class PipelineProjectProps:
    name: str
    arn: str
    role_name: str
    account_id: str
    description: str
    statements: tuple[Statement, ...]
    buildspec: Buildspec
    log_group: str
    log_retention_days: int
    log_kms_key_arn: str
    encryption_key: str
    compute_type: str = "BUILD_GENERAL1_SMALL"
    image: str = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"
    docker: bool = False  # privileged mode, for builds that run docker
    timeout_minutes: int = 30
    cache_type: str = "NO_CACHE"
    cache_location: str = ""
    cache_modes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImageBuildProps:
    """The project that tests, builds and pushes one service's image."""

    name: str
    arn: str
    role_name: str
    account_id: str
    region: str
    build: Build
    buildspec: Buildspec
    log_group: str
    log_retention_days: int
    kms_key_arn: str
    kms_key_alias: str
    kms_key_arn_pattern: str
    artifact_bucket: str
    ecr_repository_arn: str
    extra_statements: tuple[Statement, ...] = ()

    @property
    def report_group_arn_pattern(self) -> str:
        return f"arn:aws:codebuild:{self.region}:{self.account_id}:report-group/{self.name}-*"

    def statements(self) -> tuple[Statement, ...]:
        bucket = f"arn:aws:s3:::{self.artifact_bucket}"
        log_group = f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{self.log_group}"
        statements = [
            Statement(("logs:CreateLogStream", "logs:PutLogEvents"), (f"{log_group}:log-stream:*",), sid="WriteLogs"),
            Statement(("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"), (f"{bucket}/*",),
                      sid="ReadWriteArtifactsAndCache"),
            Statement(("s3:GetBucketAcl", "s3:GetBucketLocation"), (bucket,), sid="LocateArtifactBucket"),
            Statement(("ecr:GetAuthorizationToken",), ("*",), sid="LogInToRegistry"),
            Statement(("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
                       "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage",
                       "ecr:UploadLayerPart"), (self.ecr_repository_arn,), sid="PushImage"),
            key_usage(self.kms_key_arn_pattern, self.kms_key_alias, ENCRYPT_DECRYPT),
            Statement(("codebuild:BatchPutCodeCoverages", "codebuild:BatchPutTestCases",
                       "codebuild:CreateReport", "codebuild:CreateReportGroup", "codebuild:UpdateReport"),
                      (self.report_group_arn_pattern,), sid="PublishReports"),
        ]
        if self.build.parameter_store:
            statements.append(Statement(("ssm:GetParameters",), tuple(
                f"arn:aws:ssm:{self.region}:{self.account_id}:parameter/{name.lstrip('/')}"
                for name in sorted(self.build.parameter_store.values())), sid="ReadBuildParameters"))
        if self.build.secrets_manager:
            statements.append(Statement(("secretsmanager:GetSecretValue",), tuple(
                f"arn:aws:secretsmanager:{self.region}:{self.account_id}:secret:{ref.split(':')[0]}-??????"
                for ref in sorted(self.build.secrets_manager.values())), sid="ReadBuildSecrets"))
        return (*statements, *self.extra_statements)

    def project_props(self) -> PipelineProjectProps:
        build = self.build
        cache = {"s3": ("S3", f"{self.artifact_bucket}/cache/{self.name}", ()),
                 "local": ("LOCAL", "", _LOCAL_CACHE_MODES), "none": ("NO_CACHE", "", ())}[build.cache]
        return PipelineProjectProps(
            name=self.name, arn=self.arn, role_name=self.role_name, account_id=self.account_id,
            description=f"CodeBuild project {self.name}: build, test and push one image",
            statements=self.statements(), buildspec=self.buildspec, log_group=self.log_group,
            log_retention_days=self.log_retention_days, log_kms_key_arn=self.kms_key_arn,
            encryption_key=self.kms_key_arn, compute_type=build.compute_type, image=build.image,
            docker=build.docker, timeout_minutes=build.timeout_minutes, cache_type=cache[0],
            cache_location=cache[1], cache_modes=cache[2])


class PipelineProject(Construct):
    """A CodeBuild project that CodePipeline runs: its own role and log group, encrypted artifacts."""

    def __init__(self, scope: Construct, id: str, props: PipelineProjectProps):
        super().__init__(scope, id)
        self.log_group = CloudwatchLogGroup(self, "logs", name=props.log_group,
                                            retention_in_days=props.log_retention_days,
                                            kms_key_id=props.log_kms_key_arn)
        self.role = ServiceRole(self, "role", ServiceRoleProps(
            name=props.role_name, service_principal="codebuild.amazonaws.com", account_id=props.account_id,
            source_arn=props.arn, statements=props.statements, description=props.description))
        self.project = CodebuildProject(
            self, "project", name=props.name, service_role=self.role.arn, build_timeout=props.timeout_minutes,
            encryption_key=props.encryption_key,
            source=CodebuildProjectSource(type="CODEPIPELINE", buildspec=literal(props.buildspec.render())),
            artifacts=CodebuildProjectArtifacts(type="CODEPIPELINE"),
            environment=CodebuildProjectEnvironment(
                type="LINUX_CONTAINER", compute_type=props.compute_type, image=props.image,
                image_pull_credentials_type="CODEBUILD", privileged_mode=props.docker),
            cache=CodebuildProjectCache(type=props.cache_type, location=props.cache_location or None,
                                        modes=list(props.cache_modes) or None),
            logs_config=CodebuildProjectLogsConfig(cloudwatch_logs=CodebuildProjectLogsConfigCloudwatchLogs(
                status="ENABLED", group_name=props.log_group)),
            tags={"dlp:needs-docker": str(props.docker).lower()},
            depends_on=[self.role.policy, self.log_group],
        )
        self.name = props.name
        self.arn = self.project.arn
        self.role_arn = self.role.arn
