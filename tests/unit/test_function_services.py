"""Function services (kind = "function"): their settings, the AppSpec and buildspecs rendered from the model, and
the built-in traffic hook's code."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import json
import subprocess

import pytest
import yaml

from envconfig.loader import ConfigError, load_environment
from envconfig.model import Deployment, Function, Service
from envconfig.rules import promotion_target_runs_the_same_kind, traffic_shift_minutes
from modules.function.hooks import HOOK_CODE
from release.buildspec import function_package_buildspec
from release.deployment_config import deployment_config_name
from release.function import function_deploy_buildspec, function_release
from tests.environment_edits import edit

API_KIND = 'kind = "function"'
API_FUNCTION = "timeout_seconds = 10"
API_TRAFFIC = 'traffic          = "canary"'

BAD_FUNCTION_SETTINGS = [
    # (old text in dev.hcl's api service, new text, expected setting, expected message fragment)
    (API_KIND, 'kind = "lambda"', "service.api.kind", "'lambda' is not one of 'container', 'function'"),
    (API_KIND, f"{API_KIND}\n  container_port = 8080", "service.api.container_port", "a container setting"),
    (API_KIND, f"{API_KIND}\n  desired_count = 3", "service.api.desired_count", "kind = 'function' does not use it"),
    (API_KIND, f'{API_KIND}\n  bootstrap_image = "nginx"', "service.api.bootstrap_image", "a container setting"),
    (
        API_TRAFFIC,
        f"{API_TRAFFIC}\n    test_listener_port = 9000",
        "service.api.deployment.test_listener_port",
        "a container setting",
    ),
    (
        API_TRAFFIC,
        f'{API_TRAFFIC}\n    hook "AfterAllowTestTraffic" {{}}',
        "service.api.deployment.hook",
        "a container setting",
    ),
    (
        API_TRAFFIC,
        f'{API_TRAFFIC}\n    strategy = "rolling"',
        "service.api.deployment.strategy",
        "'rolling' is an ECS update",
    ),
    (API_FUNCTION, "timeout_seconds = 901", "service.api.function.timeout_seconds", "901 is not between 1 and 900"),
    (API_FUNCTION, f"{API_FUNCTION}\n    memory = 64", "service.api.function.memory", "64 is not between 128"),
    (API_FUNCTION, f'{API_FUNCTION}\n    runtime = "python2.7"', "service.api.function.runtime", "is not one of"),
    (
        API_FUNCTION,
        f'{API_FUNCTION}\n    architecture = "riscv"',
        "service.api.function.architecture",
        "is not one of",
    ),
    (API_FUNCTION, f'{API_FUNCTION}\n    package = "../x.zip"', "service.api.function.package", "leaves the build"),
    (API_FUNCTION, f'{API_FUNCTION}\n    check_payload = "{{"', "service.api.function.check_payload", "is not JSON"),
    (
        API_FUNCTION,
        f'{API_FUNCTION}\n    before_allow_traffic = "my-check"',
        "service.api.function.before_allow_traffic",
        "is not 'builtin', 'none' or a Lambda function ARN",
    ),
    (
        API_FUNCTION,
        f'{API_FUNCTION}\n    after_allow_traffic = "arn:aws:lambda:us-east-1:111111111111:function:check"',
        "service.api.function.after_allow_traffic",
        "the function is in 111111111111/us-east-1, not this environment's 111111111111/eu-west-1",
    ),
    (
        f"{API_TRAFFIC}\n    percent          = 10\n    interval_minutes = 5",
        'traffic = "linear"\n    percent = 10\n    interval_minutes = 60',
        "service.api.deployment.interval_minutes",
        "the traffic shift takes 540 minutes",
    ),
]


@pytest.mark.parametrize(
    "old,new,setting,message",
    BAD_FUNCTION_SETTINGS,
    ids=[f"{case[2]}:{case[3][:24]}" for case in BAD_FUNCTION_SETTINGS],
)
def test_bad_function_setting_is_named_with_its_file(env_dir, old, new, setting, message):
    path = edit(env_dir, "dev", old, new)
    with pytest.raises(ConfigError) as caught:
        load_environment("dev", env_dir)
    assert caught.value.setting == setting
    assert str(caught.value).startswith(f"{path}: {setting}: ")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_function_block_on_a_container_service_is_refused(env_dir):
    edit(env_dir, "dev", API_KIND, "")
    with pytest.raises(ConfigError, match=r"service\.api\.function: only for kind = 'function'"):
        load_environment("dev", env_dir)


def test_a_function_service_needs_its_function_block(env_dir):
    text = (env_dir / "dev.hcl").read_text()
    start = text.index("  function {")
    edit(env_dir, "dev", text[start : text.index("  }\n", start) + 4], "")
    with pytest.raises(ConfigError, match=r"service\.api\.function: missing required setting for kind = 'function'"):
        load_environment("dev", env_dir)


def test_a_pipeline_deploys_one_kind_of_a_service_everywhere(catalog):
    """prod's pipeline deploys `app` into staging: a function there and a container here is refused."""
    prod, staging = catalog.by_name["prod"], catalog.by_name["staging"]
    as_function = dataclasses.replace(staging.services[0], kind="function", function=Function())
    other = {"staging": dataclasses.replace(staging, services=(as_function,))}
    assert list(promotion_target_runs_the_same_kind(prod, "staging", other)) == [
        ("service.app.kind", "'container' here but 'function' in 'staging', which this pipeline deploys to")
    ]
    assert not list(promotion_target_runs_the_same_kind(prod, "staging", {"staging": staging}))


