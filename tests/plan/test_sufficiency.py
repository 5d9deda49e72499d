"""Sufficient, proven offline: every API call each role's service makes on the role's behalf
(reference/service_calls.json, with the AWS page or managed policy each comes from) is a call AWS's
service authorization reference knows, and the role's planned policies allow it.

And no broader than the calls: every statement of these roles is needed by some call, `"Resource": "*"`
only for allow-listed actions that AWS authorizes on nothing narrower, each allow-list entry in use.
"""

from __future__ import annotations

import json

import pytest

from reference import service_calls, wildcard_resource_actions
from tests.iam import permission_statements
from tooling.harness.planjson import as_list
from tooling.iam.service_reference import call_problem, resource_types
from tooling.iam.sufficiency import (
    RoleInstance,
    calls_of,
    check_plans,
    check_role,
    role_instances,
    role_policies,
    table,
)

KINDS = set(service_calls()["roles"])


@pytest.fixture(scope="module")
def results(catalog, plans):
    return check_plans(catalog, plans)


def test_every_call_of_every_role_is_allowed(results):
    print("\n" + table(results))  # the table: role -> calls checked -> all allowed (shown with -s, or on failure)
    findings = [str(finding) for result in results for finding in result.findings]
    assert not findings, "calls the planned policies do not allow:\n" + "\n".join(findings) + "\n" + table(results)


def test_every_role_kind_is_checked_in_every_environment(results, plans, catalog):
    checked = {(r.role.stack, r.role.kind) for r in results}
    # a deploy role exists where another account's pipeline deploys: tests/plan/test_multi_account_plan.py
    assert {kind for _, kind in checked} == KINDS - {"pipeline_deploy"}
    for env in catalog.selected:
        pipelines = {"pipeline", "build"} if env.promotion else set()  # promotion = []: no pipeline runs here
        assert {kind for stack, kind in checked if stack.startswith(f"{env.name}-")} >= {
            "task_execution",
            "flow_logs",
            *pipelines,
        }
    assert all(r.checked for r in results), "a role with no call checked"


def test_calls_are_calls_aws_knows(catalog):
    """Independent of any plan: each rendered call exists in the reference, on a resource of its type."""
    problems = {
        f"{role.kind}: {call_problem(call.action, call.resource)}"
        for role in role_instances(catalog)
        for call in calls_of(role)
        if call_problem(call.action, call.resource)
    }
    assert not problems, sorted(problems)


def _managed_actions(name: str) -> set[str]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    document = json.loads(aws_managed_policies_data)[name]["Document"]
    return {action.lower() for statement in as_list(document["Statement"]) for action in as_list(statement["Action"])}


def test_calls_citing_a_managed_policy_are_in_it():
    for kind, role in service_calls()["roles"].items():
        not_called = role.get("not_called") if isinstance(role.get("not_called"), list) else []
        cited = [entry for entry in role["calls"] + not_called if entry["source"].startswith("managed-policy:")]
        for entry in cited:
            name = entry["source"].removeprefix("managed-policy:")
            assert entry["action"].lower() in _managed_actions(name), f"{kind}: {entry['action']} is not in {name}"


def test_every_call_cites_its_source():
    for kind, role in service_calls()["roles"].items():
        for entry in role["calls"]:
            assert entry["source"].startswith(("https://docs.aws.amazon.com/", "managed-policy:")), (kind, entry)


def test_every_statement_of_every_role_is_needed_by_some_call(catalog, plans):
    """Removing any one statement from a copy of a role's policy must leave a call denied: a statement no
    call needs grants more than the role's service uses (and the test names the role, action, resource)."""
    for role in role_instances(catalog):
        if role.stack not in plans:
            continue
        policies = role_policies(plans[role.stack], role.name)
        for index, statement in enumerate(policies[0]["Statement"]):
            copy = json.loads(json.dumps(policies))
            del copy[0]["Statement"][index]
            _, findings = check_role(role, copy)
            assert findings, f"{role.stack} {role.name}: statement {statement.get('Sid')} is needed by no call"
            assert all(f.role.name == role.name and f.call.action and f.call.resource for f in findings)


