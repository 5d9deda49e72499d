"""Least privilege, asserted on the resolved plan of every AWS stack of every environment."""

from __future__ import annotations

import json

from reference import wildcard_resource_actions
from tests.iam import permission_statements, trust_statements
from tooling.harness.planjson import as_list


def test_every_aws_stack_plans(plans, synthesis):
    assert set(plans) == set(synthesis.plannable_stacks())
    for name, plan in plans.items():
        assert plan.resources, f"{name}: plan has no resources"


def test_no_wildcard_actions(plans):
    for name, plan in plans.items():
        for address, statement in permission_statements(plan):
            assert "NotAction" not in statement, f"{name} {address}: NotAction grants everything else"
            for action in as_list(statement["Action"]):
                assert "*" not in action, f"{name} {address}: wildcard action {action!r}"


def test_star_resource_only_for_allow_listed_actions(plans):
    seen = 0
    for name, plan in plans.items():
        for address, statement in permission_statements(plan):
            if "*" in as_list(statement["Resource"]):
                seen += 1
                broad = set(as_list(statement["Action"])) - set(wildcard_resource_actions())
                assert not broad, f"{name} {address}: {sorted(broad)} on '*'"
    assert seen, "expected the allow-listed ecr:GetAuthorizationToken statement in the plans"


def test_pass_role_names_roles_and_their_service(plans):
    checked = 0
    for name, plan in plans.items():
        for address, statement in permission_statements(plan):
            if "iam:PassRole" in as_list(statement["Action"]):
                checked += 1
                for resource in as_list(statement["Resource"]):
                    assert resource.startswith("arn:aws:iam::") and ":role/" in resource and "*" not in resource, (
                        f"{name} {address}: PassRole on {resource!r}")
                assert "iam:PassedToService" in json.dumps(statement.get("Condition", {})), (
                    f"{name} {address}: PassRole without iam:PassedToService")
    assert checked, "the pipelines pass the task roles to ECS: expected PassRole statements"


# As policies/iam_service_trust_source_condition.py: these services do not send the source keys.
SOURCE_CONDITION_EXEMPT_SERVICES = {"ec2.amazonaws.com", "eks.amazonaws.com"}


def test_service_trust_policies_carry_source_conditions(plans):
    for name, plan in plans.items():
        for address, statement in trust_statements(plan):
            services = set(as_list(statement.get("Principal", {}).get("Service")))
            if services and services <= SOURCE_CONDITION_EXEMPT_SERVICES:
                continue
            condition = json.dumps(statement.get("Condition", {}))
            assert "aws:SourceAccount" in condition or "aws:SourceArn" in condition, (
                f"{name} {address}: trust policy without aws:SourceAccount/aws:SourceArn")
