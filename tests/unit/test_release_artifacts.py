"""taskdef.json and appspec.yaml: valid for the APIs that read them, and equal to what is planned."""

from __future__ import annotations

import dataclasses
import json

import botocore.session
import pytest
import yaml
from jsonschema import Draft202012Validator

from envconfig.naming import EnvironmentNames
from release.model import IMAGE_PLACEHOLDER, TASK_DEFINITION_PLACEHOLDER, release_spec

ECS_INPUT = botocore.session.get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition").input_shape

# The documented ECS AppSpec (CodeDeploy user guide, "AppSpec 'resources' section for Amazon ECS").
APPSPEC_SCHEMA = {
    "type": "object",
    "required": ["version", "Resources"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 0.0},
        "Resources": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
            "type": "object", "required": ["TargetService"], "additionalProperties": False,
            "properties": {"TargetService": {
                "type": "object", "required": ["Type", "Properties"], "additionalProperties": False,
                "properties": {
                    "Type": {"const": "AWS::ECS::Service"},
                    "Properties": {
                        "type": "object", "required": ["TaskDefinition", "LoadBalancerInfo"],
                        "additionalProperties": False,
                        "properties": {
                            "TaskDefinition": {"type": "string"},
                            "LoadBalancerInfo": {
                                "type": "object", "required": ["ContainerName", "ContainerPort"],
                                "additionalProperties": False,
                                "properties": {"ContainerName": {"type": "string"},
                                               "ContainerPort": {"type": "integer", "minimum": 1, "maximum": 65535}}},
                            "PlatformVersion": {"type": "string"},
                            "NetworkConfiguration": {"type": "object"},
                            "CapacityProviderStrategy": {"type": "array"},
                        }}}}}}},
        "Hooks": {"type": "array", "items": {
            "type": "object", "minProperties": 1, "maxProperties": 1,
            "propertyNames": {"enum": ["BeforeInstall", "AfterInstall", "AfterAllowTestTraffic",
                                       "BeforeAllowTraffic", "AfterAllowTraffic"]},
            "additionalProperties": {"type": "string", "minLength": 1}}},
    },
}


