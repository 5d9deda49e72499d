"""The SNS topic that tells approvers a release waits for them; encrypted with the delivery key."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription

from modules.cdk.core import Construct


@dataclass(frozen=True)
class ApprovalTopicProps:
    name: str
    kms_key_arn: str
    subscriber_emails: tuple[str, ...] = ()  # default none: no email subscriptions


class ApprovalTopic(Construct):
    def __init__(self, scope: Construct, id: str, props: ApprovalTopicProps):
        super().__init__(scope, id)
        self.topic = SnsTopic(self, "topic", name=props.name, kms_master_key_id=props.kms_key_arn)
        for index, email in enumerate(props.subscriber_emails):
            SnsTopicSubscription(self, f"subscriber-{index}", topic_arn=self.topic.arn, protocol="email",
                                 endpoint=email)
        self.arn = self.topic.arn
