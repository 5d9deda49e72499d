"""An EventBridge rule that starts one pipeline or build on an event (a CodeCommit push or pull request), with
a role that EventBridge assumes for this rule only and that may start that one target only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetInputTransformer,
)

from envconfig.account import Account
from modules.cdk.core import Construct
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import Statement


@dataclass(frozen=True)
class StartOnEventProps:
    rule_name: str
    rule_arn: str  # the rule's deterministic ARN: the role trusts EventBridge for this rule only
    role_name: str
    account: Account
    description: str
    event_pattern: dict  # the EventBridge event pattern, as data
    target_arn: str  # what the rule starts: a pipeline or a CodeBuild project
    start_action: str  # the one call the role makes on the target, e.g. "codepipeline:StartPipelineExecution"
    input_paths: dict[str, str] = field(default_factory=dict)  # input transformer variables; default none
    input_template: str = ""  # what the target receives, with <variables>; default "": the event itself


class StartOnEvent(Construct):
    """`depends_on`: the target, which the props name by its deterministic ARN (for the role's policy)."""

    def __init__(self, scope: Construct, id: str, props: StartOnEventProps, depends_on: Sequence = ()):
        super().__init__(scope, id)
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=props.role_name,
                service_principal="events.amazonaws.com",
                account=props.account,
                source_arn=props.rule_arn,
                statements=(Statement((props.start_action,), (props.target_arn,), sid="StartTarget"),),
                description=f"EventBridge rule {props.rule_name}: {props.description}",
            ),
        )
        self.rule = CloudwatchEventRule(
            self,
            "rule",
            name=props.rule_name,
            description=props.description,
            event_pattern=json.dumps(props.event_pattern, sort_keys=True),
        )
        transformer = (
            CloudwatchEventTargetInputTransformer(input_paths=props.input_paths, input_template=props.input_template)
            if props.input_template
            else None
        )
        self.target = CloudwatchEventTarget(
            self,
            "target",
            rule=self.rule.name,
            arn=props.target_arn,
            role_arn=self.role.arn,
            input_transformer=transformer,
            depends_on=[*depends_on, self.role.policy],
        )
