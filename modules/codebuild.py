"""A CodeBuild project for one service: generated buildspec, encrypted, logged, least-privilege role."""

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
from modules.buildspec import Buildspec
from modules.core import Construct, literal
from modules.iam import ENCRYPT_DECRYPT, ServiceRole, ServiceRoleProps, Statement, key_usage

_LOCAL_CACHE_MODES = ["LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE", "LOCAL_CUSTOM_CACHE"]


@dataclass(frozen=True)
class BuildProjectProps:
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


class BuildProject(Construct):
    def __init__(self, scope: Construct, id: str, props: BuildProjectProps):
        super().__init__(scope, id)
        self.log_group = CloudwatchLogGroup(self, "logs", name=props.log_group,
                                            retention_in_days=props.log_retention_days,
                                            kms_key_id=props.kms_key_arn)
        self.role = ServiceRole(self, "role", ServiceRoleProps(
            name=props.role_name, service_principal="codebuild.amazonaws.com", account_id=props.account_id,
            source_arn=props.arn, statements=props.statements(),
            description=f"CodeBuild project {props.name}: build, test and push one image"))
        build = props.build
        self.project = CodebuildProject(
            self, "project", name=props.name, service_role=self.role.arn, build_timeout=build.timeout_minutes,
            encryption_key=props.kms_key_arn,
            source=CodebuildProjectSource(type="CODEPIPELINE", buildspec=literal(props.buildspec.render())),
            artifacts=CodebuildProjectArtifacts(type="CODEPIPELINE"),
            environment=CodebuildProjectEnvironment(
                type="LINUX_CONTAINER", compute_type=build.compute_type, image=build.image,
                image_pull_credentials_type="CODEBUILD", privileged_mode=build.docker),
            cache=self._cache(props),
            logs_config=CodebuildProjectLogsConfig(cloudwatch_logs=CodebuildProjectLogsConfigCloudwatchLogs(
                status="ENABLED", group_name=props.log_group)),
            tags={"dlp:needs-docker": str(build.docker).lower()},
            depends_on=[self.role.policy, self.log_group],
        )
        self.name = props.name
        self.arn = self.project.arn

    @staticmethod
    def _cache(props: BuildProjectProps) -> CodebuildProjectCache:
        if props.build.cache == "s3":
            return CodebuildProjectCache(type="S3", location=f"{props.artifact_bucket}/cache/{props.name}")
        if props.build.cache == "local":
            return CodebuildProjectCache(type="LOCAL", modes=_LOCAL_CACHE_MODES)
        return CodebuildProjectCache(type="NO_CACHE")
