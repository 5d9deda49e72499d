"""Pull-request builds: the service's install and tests on every pull request, in a CodeBuild project of its own.

A pull request's code is untrusted, so the project's role may read the code and packages, write its logs,
reports and its own cache, and nothing else: no registry, no artifacts, no deploy files, no privileged mode.
GitHub, GitLab and Bitbucket start it through a CodeBuild webhook (the result is reported on the pull request);
CodeCommit, which has no CodeBuild webhooks, through an EventBridge rule on its pull-request events.
"""

from __future__ import annotations

import re
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
    CodebuildProjectSourceAuth,
)
from cdktf_cdktf_provider_aws.codebuild_webhook import (
    CodebuildWebhook,
    CodebuildWebhookFilterGroup,
    CodebuildWebhookFilterGroupFilter,
)

from envconfig.account import Account
from envconfig.model import Build, Source
from modules.cdk.core import Construct, literal
from modules.delivery.codebuild import build_settings_statements, report_statement
from modules.delivery.codecommit import pull_request_pattern
from modules.delivery.events import StartOnEvent, StartOnEventProps
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import ENCRYPT_DECRYPT, KeyReference, Statement
from release.buildspec import Buildspec

# source.provider -> (CodeBuild source type, host), for the hosted providers CodeBuild reaches through a connection.
HOSTED_SOURCES = {
    "github": ("GITHUB", "https://github.com"),
    "gitlab": ("GITLAB", "https://gitlab.com"),
    "bitbucket": ("BITBUCKET", "https://bitbucket.org"),
}
# The webhook events that build: a pull request opened, pushed to, or reopened.
WEBHOOK_EVENTS = ("PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED", "PULL_REQUEST_REOPENED")
# build.cache -> (CodeBuild cache type, modes) without the docker layer cache, which needs privileged mode.
_CACHES = {"s3": ("S3", ()), "none": ("NO_CACHE", ()), "local": ("LOCAL", ("LOCAL_SOURCE_CACHE", "LOCAL_CUSTOM_CACHE"))}


@dataclass(frozen=True)
class PullRequestBuildProps:
    name: str
    arn: str
    role_name: str
    account: Account
    source: Source
    base_branches: tuple[str, ...]  # pull requests into these branches build
    build: Build  # compute, image, cache and timeout (and the parameters and secrets, when read_build_secrets)
    buildspec: Buildspec  # the test-only variant (release.buildspec.pull_request_buildspec)
    log_group: str
    log_retention_days: int
    key: KeyReference  # the delivery key: logs and the S3 cache
    key_arn: str  # the same key's ARN, for the log group and the project
    artifact_bucket: str  # holds the S3 cache
    cache_prefix: str  # the project's own S3 cache in `artifact_bucket` (used when build.cache is "s3")
    read_build_secrets: bool = False  # default false: the build's parameters and secrets stay unreadable
    extra_statements: tuple[Statement, ...] = ()  # e.g. package reads; default none
    event_rule: str = ""  # codecommit: the EventBridge rule that starts builds; default "" (hosted: a webhook)
    event_rule_arn: str = ""  # codecommit: that rule's ARN; default ""
    event_role_name: str = ""  # codecommit: the role the rule starts builds with; default ""


