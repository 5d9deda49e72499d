"""The CodeDeploy role against AWS's own AWSCodeDeployRoleForECS (the managed document moto ships):
every action of the managed policy is granted (scoped) or reviewed as not needed, and the role grants
nothing the managed policy does not have. A new action in AWS's policy fails here until reviewed."""

from __future__ import annotations

import json

from reference import codedeploy_ecs_managed_policy_review
from tooling.harness.planjson import as_list
from tooling.iam.sufficiency import role_instances, role_policies


def managed_actions() -> set[str]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    review = codedeploy_ecs_managed_policy_review()
    document = json.loads(aws_managed_policies_data)[review["managed_policy"]]["Document"]
    return {action for statement in as_list(document["Statement"]) for action in as_list(statement["Action"])}


def test_review_covers_exactly_the_managed_policy():
    review = codedeploy_ecs_managed_policy_review()
    granted, not_needed = set(review["granted"]), set(review["not_needed"])
    assert not granted & not_needed, f"both granted and not needed: {sorted(granted & not_needed)}"
    assert granted | not_needed == managed_actions(), (
        f"review out of date: missing {sorted(managed_actions() - granted - not_needed)}, "
        f"not in the managed policy {sorted((granted | not_needed) - managed_actions())}"
    )
    assert all(reason.strip() for reason in review["not_needed"].values())


def test_codedeploy_roles_grant_the_reviewed_actions_and_nothing_else(catalog, plans):
    review = codedeploy_ecs_managed_policy_review()
    roles = [role for role in role_instances(catalog) if role.kind == "codedeploy" and role.stack in plans]
    assert roles, "expected blue/green services with a CodeDeploy role"
    for role in roles:
        actions = {
            action
            for policy in role_policies(plans[role.stack], role.name)
            for statement in policy["Statement"]
            for action in as_list(statement["Action"])
        }
        unused = set() if role.bindings["hook_functions"] else {"lambda:InvokeFunction"}
        expected = set(review["granted"]) - unused
        assert actions == expected, (
            f"{role.stack} {role.name}: not reviewed {sorted(actions - expected)}, missing {sorted(expected - actions)}"
        )
