"""The SNS topic that tells approvers a release waits for them (and, through CodeStar Notifications, that a
pipeline failed); encrypted with the delivery key, subscribed by the people the environment names, and
published to only by the publishers it names."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription

from envconfig.account import Account
from modules.cdk.core import Construct


@dataclass(frozen=True)
class ApprovalTopicProps:
    name: str
    kms_key_arn: str
    account: Account  # the topic's account: its ARN, and the account publishing services must act for
    subscriber_emails: tuple[str, ...] = ()  # default none: no email subscriptions
    https_endpoints: tuple[str, ...] = ()  # default none: no HTTPS subscriptions
    publisher_role_arns: tuple[str, ...] = ()  # roles that publish (pipelines' approval actions); default none
    publisher_services: tuple[str, ...] = ()  # services that publish for this account; default none


class ApprovalTopic(Construct):
    def __init__(self, scope: Construct, id: str, props: ApprovalTopicProps):
        super().__init__(scope, id)
        self.topic = SnsTopic(self, "topic", name=props.name, kms_master_key_id=props.kms_key_arn)
        for index, email in enumerate(props.subscriber_emails):
            SnsTopicSubscription(
                self, f"subscriber-{index}", topic_arn=self.topic.arn, protocol="email", endpoint=email
            )
        for index, url in enumerate(props.https_endpoints):
            SnsTopicSubscription(
                self, f"https-subscriber-{index}", topic_arn=self.topic.arn, protocol="https", endpoint=url
            )
        self.policy = SnsTopicPolicy(self, "policy", arn=self.topic.arn, policy=self.topic_policy(props))
        self.arn = self.topic.arn

    @staticmethod
    def topic_policy(props: ApprovalTopicProps) -> str:
        """Publishing: the named services for this account only (confused-deputy guard), the named roles, and
        nobody else in the account (a forged approval request would send approvers to any link)."""
        account = props.account
        topic_arn = account.arn("sns", props.name)
        statements = []
        if props.publisher_services:
            statements.append(
                {
                    "Sid": "ServicesPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": sorted(props.publisher_services)},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
                }
            )
        if props.publisher_role_arns:
            # By condition rather than as principals: SNS rejects principals that do not exist yet.
            statements.append(
                {
                    "Sid": "RolesPublish",
                    "Effect": "Allow",
                    "Principal": {"AWS": account.root_arn},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted(props.publisher_role_arns)}},
                }
            )
        # IAM principals other than the named roles may not publish, whatever their own policies say. Service
        # principals (no aws:PrincipalArn, aws:PrincipalServiceName set) are left to the Allow above.
        deny = {
            "Sid": "NoOtherPublishers",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"Null": {"aws:PrincipalServiceName": "true"}},
        }
        if props.publisher_role_arns:
            deny["Condition"]["ArnNotEquals"] = {"aws:PrincipalArn": sorted(props.publisher_role_arns)}
        statements.append(deny)
        return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)