class PullRequestBuild(Construct):
    """`depends_on`: what the props name by a deterministic name and must exist first (the artifact bucket that
    holds the S3 cache; a CodeCommit repository the stack creates)."""

    def __init__(self, scope: Construct, id: str, props: PullRequestBuildProps, depends_on: Sequence = ()):
        super().__init__(scope, id)
        build = props.build
        cache_type, cache_modes = _CACHES[build.cache]
        self.log_group = CloudwatchLogGroup(
            self, "logs", name=props.log_group, retention_in_days=props.log_retention_days, kms_key_id=props.key_arn
        )
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=props.role_name,
                service_principal="codebuild.amazonaws.com",
                account=props.account,
                source_arn=props.arn,
                statements=self.statements(props),
                description=f"CodeBuild project {props.name}: test pull requests, push nothing",
            ),
        )
        self.project = CodebuildProject(
            self,
            "project",
            name=props.name,
            service_role=self.role.arn,
            build_timeout=build.timeout_minutes,
            encryption_key=props.key_arn,
            source=self.source(props),
            artifacts=CodebuildProjectArtifacts(type="NO_ARTIFACTS"),
            environment=CodebuildProjectEnvironment(
                type="LINUX_CONTAINER",
                compute_type=build.compute_type,
                image=build.image,
                image_pull_credentials_type="CODEBUILD",
                privileged_mode=False,
            ),
            cache=CodebuildProjectCache(
                type=cache_type, location=self.cache_location(props) or None, modes=list(cache_modes) or None
            ),
            logs_config=CodebuildProjectLogsConfig(
                cloudwatch_logs=CodebuildProjectLogsConfigCloudwatchLogs(status="ENABLED", group_name=props.log_group)
            ),
            tags={"dlp:needs-docker": "false"},
            depends_on=[self.role.policy, self.log_group, *depends_on],
        )
        if props.source.provider in HOSTED_SOURCES:
            self.webhook = CodebuildWebhook(
                self,
                "webhook",
                project_name=self.project.name,
                build_type="BUILD",
                filter_group=[self.webhook_filters(props)],
            )
        else:
            self.start = StartOnEvent(
                self,
                "start",
                StartOnEventProps(
                    rule_name=props.event_rule,
                    rule_arn=props.event_rule_arn,
                    role_name=props.event_role_name,
                    account=props.account,
                    description=f"a pull request into {', '.join(props.base_branches)} starts {props.name}",
                    event_pattern=pull_request_pattern(
                        props.account.arn("codecommit", props.source.repository), props.base_branches
                    ),
                    target_arn=props.arn,
                    start_action="codebuild:StartBuild",
                    input_paths={"commit": "$.detail.sourceCommit"},
                    input_template='{"sourceVersion": <commit>}',
                ),
                depends_on=[self.project],
            )
        self.name = self.project.name
        self.arn = self.project.arn

    @staticmethod
    def source(props: PullRequestBuildProps) -> CodebuildProjectSource:
        """The repository itself (not a pipeline artifact): hosted git through the connection, reporting the build
        status on the pull request; CodeCommit through the role, which cannot report."""
        buildspec = literal(props.buildspec.render())
        source, account = props.source, props.account
        if source.provider in HOSTED_SOURCES:
            source_type, host = HOSTED_SOURCES[source.provider]
            return CodebuildProjectSource(
                type=source_type,
                location=f"{host}/{source.repository}.git",
                git_clone_depth=1,
                buildspec=buildspec,
                report_build_status=True,
                auth=CodebuildProjectSourceAuth(type="CODECONNECTIONS", resource=source.connection_arn),
            )
        return CodebuildProjectSource(
            type="CODECOMMIT",
            git_clone_depth=1,
            buildspec=buildspec,
            location=f"https://git-codecommit.{account.region}.{account.dns_suffix}/v1/repos/{source.repository}",
        )

    @staticmethod
    def webhook_filters(props: PullRequestBuildProps) -> CodebuildWebhookFilterGroup:
        """Pull requests opened, updated or reopened into one of the base branches (BASE_REF is a regex)."""
        branches = "|".join(re.escape(branch) for branch in props.base_branches)
        return CodebuildWebhookFilterGroup(
            filter=[
                CodebuildWebhookFilterGroupFilter(type="EVENT", pattern=", ".join(WEBHOOK_EVENTS)),
                CodebuildWebhookFilterGroupFilter(type="BASE_REF", pattern=f"^refs/heads/({branches})$"),
            ]
        )

    @staticmethod
    def cache_location(props: PullRequestBuildProps) -> str:
        """Its own prefix: a pull request cannot poison the release build's cache."""
        return f"{props.artifact_bucket}/{props.cache_prefix}" if props.build.cache == "s3" else ""

    @staticmethod
    def statements(props: PullRequestBuildProps) -> tuple[Statement, ...]:
        account, build, source = props.account, props.build, props.source
        log_group = account.log_group_arn(props.log_group)
        statements = [
            Statement(("logs:CreateLogStream", "logs:PutLogEvents"), (f"{log_group}:log-stream:*",), sid="WriteLogs"),
            props.key.usage(ENCRYPT_DECRYPT),
            report_statement(account, props.name),
        ]
        if source.provider in HOSTED_SOURCES:
            # https://docs.aws.amazon.com/codebuild/latest/userguide/connections-github-app.html
            service = source.connection_arn.split(":")[2]
            statements.append(
                Statement(
                    (f"{service}:GetConnection", f"{service}:GetConnectionToken"),
                    (source.connection_arn,),
                    sid="ReadSourceThroughConnection",
                )
            )
        else:
            statements.append(
                Statement(("codecommit:GitPull",), (account.arn("codecommit", source.repository),), sid="ReadSource")
            )
        if build.cache == "s3":
            statements += [
                Statement(
                    ("s3:GetObject", "s3:PutObject"),
                    (account.bucket_arn(props.artifact_bucket, f"{props.cache_prefix}/*"),),
                    sid="ReadWriteCache",
                ),
                Statement(
                    ("s3:GetBucketAcl", "s3:GetBucketLocation"),
                    (account.bucket_arn(props.artifact_bucket),),
                    sid="LocateCacheBucket",
                ),
            ]
        if props.read_build_secrets:
            statements += build_settings_statements(account, build)
        return (*statements, *props.extra_statements)