def shape_errors(shape, value, path="") -> list[str]:
    """Check a value against a botocore input shape: required members, unknown keys, types."""
    errors = []
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        errors += [f"{path}.{name}: required" for name in shape.required_members if name not in value]
        for key, item in value.items():
            if key not in shape.members:
                errors.append(f"{path}.{key}: not in {shape.name}")
            else:
                errors += shape_errors(shape.members[key], item, f"{path}.{key}")
    elif shape.type_name == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        for index, item in enumerate(value):
            errors += shape_errors(shape.member, item, f"{path}[{index}]")
    elif shape.type_name == "map":
        errors += [] if isinstance(value, dict) else [f"{path}: expected a map"]
    elif shape.type_name == "string":
        if not isinstance(value, str):
            errors.append(f"{path}: expected a string")
        elif shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} not in {shape.enum}")
    elif shape.type_name in ("integer", "long"):
        errors += [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: expected an integer"]
    elif shape.type_name == "boolean":
        errors += [] if isinstance(value, bool) else [f"{path}: expected a boolean"]
    return errors


def releases(catalog):
    return [(env, service, release_spec(env, service))
            for env in catalog.by_name.values() for service in env.services]


def test_release_is_computed_once_per_environment_and_service(catalog):
    env = catalog.by_name["prod"]
    service = env.services[0]
    assert release_spec(env, service) is release_spec(env, service)
    rolling = dataclasses.replace(service, deployment=dataclasses.replace(service.deployment, strategy="rolling"))
    assert release_spec(env, service).hook_functions and not release_spec(env, rolling).hook_functions


def test_shape_checker_catches_mistakes():
    assert shape_errors(ECS_INPUT, {"containerDefinitions": [{"name": 1, "bogus": True}], "networkMode": "x"}) == [
        ".family: required", ".containerDefinitions[0].name: expected a string",
        ".containerDefinitions[0].bogus: not in ContainerDefinition",
        ".networkMode: 'x' not in ['bridge', 'host', 'awsvpc', 'none']"]


def test_task_definitions_are_valid_register_task_definition_input(catalog):
    for env, service, release in releases(catalog):
        document = release.task_definition()
        assert shape_errors(ECS_INPUT, document) == [], f"{env.name}/{service.name}"
        assert document["containerDefinitions"][0]["image"] == IMAGE_PLACEHOLDER


def test_appspecs_follow_the_documented_structure(catalog):
    validator = Draft202012Validator(APPSPEC_SCHEMA)
    for env, service, release in releases(catalog):
        spec = yaml.safe_load(yaml.safe_dump(release.appspec()))
        errors = [error.message for error in validator.iter_errors(spec)]
        assert errors == [], f"{env.name}/{service.name}: {errors}"
        assert spec["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"] == TASK_DEFINITION_PLACEHOLDER


def test_appspec_schema_rejects_a_wrong_hook():
    spec = {"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
        "TaskDefinition": "x", "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 80}}}}],
            "Hooks": [{"AfterBlockTraffic": "fn"}]}
    assert list(Draft202012Validator(APPSPEC_SCHEMA).iter_errors(spec))


@pytest.mark.parametrize("env_name", ["dev", "staging", "prod"])
def test_artifacts_match_the_planned_service(plans, catalog, env_name):
    env = catalog.by_name[env_name]
    service = env.services[0]
    release = release_spec(env, service)
    names = EnvironmentNames(env).service(service)
    plan = plans[f"{env_name}-service"]
    task = next(r["values"] for r in plan.of_type("aws_ecs_task_definition"))
    planned = json.loads(task["container_definitions"])
    generated = release.task_definition()
    assert task["family"] == generated["family"] == names.task_family
    assert (task["cpu"], task["memory"]) == (generated["cpu"], generated["memory"])
    planned_container, generated_container = planned[0], generated["containerDefinitions"][0]
    assert {k: v for k, v in planned_container.items() if k != "image"} == {
        k: v for k, v in generated_container.items() if k != "image"}
    roles = {r["values"]["name"] for r in plan.of_type("aws_iam_role")}
    assert {generated["executionRoleArn"].split("/")[-1], generated["taskRoleArn"].split("/")[-1]} <= roles
    log_groups = {r["values"]["name"] for r in plan.of_type("aws_cloudwatch_log_group")}
    assert generated_container["logConfiguration"]["options"]["awslogs-group"] in log_groups
    service_values = next(r["values"] for r in plan.of_type("aws_ecs_service"))
    assert service_values["load_balancer"][0]["container_name"] == generated_container["name"]
    assert service_values["load_balancer"][0]["container_port"] == generated_container["portMappings"][0]["containerPort"]
    if service.deployment.strategy == "blue_green":
        info = release.appspec()["Resources"][0]["TargetService"]["Properties"]["LoadBalancerInfo"]
        assert info == {"ContainerName": generated_container["name"],
                        "ContainerPort": generated_container["portMappings"][0]["containerPort"]}
        functions = {r["values"]["function_name"] for r in plan.of_type("aws_lambda_function")}
        assert {function for _, function in release.hook_functions} == functions


def test_buildspec_publishes_the_same_files_the_pipeline_reads(plans, catalog):
    plan = plans["prod-delivery"]
    project = next(r["values"] for r in plan.of_type("aws_codebuild_project"))
    buildspec = yaml.safe_load(project["source"][0]["buildspec"].replace("$${", "${"))
    pipeline = next(r["values"] for r in plan.of_type("aws_codepipeline"))
    read = {action["configuration"][key] for stage in pipeline["stage"] for action in stage["action"]
            for key in ("TaskDefinitionTemplatePath", "AppSpecTemplatePath", "FileName")
            if key in action["configuration"]}
    # staging deploys with kubectl (eks.deploy_target = "eks"): no task definition or appspec of its own
    assert read == {"taskdef-prod.json", "appspec-prod.yaml"}
    assert read <= set(buildspec["artifacts"]["files"])
    written = " ".join(buildspec["phases"]["post_build"]["commands"])
    prod = release_spec(catalog.by_name["prod"], catalog.by_name["prod"].services[0])
    assert json.dumps(prod.task_definition(), sort_keys=True) in written
    assert "taskdef-staging.json" not in written