def test_a_removed_statement_is_reported_with_role_action_and_resource(plans, catalog):
    role = next(r for r in role_instances(catalog) if r.kind == "pipeline" and r.stack == "prod-delivery")
    policies = role_policies(plans[role.stack], role.name)
    without = [
        {
            **policies[0],
            "Statement": [s for s in policies[0]["Statement"] if not s["Sid"].startswith("TagTaskDefinitions")],
        }
    ]
    _, findings = check_role(role, without)
    assert findings and {f.call.action for f in findings} == {"ecs:TagResource"}
    message = str(findings[0])
    assert role.name in message and "ecs:TagResource" in message and ":task-definition/acme-" in message


def test_an_unknown_call_is_reported_even_when_allowed():
    role = RoleInstance(
        "flow_logs",
        "x-service",
        "x-flow-logs",
        {"partition": "aws", "region": "eu-west-1", "account": "111111111111", "flow_log_group": "/x"},
    )
    data = {
        **service_calls(),
        "roles": {
            "flow_logs": {
                "calls": [
                    {
                        "action": "logs:PutLogEvent",
                        "resource": "arn:aws:logs:eu-west-1:1:log-group:/x:log-stream:s",
                        "source": "-",
                    }
                ]
            }
        },
    }
    everything = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
    _, findings = check_role(role, everything, data)
    assert findings and "no such action" in findings[0].problem


# ------------------------------------------------------------------------------ "*" and its allow-list
def test_allow_listed_actions_have_no_resource_type():
    """An action AWS authorizes on a resource type (e.g. ec2:CreateNetworkInterface) can be scoped, so it
    has no place on the "*" allow-list."""
    scoped = {
        action: sorted(t for t in resource_types(action) if t)
        for action in wildcard_resource_actions()
        if set(resource_types(action)) != {""}
    }
    assert not scoped, f"allow-listed actions AWS authorizes on resources: {scoped}"


def test_every_allow_list_entry_is_used_by_a_planned_statement_on_star(plans):
    used = {
        action
        for plan in plans.values()
        for _, statement in permission_statements(plan)
        if "*" in as_list(statement.get("Resource"))
        for action in as_list(statement["Action"])
    }
    unused = sorted(set(wildcard_resource_actions()) - used)
    assert not unused, f"reference/wildcard_resource_actions.json entries no planned statement uses: {unused}"


# ------------------------------------------------------------------------------ artifacts and caches
def _object_resources(policies) -> set[str]:
    return {
        resource
        for policy in policies
        for statement in policy["Statement"]
        if statement["Effect"] == "Allow"
        and any(a.startswith("s3:") and "Bucket" not in a for a in as_list(statement["Action"]))
        for resource in as_list(statement["Resource"])
    }


def test_artifact_rights_stop_at_the_roles_own_pipeline_prefix(catalog, plans):
    """A pipeline and its build project reach only that pipeline's artifacts (and the project's own cache);
    the EKS deploy project only the artifacts of the pipelines that deploy into its cluster."""
    checked = 0
    for role in role_instances(catalog):
        if role.stack not in plans or role.kind not in ("pipeline", "build", "eks_deploy"):
            continue
        b = role.bindings
        sources = b["artifact_sources"] if role.kind == "eks_deploy" else [b]
        allowed = {f"arn:{b['partition']}:s3:::{s['artifact_bucket']}/{s['artifact_prefix']}/*" for s in sources}
        if role.kind == "build":
            allowed.add(f"arn:{b['partition']}:s3:::{b['artifact_bucket']}/cache/{b['build_project']}/*")
        objects = _object_resources(role_policies(plans[role.stack], role.name))
        assert objects and objects <= allowed, f"{role.stack} {role.name}: {sorted(objects - allowed)}"
        checked += 1
    assert checked >= 2 * len(catalog.selected)


def test_pipelines_sharing_a_prefix_are_refused(catalog):
    """CodePipeline truncates the pipeline name to 20 characters for its artifact prefix: two pipelines
    of one bucket with the same first 20 characters could read each other's artifacts."""
    import dataclasses

    from envconfig.naming import EnvironmentNames

    prod = catalog.by_name["prod"]
    app = prod.services[0]
    twins = dataclasses.replace(
        prod,
        services=(dataclasses.replace(app, name="orders-service-a"), dataclasses.replace(app, name="orders-service-b")),
    )
    with pytest.raises(ValueError, match="share an artifact prefix"):
        EnvironmentNames(twins).artifact_prefixes()
