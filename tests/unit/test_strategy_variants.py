"""Changing an environment's strategy changes the synthesized plan inputs as expected."""

from __future__ import annotations

import dataclasses
import json

import pytest

from envconfig.loader import Catalog
from tooling.harness.synth import synthesize


def variant(catalog, env_name, **deployment):
    env = catalog.by_name[env_name]
    service = env.services[0]
    changed = dataclasses.replace(
        env, services=(dataclasses.replace(service, deployment=dataclasses.replace(service.deployment, **deployment)),)
    )
    return Catalog((changed,), {**catalog.by_name, env_name: changed})


def eks_variant(catalog, env_name):
    """`env_name` deploys to its EKS cluster; synthesized with prod, whose pipeline deploys there first."""
    env = catalog.by_name[env_name]
    changed = dataclasses.replace(env, eks=dataclasses.replace(env.eks, deploy_target="eks"))
    by_name = {**catalog.by_name, env_name: changed}
    return Catalog((changed, by_name["prod"]), by_name)


@pytest.fixture(scope="module")
def variants(catalog, synthesis, tmp_path_factory):
    """Each variant synthesized once (the jsii runtime is already loaded by `synthesis`)."""
    cases = {
        "prod-rolling": variant(catalog, "prod", strategy="rolling", traffic="all_at_once"),
        "prod-linear": variant(catalog, "prod", traffic="linear", percent=10, interval_minutes=3),
        "prod-custom-canary": variant(catalog, "prod", traffic="canary", percent=25, interval_minutes=10),
        "prod-all-at-once": variant(catalog, "prod", traffic="all_at_once"),
        "dev-blue-green": variant(catalog, "dev", strategy="blue_green", traffic="canary"),
        "staging-on-eks": eks_variant(catalog, "staging"),
    }
    configs = {}
    for name, case in cases.items():
        result = synthesize(case, outdir=tmp_path_factory.mktemp(name))
        configs[name] = {stack: result.config(stack) for stack in result.stacks}
    return configs


def resources(config, resource_type):
    return list(config.get("resource", {}).get(resource_type, {}).values())


def test_blue_green_to_rolling_swaps_controller_and_pipeline_action(variants):
    service = variants["prod-rolling"]["prod-service"]
    assert resources(service, "aws_ecs_service")[0]["deployment_controller"] == {"type": "ECS"}
    assert resources(service, "aws_codedeploy_deployment_group") == []
    assert resources(service, "aws_lambda_function") == []
    pipeline = resources(variants["prod-rolling"]["prod-delivery"], "aws_codepipeline")[0]
    assert pipeline["stage"][-1]["action"][0]["provider"] == "ECS"


def test_rolling_to_blue_green_adds_codedeploy(variants):
    service = variants["dev-blue-green"]["dev-service"]
    assert resources(service, "aws_ecs_service")[0]["deployment_controller"] == {"type": "CODE_DEPLOY"}
    group = resources(service, "aws_codedeploy_deployment_group")[0]
    assert group["deployment_config_name"] == "CodeDeployDefault.ECSCanary10Percent5Minutes"
    pipeline = resources(variants["dev-blue-green"]["dev-delivery"], "aws_codepipeline")[0]
    assert pipeline["stage"][-1]["action"][0]["provider"] == "CodeDeployToECS"


def test_linear_matching_a_predefined_config_uses_it(variants):
    service = variants["prod-linear"]["prod-service"]
    group = resources(service, "aws_codedeploy_deployment_group")[0]
    assert group["deployment_config_name"] == "CodeDeployDefault.ECSLinear10PercentEvery3Minutes"
    assert resources(service, "aws_codedeploy_deployment_config") == []


def test_other_percentages_get_a_custom_time_based_config(variants):
    service = variants["prod-custom-canary"]["prod-service"]
    config = resources(service, "aws_codedeploy_deployment_config")[0]
    assert config["compute_platform"] == "ECS"
    assert config["traffic_routing_config"] == {
        "type": "TimeBasedCanary",
        "time_based_canary": {"interval": 10, "percentage": 25},
    }
    group = resources(service, "aws_codedeploy_deployment_group")[0]
    assert group["deployment_config_name"] == config["deployment_config_name"] == "acme-prod-app-canary-25pct-10min"
    delivery = json.dumps(variants["prod-custom-canary"]["prod-delivery"])
    assert "deploymentconfig:acme-prod-app-canary-25pct-10min" in delivery


def test_all_at_once(variants):
    group = resources(variants["prod-all-at-once"]["prod-service"], "aws_codedeploy_deployment_group")[0]
    assert group["deployment_config_name"] == "CodeDeployDefault.ECSAllAtOnce"


def test_eks_target_deploys_with_the_clusters_codebuild_project(variants):
    configs = variants["staging-on-eks"]
    pipeline = resources(configs["prod-delivery"], "aws_codepipeline")[0]
    deploy = next(stage for stage in pipeline["stage"] if stage["name"] == "Deploy-staging")["action"][0]
    assert (deploy["provider"], deploy["configuration"]["ProjectName"]) == ("CodeBuild", "acme-stg-eks-deploy")
    assert json.loads(deploy["configuration"]["EnvironmentVariables"]) == [
        {"name": "DEPLOYMENT", "value": "app", "type": "PLAINTEXT"}
    ]
    prod = next(stage for stage in pipeline["stage"] if stage["name"] == "Deploy-prod")["action"][0]
    assert prod["provider"] == "CodeDeployToECS"
    buildspec = resources(configs["prod-delivery"], "aws_codebuild_project")[0]["source"]["buildspec"]
    assert "taskdef-staging.json" not in buildspec and "taskdef-prod.json" in buildspec


def test_eks_deploy_role_may_use_the_promoting_pipelines_artifacts(variants):
    configs = variants["staging-on-eks"]
    key = json.loads(resources(configs["prod-delivery"], "aws_kms_key")[0]["policy"])
    users = next(s for s in key["Statement"] if s["Sid"] == "NamedRolesUseKey")["Condition"]["ArnEquals"]
    assert "arn:aws:iam::222222222222:role/acme-stg-eks-deploy" in users["aws:PrincipalArn"]
    policy = next(
        json.loads(p["policy"])
        for p in resources(configs["staging-eks"], "aws_iam_role_policy")
        if p["name"] == "acme-stg-eks-deploy-least-privilege"
    )
    read = next(s for s in policy["Statement"] if s["Sid"] == "ReadArtifacts")
    assert sorted(read["Resource"]) == ["arn:aws:s3:::acme-prod-artifacts-222222222222/acme-prod-app-pipeli/*"]