def test_shipped_function_service_defaults_are_documented_values():
    dev = load_environment("dev")
    api = next(s for s in dev.services if s.name == "api")
    assert api.kind == "function" and api.function.handler == "app.handler"
    assert api.function.before_allow_traffic == api.function.after_allow_traffic == "builtin"
    assert all(s.kind == "container" for s in dev.services if s.name != "api")
    for field in dataclasses.fields(Service):
        assert field.metadata.get("doc") or field.name not in ("kind", "function"), field.name


# ------------------------------------------------------------------------------------------ release model
@pytest.fixture(scope="module")
def dev_api():
    dev = load_environment("dev")
    return dev, next(s for s in dev.services if s.name == "api")


def test_appspec_is_the_documented_lambda_shape(dev_api):
    """https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html#appspec-file-example-lambda"""
    release = function_release(*dev_api)
    spec = release.appspec("3", "4")
    assert spec["version"] == 0.0
    (resource,) = spec["Resources"]
    target = resource["TargetService"]
    assert target["Type"] == "AWS::Lambda::Function"
    assert target["Properties"] == {
        "Name": "acme-dev-api",
        "Alias": "live",
        "CurrentVersion": "3",
        "TargetVersion": "4",
    }
    assert spec["Hooks"] == [
        {"BeforeAllowTraffic": "acme-dev-api-BeforeAllowTraffic"},
        {"AfterAllowTraffic": "acme-dev-api-AfterAllowTraffic"},
    ]


def test_hooks_follow_the_settings(dev_api):
    env, api = dev_api
    user = "arn:aws:lambda:eu-west-1:111111111111:function:smoke-test"
    custom = dataclasses.replace(
        api, function=dataclasses.replace(api.function, before_allow_traffic="none", after_allow_traffic=user)
    )
    release = function_release(env, custom)
    assert release.hooks == (("AfterAllowTraffic", "smoke-test"),) and release.builtin_hooks == ()
    assert "Hooks" not in function_release(
        env,
        dataclasses.replace(
            api, function=dataclasses.replace(api.function, before_allow_traffic="none", after_allow_traffic="none")
        ),
    ).appspec("1", "2")


@pytest.mark.parametrize(
    "traffic,percent,interval,expected",
    [
        ("all_at_once", 10, 5, "CodeDeployDefault.LambdaAllAtOnce"),
        ("canary", 10, 5, "CodeDeployDefault.LambdaCanary10Percent5Minutes"),
        ("canary", 10, 30, "CodeDeployDefault.LambdaCanary10Percent30Minutes"),
        ("linear", 10, 1, "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"),
        ("linear", 10, 2, "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes"),
        ("canary", 25, 7, "acme-dev-api-canary-25pct-7min"),
    ],
)
def test_lambda_deployment_configs(traffic, percent, interval, expected):
    shape = Deployment(traffic=traffic, percent=percent, interval_minutes=interval)
    assert deployment_config_name(shape, "acme-dev-api", "Lambda") == expected


def test_traffic_shift_minutes():
    assert traffic_shift_minutes(Deployment(traffic="canary", percent=10, interval_minutes=5)) == 5
    assert traffic_shift_minutes(Deployment(traffic="linear", percent=10, interval_minutes=3)) == 27
    assert traffic_shift_minutes(Deployment(traffic="linear", percent=30, interval_minutes=2)) == 6
    assert traffic_shift_minutes(Deployment()) == 0


def test_package_buildspec_tests_then_packages_the_one_artifact(dev_api):
    _, api = dev_api
    spec = yaml.safe_load(function_package_buildspec(api.build, api.function, coverage_report_group="c").render())
    commands = spec["phases"]["build"]["commands"]
    assert commands.index("python -m pytest -q") < commands.index(api.function.package_commands[0])
    assert spec["artifacts"] == {"files": ["function.zip"]}
    assert "docker" not in json.dumps(spec) and "ecr" not in json.dumps(spec)
    assert spec["phases"]["post_build"]["commands"][0].startswith("test -f function.zip")


