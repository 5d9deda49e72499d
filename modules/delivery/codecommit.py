"""CodeCommit as a pipeline source: the repository (when the environment creates it) and the EventBridge rule
that starts the pipeline when the branch moves. The source action does not poll (PollForSourceChanges=false),
so without the rule nothing would start the pipeline:
https://docs.aws.amazon.com/codepipeline/latest/userguide/triggering.html"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.codecommit_repository import CodecommitRepository

from envconfig.account import Account
from modules.cdk.core import Construct
from modules.delivery.events import StartOnEvent, StartOnEventProps

# The pull-request events a pull-request build runs on: opened, and new commits on its source branch.
PULL_REQUEST_EVENTS = ("pullRequestCreated", "pullRequestSourceBranchUpdated")


def branch_push_pattern(repository_arn: str, branch: str) -> dict:
    """A commit pushed to (or the creation of) `branch`: CodeCommit Repository State Change."""
    return {
        "source": ["aws.codecommit"],
        "detail-type": ["CodeCommit Repository State Change"],
        "resources": [repository_arn],
        "detail": {
            "event": ["referenceCreated", "referenceUpdated"],
            "referenceType": ["branch"],
            "referenceName": [branch],
        },
    }


def pull_request_pattern(repository_arn: str, base_branches: tuple[str, ...]) -> dict:
    """A pull request into one of `base_branches` opened or updated: CodeCommit Pull Request State Change."""
    return {
        "source": ["aws.codecommit"],
        "detail-type": ["CodeCommit Pull Request State Change"],
        "resources": [repository_arn],
        "detail": {
            "event": list(PULL_REQUEST_EVENTS),
            "destinationReference": [f"refs/heads/{branch}" for branch in base_branches],
        },
    }


@dataclass(frozen=True)
class CodeCommitPushTriggerProps:
    repository_arn: str
    branch: str
    pipeline: str
    pipeline_arn: str
    rule_name: str
    rule_arn: str
    role_name: str
    account: Account


class CodeCommitPushTrigger(Construct):
    """`depends_on`: the pipeline (named by its ARN) and, when the stack creates it, the repository."""

    def __init__(self, scope: Construct, id: str, props: CodeCommitPushTriggerProps, depends_on: Sequence = ()):
        super().__init__(scope, id)
        self.start = StartOnEvent(
            self,
            "start",
            StartOnEventProps(
                rule_name=props.rule_name,
                rule_arn=props.rule_arn,
                role_name=props.role_name,
                account=props.account,
                description=f"a push to {props.branch} starts {props.pipeline}",
                event_pattern=branch_push_pattern(props.repository_arn, props.branch),
                target_arn=props.pipeline_arn,
                start_action="codepipeline:StartPipelineExecution",
            ),
            depends_on=depends_on,
        )


@dataclass(frozen=True)
class CodeCommitRepositoryProps:
    name: str
    description: str = ""  # default "": no description


class CodeCommitRepository(Construct):
    """A repository encrypted with the AWS managed key (aws/codecommit): a customer managed key would have to name
    every developer who pushes in its key policy."""

    def __init__(self, scope: Construct, id: str, props: CodeCommitRepositoryProps):
        super().__init__(scope, id)
        self.repository = CodecommitRepository(
            self, "repository", repository_name=props.name, description=props.description or None
        )
        self.arn = self.repository.arn
