"""Least privilege, asserted on the resolved plan of every AWS stack of every environment.

Every wildcard counts (`*`, `?`, `s3:Put*`, `arn:aws:s3:::*`): the judgement is the app's own rule
(modules.shared.statements), applied to what Terraform will create."""

from __future__ import annotations

from modules.shared.statements import condition_values, has_wildcard, resource_scope_error, source_arn_error
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
                assert not has_wildcard(action), f"{name} {address}: wildcard action {action!r}"


def test_broad_resources_only_for_allow_listed_actions(plans):
    """`*` and every pattern as broad as it (resource_scope_error) only for allow-listed actions."""
    seen = 0
    for name, plan in plans.items():
        for address, statement in permission_statements(plan):
            assert "NotResource" not in statement, f"{name} {address}: NotResource grants everything else"
            conditions = statement.get("Condition", {})
            broad = [
                r
                for r in as_list(statement["Resource"])
                if resource_scope_error(r, conditions, tuple(as_list(statement["Action"])))
            ]
            if broad:
                seen += 1
                not_allowed = set(as_list(statement["Action"])) - set(wildcard_resource_actions())
                assert not not_allowed, f"{name} {address}: {sorted(not_allowed)} on {broad}"
    assert seen, "expected the allow-listed ecr:GetAuthorizationToken statement in the plans"


def test_pass_role_names_roles_and_their_service(plans):
    checked = 0
    for name, plan in plans.items():
        for address, statement in permission_statements(plan):
            if "iam:PassRole" in as_list(statement["Action"]):
                checked += 1
                for resource in as_list(statement["Resource"]):
                    assert (
                        resource.startswith("arn:aws:iam::") and ":role/" in resource and not has_wildcard(resource)
                    ), f"{name} {address}: PassRole on {resource!r}"
                services = condition_values(statement.get("Condition", {})).get("iam:PassedToService")
                assert services and not any(has_wildcard(s) for s in services), (
                    f"{name} {address}: PassRole to {services or 'any service'}"
                )
    assert checked, "the pipelines pass the task roles to ECS: expected PassRole statements"


# As policies/iam_service_trust_source_condition.py: these services do not send the source keys.
SOURCE_CONDITION_EXEMPT_SERVICES = {"ec2.amazonaws.com", "eks.amazonaws.com"}


def test_service_trust_policies_carry_source_conditions(plans):
    for name, plan in plans.items():
        for address, statement in trust_statements(plan):
            services = set(as_list(statement.get("Principal", {}).get("Service")))
            if services and services <= SOURCE_CONDITION_EXEMPT_SERVICES:
                continue
            values = condition_values(statement.get("Condition", {}))
            accounts, arns = values.get("aws:SourceAccount", []), values.get("aws:SourceArn", [])
            assert accounts or arns, f"{name} {address}: trust policy without aws:SourceAccount/aws:SourceArn"
            assert not any(has_wildcard(account) for account in accounts), f"{name} {address}: {accounts}"
            assert not any(source_arn_error(arn) for arn in arns), f"{name} {address}: {arns}"