def test_deploy_buildspec_publishes_then_deploys_the_rendered_appspec(dev_api, tmp_path):
    release = function_release(*dev_api)
    spec = yaml.safe_load(function_deploy_buildspec(release).render())
    assert spec["env"]["variables"] == {
        "FUNCTION_NAME": "acme-dev-api",
        "FUNCTION_ALIAS": "live",
        "APPLICATION": "acme-dev-api",
        "DEPLOYMENT_GROUP": "acme-dev-api",
        "PACKAGE": "function.zip",
    }
    build = spec["phases"]["build"]["commands"]
    assert "--publish" in build[0] and "update-function-code" in build[0]
    assert "create-deployment" in build[5] and "AppSpecContent" in build[5]
    assert "until" in build[6] and 'test "$STATUS" = Succeeded' in build[6]
    # the printf and sed commands, run by a shell, write the model's AppSpec with the two versions
    script = f"CURRENT_VERSION=7\nTARGET_VERSION=8\n{build[3]}\n{build[4]}\n"
    subprocess.run(["bash", "-ec", script], cwd=tmp_path, check=True)
    assert json.loads((tmp_path / "appspec.json").read_text()) == release.appspec("7", "8")


# ------------------------------------------------------------------------------------- built-in hook code
def _hook_module():
    spec = importlib.util.spec_from_file_location("function_hook_check", HOOK_CODE / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeCodeDeploy:
    def __init__(self, appspec: dict, fail_reports: int = 0):
        self.appspec, self.reports, self.fail_reports = appspec, [], fail_reports

    def get_deployment(self, deploymentId):
        return {"deploymentInfo": {"revision": {"appSpecContent": {"content": json.dumps(self.appspec)}}}}

    def put_lifecycle_event_hook_execution_status(self, **request):
        if self.fail_reports:
            self.fail_reports -= 1
            raise RuntimeError("throttled")
        self.reports.append(request)


class FakeLambda:
    def __init__(self, error: str = ""):
        self.error, self.calls = error, []

    def invoke(self, FunctionName, Qualifier, Payload):
        self.calls.append((FunctionName, Qualifier, Payload))
        answer = {"StatusCode": 200, "Payload": io.BytesIO(b'{"ok": true}')}
        if self.error:
            answer["FunctionError"] = self.error
        return answer


EVENT = {"DeploymentId": "d-1", "LifecycleEventHookExecutionId": "h-1"}
ENV = {"FUNCTION_NAME": "acme-dev-api", "FUNCTION_ALIAS": "live", "CHECK_PAYLOAD": '{"ping": 1}'}


@pytest.mark.parametrize("hook,qualifier", [("BeforeAllowTraffic", "8"), ("AfterAllowTraffic", "live")])
def test_builtin_hook_invokes_the_new_version_or_the_alias_and_reports(dev_api, hook, qualifier):
    module, release = _hook_module(), function_release(*dev_api)
    codedeploy, lambda_client = FakeCodeDeploy(release.appspec("7", "8")), FakeLambda()
    result = module.handler(EVENT, None, codedeploy, lambda_client, {**ENV, "HOOK": hook})
    assert lambda_client.calls == [("acme-dev-api", qualifier, b'{"ping": 1}')]
    assert result["status"] == "Succeeded"
    assert codedeploy.reports == [
        {"deploymentId": "d-1", "lifecycleEventHookExecutionId": "h-1", "status": "Succeeded"}
    ]


def test_builtin_hook_reports_a_function_error_as_failed(dev_api, monkeypatch):
    module, release = _hook_module(), function_release(*dev_api)
    monkeypatch.setattr(module, "REPORT_RETRY_DELAY_SECONDS", 0)
    codedeploy = FakeCodeDeploy(release.appspec("7", "8"), fail_reports=1)
    result = module.handler(EVENT, None, codedeploy, FakeLambda("Unhandled"), {**ENV, "HOOK": "BeforeAllowTraffic"})
    assert result["status"] == "Failed" and "Unhandled" in result["problem"]
    assert [r["status"] for r in codedeploy.reports] == ["Failed"]  # reported on the retry


def test_builtin_hook_reports_a_bad_setting_as_failed(dev_api):
    module, release = _hook_module(), function_release(*dev_api)
    codedeploy = FakeCodeDeploy(release.appspec("7", "8"))
    result = module.handler(EVENT, None, codedeploy, FakeLambda(), {"HOOK": "BeforeAllowTraffic"})
    assert result["status"] == "Failed" and "FUNCTION_NAME" in result["problem"]
