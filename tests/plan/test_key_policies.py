"""KMS key policies as planned: administration only for the environment's named administrators (never
the account root), grants only for AWS resources, the lockout safety check never bypassed — and every
administrator can still change the policy (KMS refuses a policy that would lock its author out)."""

from __future__ import annotations

import json

import pytest

from envconfig.naming import EnvironmentNames
from tooling.harness.planjson import as_list
from tooling.iam.evaluator import Request, action_matches, evaluate

# Every KMS action that manages a key rather than using it (Service Authorization Reference, access
# levels "Permissions management" and "Write" on the key itself).
KEY_ADMINISTRATION = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:DeleteAlias",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:PutKeyPolicy",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
    "kms:ImportKeyMaterial",
    "kms:DeleteImportedKeyMaterial",
)


def keys(plans):
    found = [(name, key) for name, plan in plans.items() for key in plan.of_type("aws_kms_key")]
    assert found, "expected KMS keys in the plans"
    return found


def env_of(catalog, stack: str):
    return catalog.by_name[stack.rsplit("-", 1)[0]]


def principals(statement) -> list[str]:
    return as_list(statement.get("Principal", {}).get("AWS"))


def decision_for(policy: dict, principal: str, action: str, context: dict | None = None):
    """A key policy's decision for `principal`: the statements naming it, and those naming its account's
    root (they delegate to IAM, their conditions still apply)."""
    root = f"arn:aws:iam::{principal.split(':')[4]}:root"
    statements = [s for s in policy["Statement"] if principal in principals(s) or root in principals(s)]
    context = {"aws:PrincipalArn": principal, **(context or {})}
    return evaluate([{"Statement": statements}], Request(action, "*", context))


def test_the_lockout_safety_check_is_never_bypassed(plans):
    for stack, key in keys(plans):
        assert key["values"].get("bypass_policy_lockout_safety_check") is False, f"{stack} {key['address']}"


def test_only_named_administrators_administer_keys(plans, catalog):
    for stack, key in keys(plans):
        admins = set(env_of(catalog, stack).key_admin_principal_arns)
        account = EnvironmentNames(env_of(catalog, stack)).account
        policy = json.loads(key["values"]["policy"])
        for statement in policy["Statement"]:
            actions = as_list(statement["Action"])
            if statement["Effect"] != "Allow" or not any(action_matches(actions, a) for a in KEY_ADMINISTRATION):
                continue
            assert account.root_arn not in principals(statement), f"{stack}: the account root administers the key"
            assert set(principals(statement)) == admins, f"{stack} {statement.get('Sid')}: {principals(statement)}"
        stranger = account.role_arn("some-other-role")
        for action in KEY_ADMINISTRATION:
            assert not decision_for(policy, stranger, action, {"kms:GrantIsForAWSResource": "true"}).allowed, (
                f"{stack}: {action} allowed to a principal that is no administrator"
            )


def test_every_administrator_can_still_change_the_policy(plans, catalog):
    for stack, key in keys(plans):
        policy = json.loads(key["values"]["policy"])
        admins = env_of(catalog, stack).key_admin_principal_arns
        assert admins
        for admin in admins:
            for action in ("kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey", "kms:ScheduleKeyDeletion"):
                assert decision_for(policy, admin, action).allowed, f"{stack}: {admin} may not {action}"


def test_grants_only_for_aws_resources(plans, catalog):
    for stack, key in keys(plans):
        policy = json.loads(key["values"]["policy"])
        for statement in policy["Statement"]:
            if statement["Effect"] == "Allow" and action_matches(as_list(statement["Action"]), "kms:CreateGrant"):
                assert statement.get("Condition") == {"Bool": {"kms:GrantIsForAWSResource": "true"}}, (
                    f"{stack} {statement.get('Sid')}: kms:CreateGrant without kms:GrantIsForAWSResource"
                )
        for admin in env_of(catalog, stack).key_admin_principal_arns:
            assert decision_for(policy, admin, "kms:CreateGrant", {"kms:GrantIsForAWSResource": "true"}).allowed
            assert not decision_for(policy, admin, "kms:CreateGrant", {"kms:GrantIsForAWSResource": "false"}).allowed


def test_a_key_without_administrators_is_refused():
    from envconfig.account import Account
    from modules.shared.encryption import EncryptionKey, EncryptionKeyProps
    from modules.shared.statements import PolicyError

    with pytest.raises(PolicyError, match="no key administrators"):
        EncryptionKey.key_policy(
            EncryptionKeyProps(
                alias="alias/x", description="x", account=Account("111111111111", "eu-west-1"), admin_principal_arns=()
            )
        )


def test_lambda_settings_use_no_customer_key_without_a_matching_key_policy(plans):
    """A function whose environment a customer key encrypts needs that key's policy and its role's policy to
    allow kms:Decrypt; the project's functions keep their one, non-secret setting under Lambda's own key."""
    functions = [(stack, f) for stack, plan in plans.items() for f in plan.of_type("aws_lambda_function")]
    assert functions, "expected the deploy hook functions"
    for stack, function in functions:
        assert not plans[stack].references(function["address"], "kms_key_arn"), (
            f"{stack} {function['address']}: environment encrypted with a customer key"
        )
        assert not function["values"].get("kms_key_arn")
