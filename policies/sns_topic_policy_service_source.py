"""CKV_DLP_24 - SNS topic policies let AWS services publish only on behalf of an account (aws:SourceAccount or
aws:SourceArn).

Why: a topic policy that lets a service principal (codestar-notifications, events, cloudwatch, s3, ...) publish
without a source condition lets that service publish for any account: another account's notification or event
rule could deliver to the topic - on the approval topic, forged approval requests whose links approvers follow
(the confused deputy problem; AWS's SNS access-policy examples guard service publishers with these keys). A
wildcard guards nothing: aws:SourceAccount must be literal, and aws:SourceArn literal in partition, service,
region and account.
"""

from dlp_base import (
    PASSED,
    UNKNOWN,
    IamStatementCheck,
    as_list,
    first,
    is_unresolved,
    parse_policy,
    source_condition_error,
)


class SnsTopicPolicyServiceSource(IamStatementCheck):
    """Allow statements of a topic policy that name a service principal must condition on its source."""

    ID = "CKV_DLP_24"
    NAME = "Ensure SNS topic policies condition service publishers on aws:SourceAccount or aws:SourceArn"
    RESOURCES = ("aws_sns_topic_policy", "aws_sns_topic")

    def statements(self, conf):
        parsed = parse_policy(conf.get("policy"))
        return (parsed, False) if parsed is not None else ([], True)

    def applies(self, statement):
        return statement.allows and "Service" in statement.principals

    def evaluate_statement(self, statement):
        services = [first(s) for s in as_list(statement.principals.get("Service"))]
        if any(is_unresolved(s) for s in services):
            return UNKNOWN
        problem = source_condition_error(statement.condition_values())
        return self.fail(f"{', '.join(map(str, services))} may publish with {problem}") if problem else PASSED


check = SnsTopicPolicyServiceSource()
