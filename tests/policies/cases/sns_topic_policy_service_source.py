"""CKV_DLP_24 - SNS topic policies let AWS services publish only on behalf of an account."""

from tests.policies.builders import ACCOUNT, FAILED, KEY_ARN, PASSED, SYNTH, UNKNOWN, Case, Resource, policy
from tests.policies.wildcard_forms import WILDCARD_SOURCE_CONDITIONS

CHECK_ID = "CKV_DLP_24"
TOPIC_ARN = f"arn:aws:sns:eu-west-1:{ACCOUNT}:approvals"


def publish(principal, condition=None) -> dict:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sns:Publish", "Resource": TOPIC_ARN}
    return {**statement, "Condition": condition} if condition else statement


def topic_policy(name: str, *statements: dict) -> Resource:
    return Resource(name, "aws_sns_topic_policy", {"arn": TOPIC_ARN, "policy": policy(*statements)})


NOTIFICATIONS = {"Service": "codestar-notifications.amazonaws.com"}
CASES = [
    Case(
        topic_policy(
            "snspol_service_account", publish(NOTIFICATIONS, {"StringEquals": {"aws:SourceAccount": ACCOUNT}})
        ),
        PASSED,
    ),
    Case(
        topic_policy(
            "snspol_service_rule_arn",
            publish(
                {"Service": "events.amazonaws.com"},
                {"ArnLike": {"aws:SourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/pipeline-*"}},
            ),
        ),
        PASSED,
    ),
    Case(topic_policy("snspol_service_any_account", publish(NOTIFICATIONS)), FAILED),
    Case(
        topic_policy(
            "snspol_role_and_deny", publish({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), {**publish("*"), "Effect": "Deny"}
        ),
        PASSED,
    ),
    Case(
        Resource(
            "snspol_topic_inline",
            "aws_sns_topic",
            {"name": "approvals", "kms_master_key_id": KEY_ARN, "policy": policy(publish(NOTIFICATIONS))},
        ),
        FAILED,
    ),
    Case(
        Resource(
            "snspol_unresolved",
            "aws_sns_topic_policy",
            {"arn": TOPIC_ARN, "policy": "${data.aws_iam_policy_document.p.json}"},
            frameworks=(SYNTH,),
        ),
        UNKNOWN,
    ),
]

# A source condition with a wildcard in the account guards nothing (tests/policies/wildcard_forms.py).
CASES += [
    Case(topic_policy(f"snspol_source_{form}", publish(NOTIFICATIONS, condition)), FAILED)
    for form, condition in WILDCARD_SOURCE_CONDITIONS.items()
]
