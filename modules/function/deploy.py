"""Releasing a function service from the pipeline: the build project that zips the package, the deploy project that
publishes it as a version and has CodeDeploy shift the alias (release/function.py), and the pipeline deploy-target
kind that runs it.

Why a CodeBuild action and not CodePipeline's CodeDeploy action: for the Lambda compute platform that action
deploys an AppSpec whose CurrentVersion and TargetVersion must exist already, and nothing in a pipeline publishes a
Lambda version (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeDeploy.html). The
deploy project does what SAM/CloudFormation would: update the code with `--publish`, then create the deployment
(as the EKS deploy project runs kubectl: modules/eks/deploy.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.codepipeline import CodepipelineStageAction

from envconfig.account import Account
from envconfig.model import Build
from modules.cdk.core import Construct
from modules.delivery.codebuild import (
    PipelineProject,
    PipelineProjectProps,
    build_settings_statements,
    release_build_settings,
    report_statement,
)
from modules.delivery.pipeline import BUILD_OUTPUT
from modules.shared.statements import DECRYPT, ENCRYPT_DECRYPT, KeyReference, Statement
from release.buildspec import Buildspec


@dataclass(frozen=True)
class FunctionBuildProjectProps:
    name: str
    arn: str
    role_name: str
    account: Account
    build: Build  # compute, image, cache, timeout and the parameters and secrets it reads
    buildspec: Buildspec
    log_group: str
    log_retention_days: int
    key: KeyReference  # the delivery key: logs, artifacts, cache
    key_arn: str
    artifact_bucket: str
    artifact_prefix: str  # the prefix of the one pipeline that runs the project
    cache_prefix: str  # the project's own S3 cache (build.cache = "s3")
    extra_statements: tuple[Statement, ...] = ()  # e.g. package reads; default none


class FunctionBuildProject(PipelineProject):
    """Tests and zips one function's package: no docker (never privileged), no registry."""

    def __init__(self, scope: Construct, id: str, props: FunctionBuildProjectProps, depends_on: Sequence = ()):
        settings = release_build_settings(
            props,
            description=f"CodeBuild project {props.name}: test and package one Lambda function",
            statements=self.statements(props),
        )
        super().__init__(scope, id, settings, depends_on)

    @staticmethod
    def statements(props: FunctionBuildProjectProps) -> tuple[Statement, ...]:
        account, build = props.account, props.build
        statements = [
            Statement(
                ("logs:CreateLogStream", "logs:PutLogEvents"),
                (f"{account.log_group_arn(props.log_group)}:log-stream:*",),
                sid="WriteLogs",
            ),
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
            props.key.usage(ENCRYPT_DECRYPT),
        ]
        if build.coverage_report:
            statements.append(report_statement(account, props.name))
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


@dataclass(frozen=True)
class FunctionDeployProjectProps:
    name: str
    arn: str
    role_name: str
    account: Account
    buildspec: Buildspec
    log_group: str
    log_retention_days: int
    key: KeyReference  # the delivery key: logs and the pipeline's artifacts
    key_arn: str
    artifact_bucket: str
    artifact_prefix: str  # the prefix of the one pipeline that runs the project
    function_arn: str  # the function whose code it updates
    function_versions_arn: str  # its qualified ARNs (function:<name>:*): the alias and the published versions
    application_arn: str
    deployment_group_arn: str
    deployment_config_arn: str
    timeout_minutes: int = 60  # default: an hour, the traffic shift included


class FunctionDeployProject(PipelineProject):
    """Publishes one function's package and has CodeDeploy shift its alias; its role reaches that function and that
    deployment group only, and may not move the alias itself (CodeDeploy's role does)."""

    def __init__(self, scope: Construct, id: str, props: FunctionDeployProjectProps, depends_on: Sequence = ()):
        super().__init__(
            scope,
            id,
            PipelineProjectProps(
                name=props.name,
                arn=props.arn,
                role_name=props.role_name,
                account=props.account,
                description=f"CodeBuild project {props.name}: publish a Lambda version, deploy it with CodeDeploy",
                statements=self.statements(props),
                buildspec=props.buildspec,
                log_group=props.log_group,
                log_retention_days=props.log_retention_days,
                log_kms_key_arn=props.key_arn,
                encryption_key=props.key_arn,
                timeout_minutes=props.timeout_minutes,
            ),
            depends_on,
        )

    @staticmethod
    def statements(props: FunctionDeployProjectProps) -> tuple[Statement, ...]:
        account = props.account
        function = (props.function_arn, props.function_versions_arn)
        return (
            Statement(
                ("logs:CreateLogStream", "logs:PutLogEvents"),
                (f"{account.log_group_arn(props.log_group)}:log-stream:*",),
                sid="WriteLogs",
            ),
            Statement(
                ("s3:GetObject", "s3:GetObjectVersion"),
                (account.bucket_arn(props.artifact_bucket, f"{props.artifact_prefix}/*"),),
                sid="ReadArtifacts",
            ),
            Statement(
                ("s3:GetBucketAcl", "s3:GetBucketLocation"),
                (account.bucket_arn(props.artifact_bucket),),
                sid="LocateArtifactBucket",
            ),
            props.key.usage(DECRYPT),  # it reads the build's artifact and writes none
            Statement(("lambda:GetAlias", "lambda:GetFunctionConfiguration"), function, sid="ReadFunction"),
            Statement(("lambda:UpdateFunctionCode",), (props.function_arn,), sid="PublishVersion"),
            Statement(
                ("codedeploy:CreateDeployment", "codedeploy:GetDeployment"),
                (props.deployment_group_arn,),
                sid="Deploy",
            ),
            Statement(
                ("codedeploy:GetApplicationRevision", "codedeploy:RegisterApplicationRevision"),
                (props.application_arn,),
                sid="RegisterRevision",
            ),
            Statement(("codedeploy:GetDeploymentConfig",), (props.deployment_config_arn,), sid="ReadDeploymentConfig"),
        )


@dataclass(frozen=True)
class FunctionDeployTarget:
    """A pipeline deploy target of kind function (a `modules.delivery.pipeline.DeployTarget`): runs the deploy
    project on the build's output (the package)."""

    environment: str
    approval_required: bool
    project: str
    project_arn: str

    @property
    def role_arn(self) -> str:
        """Empty: the deploy project runs in the pipeline's account and region (rule
        function_promotion_stays_with_its_deploy_project), started by the pipeline's role."""
        return ""

    @property
    def region(self) -> str:
        return ""

    def deploy_action(self) -> CodepipelineStageAction:
        return CodepipelineStageAction(
            name=f"Function-{self.environment}",
            category="Build",
            owner="AWS",
            provider="CodeBuild",
            version="1",
            input_artifacts=[BUILD_OUTPUT],
            configuration={"ProjectName": self.project},
        )

    def statements(self) -> list[Statement]:
        sid = self.environment.capitalize().replace("-", "")
        return [
            Statement(
                ("codebuild:BatchGetBuilds", "codebuild:StartBuild"),
                (self.project_arn,),
                sid=f"DeployFunction{sid}",
            )
        ]
