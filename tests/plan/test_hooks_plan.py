"""prod with all five appspec hooks (tests/plan/conftest.py ALL_HOOKS): the user's functions at BeforeInstall,
AfterInstall and AfterAllowTraffic, the built-in checks on the test listener between. The appspec runs them in
AWS's order, the plan creates functions for the built-in checks only, and the CodeDeploy role may invoke exactly
the five functions."""

from __future__ import annotations

import json

from envconfig.naming import EnvironmentNames
from reference import ecs_lifecycle_hooks
from release.model import release_spec
from tests.plan.documented import documented_arn
from tooling.harness.planjson import as_list


def _service(hooks_variant):
    catalog, _ = hooks_variant
    env = catalog.by_name["prod"]
    return env, env.services[0]


def test_the_appspec_runs_all_five_hooks_in_aws_order(hooks_variant):
    env, service = _service(hooks_variant)
    rendered = release_spec(env, service).appspec()["Hooks"]
    names = EnvironmentNames(env).service(service)
    assert rendered == [
        {"BeforeInstall": "acme-prod-app-preflight"},
        {"AfterInstall": "acme-prod-app-migrate"},
        {"AfterAllowTestTraffic": names.hook_function("AfterAllowTestTraffic")},
        {"BeforeAllowTraffic": names.hook_function("BeforeAllowTraffic")},
        {"AfterAllowTraffic": "acme-prod-app-smoke"},
    ]
    assert [next(iter(hook)) for hook in rendered] == list(ecs_lifecycle_hooks())


def test_functions_are_created_for_the_built_in_checks_only(hooks_variant, hooks_plan):
    env, service = _service(hooks_variant)
    names = EnvironmentNames(env).service(service)
    functions = {f["values"]["function_name"]: f["values"] for f in hooks_plan.of_type("aws_lambda_function")}
    assert set(functions) == {names.hook_function("AfterAllowTestTraffic"), names.hook_function("BeforeAllowTraffic")}
    _, synthesis = hooks_variant  # the URLs name the ALB, unknown until apply: read them as synthesized
    urls = {
        f["function_name"]: f["environment"]["variables"]["CHECK_URL"]
        for f in synthesis.config("prod-service")["resource"]["aws_lambda_function"].values()
    }
    port = service.deployment.test_listener_port
    assert all(f":{port}/" in url for url in urls.values()), f"both check the test listener: {urls}"
    logs = {g["values"]["name"] for g in hooks_plan.of_type("aws_cloudwatch_log_group")}
    assert {f"/aws/lambda/{name}" for name in functions} <= logs
    assert not any(name.endswith(("preflight", "migrate", "smoke")) for name in logs), "the user's functions log alone"


def test_the_codedeploy_role_invokes_exactly_the_five_hook_functions(hooks_variant, hooks_plan):
    env, service = _service(hooks_variant)
    account = EnvironmentNames(env).account
    group = hooks_plan.of_type("aws_codedeploy_deployment_group")[0]
    [role] = [r for r in hooks_plan.references(group["address"], "service_role_arn") if not r.endswith(".arn")]
    invoked = [
        (statement.get("Sid"), set(as_list(statement["Resource"])))
        for document in hooks_plan.policies("identity")
        if role in hooks_plan.references(document.address, "role")
        for statement in document.statements or []
        if "lambda:InvokeFunction" in as_list(statement.get("Action"))
    ]
    expected = {
        documented_arn("lambda", "function", account, FunctionName=hook.function)
        for hook in release_spec(env, service).hooks
    }
    assert len(expected) == 5
    assert invoked == [("RunHooks", expected)]


def test_the_hooks_role_reports_and_logs_for_its_own_functions_only(hooks_variant, hooks_plan):
    env, service = _service(hooks_variant)
    names = EnvironmentNames(env).service(service)
    [policy] = [
        json.loads(r["values"]["policy"])
        for r in hooks_plan.of_type("aws_iam_role_policy")
        if r["values"]["name"] == f"{names.role('hooks')}-least-privilege"
    ]
    [logs] = [s for s in policy["Statement"] if s["Sid"] == "WriteLogs"]
    assert sorted(logs["Resource"]) == sorted(
        f"{EnvironmentNames(env).account.log_group_arn(names.hook_log_group(hook))}:log-stream:*"
        for hook in ("AfterAllowTestTraffic", "BeforeAllowTraffic")
    )
