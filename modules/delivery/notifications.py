"""CodeStar Notifications rules of one pipeline: its events reach the approval topic's subscribers (email, HTTPS)
and the environment's chat channels (AWS Chatbot targets, which render these events natively).

The approval action itself announces a pending approval on the topic (with the approve link), so the topic does
not get `manual-approval-needed` a second time: that event goes to the chat channels only, by a rule of its own.
Event types: https://docs.aws.amazon.com/dtconsole/latest/userguide/concepts.html#events-ref-pipeline
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.codestarnotifications_notification_rule import (
    CodestarnotificationsNotificationRule,
    CodestarnotificationsNotificationRuleTarget,
)

from modules.cdk.core import Construct

EVENT_TYPE_PREFIX = "codepipeline-pipeline-"
APPROVAL_NEEDED = "manual-approval-needed"
# Chatbot channel configuration kind (from its ARN) -> notification target type (botocore codestar-notifications).
CHAT_TARGET_TYPES = {"slack-channel": "AWSChatbotSlack", "microsoft-teams-channel": "AWSChatbotMicrosoftTeams"}


def topic_events(events: Sequence[str]) -> tuple[str, ...]:
    """The events the topic receives from CodeStar Notifications (the approval action announces approvals)."""
    return tuple(event for event in events if event != APPROVAL_NEEDED)


@dataclass(frozen=True)
class PipelineNotificationsProps:
    pipeline_arn: str
    topic_arn: str  # the approval topic: its subscribers hear the events too
    events: tuple[str, ...]  # pipeline event types without the codepipeline-pipeline- prefix
    approvals: bool  # whether the pipeline has manual approvals
    events_rule: str  # the rule's name for the events (topic and chat)
    approvals_rule: str  # the rule's name for approvals needed (chat only)
    chat_channel_arns: tuple[str, ...] = ()  # AWS Chatbot channel configurations; default none


class PipelineNotifications(Construct):
    """`depends_on`: the topic's policy, which must let CodeStar Notifications publish before a rule targets it."""

    def __init__(self, scope: Construct, id: str, props: PipelineNotificationsProps, depends_on: Sequence = ()):
        super().__init__(scope, id)
        chat = [
            CodestarnotificationsNotificationRuleTarget(address=arn, type=self.chat_target_type(arn))
            for arn in props.chat_channel_arns
        ]
        self.rules = []
        events = topic_events(props.events)
        if events:
            self.rules.append(
                CodestarnotificationsNotificationRule(
                    self,
                    "events",
                    name=props.events_rule,
                    resource=props.pipeline_arn,
                    detail_type="FULL",
                    event_type_ids=[EVENT_TYPE_PREFIX + event for event in events],
                    target=[CodestarnotificationsNotificationRuleTarget(address=props.topic_arn, type="SNS"), *chat],
                    depends_on=list(depends_on),
                )
            )
        if chat and props.approvals and APPROVAL_NEEDED in props.events:
            self.rules.append(
                CodestarnotificationsNotificationRule(
                    self,
                    "approvals",
                    name=props.approvals_rule,
                    resource=props.pipeline_arn,
                    detail_type="FULL",
                    event_type_ids=[EVENT_TYPE_PREFIX + APPROVAL_NEEDED],
                    target=chat,
                )
            )

    @staticmethod
    def chat_target_type(channel_arn: str) -> str:
        """`arn:...:chatbot::<account>:chat-configuration/<kind>/<name>` -> the target type of that kind."""
        return CHAT_TARGET_TYPES[channel_arn.split(":")[-1].split("/")[1]]
