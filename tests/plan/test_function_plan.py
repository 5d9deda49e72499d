"""Function services in the plans (dev's `api`): the function and its alias, CodeDeploy for Lambda with alarms and
automatic rollback, the pipeline's deploy action and project, the buildspecs and AppSpec rendered from the model,
and the function roles' policies, statement by statement."""

from __future__ import annotations

import json

import pytest
import yaml

from envconfig.naming import EnvironmentNames
from release.buildspec import function_package_buildspec
from release.function import function_deploy_buildspec, function_release

ACCOUNT, REGION = "111111111111", "eu-west-1"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:acme-dev-api"
GROUP = f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:deploymentgroup:acme-dev-api/acme-dev-api"


@pytest.fixture(scope="module")
def api(catalog):
    dev = catalog.by_name["dev"]
    service = next(s for s in dev.services if s.name == "api")
    return dev, service, EnvironmentNames(dev).service(service)


def named(plan, resource_type: str, key: str, value: str) -> dict:
    found = [r["values"] for r in plan.of_type(resource_type) if r["values"].get(key) == value]
    assert len(found) == 1, f"{plan.stack}: expected one {resource_type} with {key} = {value!r}, found {len(found)}"
    return found[0]


def policy_of(plan, role: str) -> dict[str, tuple[list[str], list[str], dict]]:
    """{Sid: (actions, resources, condition)} of the role's one inline policy."""
    (policy,) = [r["values"]["policy"] for r in plan.of_type("aws_iam_role_policy") if r["values"]["role"] == role]
    return {
        s["Sid"]: (sorted(_list(s["Action"])), sorted(_list(s["Resource"])), s.get("Condition", {}))
        for s in json.loads(policy)["Statement"]
    }


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_function_and_alias(plans, api):
    _, service, names = api
    plan = plans["dev-service"]
    function = named(plan, "aws_lambda_function", "function_name", "acme-dev-api")
    settings = service.function
    assert (function["runtime"], function["handler"], function["memory_size"], function["timeout"]) == (
        settings.runtime,
        settings.handler,
        settings.memory,
        settings.timeout_seconds,
    )
    assert function["architectures"] == [settings.architecture] and function["publish"] is True
    address = next(r["address"] for r in plan.of_type("aws_lambda_function") if r["values"] is function)
    alias = named(plan, "aws_lambda_alias", "name", "live")
    alias_address = next(r["address"] for r in plan.of_type("aws_lambda_alias") if r["values"] is alias)
    # version 1 (the bootstrap code) is the alias' first target; CodeDeploy owns it from then on
    assert f"{address}.version" in plan.references(alias_address, "function_version")
    logs = named(plan, "aws_cloudwatch_log_group", "name", names.function_log_group)
    assert logs["retention_in_days"] == 14


def test_lambda_deployment_group_rolls_back_on_failure_and_alarm(plans, api):
    plan = plans["dev-service"]
    assert named(plan, "aws_codedeploy_app", "name", "acme-dev-api")["compute_platform"] == "Lambda"
    group = named(plan, "aws_codedeploy_deployment_group", "deployment_group_name", "acme-dev-api")
    assert group["deployment_config_name"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert group["deployment_style"] == [{"deployment_option": "WITH_TRAFFIC_CONTROL", "deployment_type": "BLUE_GREEN"}]
    assert group["auto_rollback_configuration"] == [
        {"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
    ]
    assert group["alarm_configuration"][0]["enabled"] is True
    assert sorted(group["alarm_configuration"][0]["alarms"]) == ["acme-dev-api-errors", "acme-dev-api-throttles"]
    assert not group["ecs_service"] and not group["load_balancer_info"]
    for name, metric in (("acme-dev-api-errors", "Errors"), ("acme-dev-api-throttles", "Throttles")):
        alarm = named(plan, "aws_cloudwatch_metric_alarm", "alarm_name", name)
        assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Lambda", metric)
        assert alarm["dimensions"] == {"FunctionName": "acme-dev-api", "Resource": "acme-dev-api:live"}


def test_builtin_hooks_exist_and_check_the_function(plans, api):
    plan = plans["dev-service"]
    for hook in ("BeforeAllowTraffic", "AfterAllowTraffic"):
        hook_function = named(plan, "aws_lambda_function", "function_name", f"acme-dev-api-{hook}")
        assert hook_function["environment"][0]["variables"] == {
            "HOOK": hook,
            "FUNCTION_NAME": "acme-dev-api",
            "FUNCTION_ALIAS": "live",
            "CHECK_PAYLOAD": "{}",
        }
        assert not hook_function["vpc_config"]


def test_no_container_resources_for_a_function_service(plans):
    assert not [r for r in plans["dev-delivery"].of_type("aws_ecr_repository") if "api" in r["values"]["name"]]
    assert not [r for r in plans["dev-service"].of_type("aws_ecs_service") if "api" in r["values"]["name"]]
    assert not [r for r in plans["dev-service"].of_type("aws_lb") if "api" in r["values"]["name"]]


def test_pipeline_deploys_through_the_deploy_project(plans, api):
    plan = plans["dev-delivery"]
    pipeline = named(plan, "aws_codepipeline", "name", "acme-dev-api-pipeline")
    stages = {stage["name"]: stage["action"] for stage in pipeline["stage"]}
    assert list(stages) == ["Source", "Build", "Deploy-dev"]
    (action,) = stages["Deploy-dev"]
    assert (action["provider"], action["category"], action["input_artifacts"]) == (
        "CodeBuild",
        "Build",
        ["BuildOutput"],
    )
    assert action["configuration"] == {"ProjectName": "acme-dev-api-deploy-dev"}


def test_buildspecs_and_appspec_come_from_the_model(plans, api):
    dev, service, _ = api
    plan = plans["dev-delivery"]
    build = named(plan, "aws_codebuild_project", "name", "acme-dev-api-build")
    package = yaml.safe_load(build["source"][0]["buildspec"])
    assert package["artifacts"] == {"files": [service.function.package]}
    assert package["phases"]["build"]["commands"][-1] == service.function.package_commands[-1]
    assert build["environment"][0]["privileged_mode"] is False
    expected = function_package_buildspec(service.build, service.function, coverage_report_group="coverage").to_dict()
    assert package["phases"]["build"] == expected["phases"]["build"]
    deploy = named(plan, "aws_codebuild_project", "name", "acme-dev-api-deploy-dev")
    release = function_release(dev, service)
    assert deploy["source"][0]["buildspec"] == function_deploy_buildspec(release).render()
    assert json.dumps(release.appspec(), sort_keys=True) in deploy["source"][0]["buildspec"]
    assert deploy["build_timeout"] == 65  # the 5-minute canary and an hour


def test_function_roles_are_exactly_what_they_need(plans, api):
    service_plan, delivery_plan = plans["dev-service"], plans["dev-delivery"]
    logs = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
    assert policy_of(service_plan, "acme-dev-api-function") == {
        "WriteLogs": (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"{logs}/aws/lambda/acme-dev-api:log-stream:*"],
            {},
        )
    }
    assert policy_of(service_plan, "acme-dev-api-codedeploy") == {
        "ShiftAlias": (["lambda:GetAlias", "lambda:UpdateAlias"], [FUNCTION, f"{FUNCTION}:live"], {}),
        "ReadAliasConcurrency": (["lambda:GetProvisionedConcurrencyConfig"], [f"{FUNCTION}:live"], {}),
        "WatchAlarms": (
            ["cloudwatch:DescribeAlarms"],
            [f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:acme-dev-api-{m}" for m in ("errors", "throttles")],
            {},
        ),
        "RunHooks": (
            ["lambda:InvokeFunction"],
            [f"{FUNCTION}-AfterAllowTraffic", f"{FUNCTION}-BeforeAllowTraffic"],
            {},
        ),
    }
    assert policy_of(service_plan, "acme-dev-api-hooks") == {
        "ReadAndReportDeployment": (
            ["codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"],
            [GROUP],
            {},
        ),
        "InvokeFunction": (["lambda:InvokeFunction"], [FUNCTION, f"{FUNCTION}:*"], {}),
        "WriteLogs": (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"{logs}/aws/lambda/acme-dev-api-{h}:log-stream:*" for h in ("AfterAllowTraffic", "BeforeAllowTraffic")],
            {},
        ),
    }
    deploy = policy_of(delivery_plan, "acme-dev-api-deploy-dev")
    assert {sid: statement[:2] for sid, statement in deploy.items() if sid != "UseKey"} == {
        "WriteLogs": (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"{logs}/aws/codebuild/acme-dev-api-deploy-dev:log-stream:*"],
        ),
        "ReadArtifacts": (
            ["s3:GetObject", "s3:GetObjectVersion"],
            [f"arn:aws:s3:::acme-dev-artifacts-{ACCOUNT}/acme-dev-api-pipelin/*"],
        ),
        "LocateArtifactBucket": (
            ["s3:GetBucketAcl", "s3:GetBucketLocation"],
            [f"arn:aws:s3:::acme-dev-artifacts-{ACCOUNT}"],
        ),
        "ReadFunction": (["lambda:GetAlias", "lambda:GetFunctionConfiguration"], [FUNCTION, f"{FUNCTION}:*"]),
        "PublishVersion": (["lambda:UpdateFunctionCode"], [FUNCTION]),
        "Deploy": (["codedeploy:CreateDeployment", "codedeploy:GetDeployment"], [GROUP]),
        "RegisterRevision": (
            ["codedeploy:GetApplicationRevision", "codedeploy:RegisterApplicationRevision"],
            [f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:application:acme-dev-api"],
        ),
        "ReadDeploymentConfig": (
            ["codedeploy:GetDeploymentConfig"],
            [f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:deploymentconfig:CodeDeployDefault.LambdaCanary10Percent5Minutes"],
        ),
    }
    assert deploy["UseKey"][0] == ["kms:Decrypt", "kms:DescribeKey"]  # reads the artifact, writes none
    assert "lambda:UpdateAlias" not in json.dumps(deploy)  # only CodeDeploy moves the alias
