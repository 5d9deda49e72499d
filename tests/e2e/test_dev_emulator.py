"""dev on the local emulator, for real: apply every AWS stack in dependency order, re-plan (must be
empty: no drift, no perpetual diff), check the objects through the AWS API, destroy (nothing left)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.deployment import assert_nothing_left, deployed
from tooling.deploy.rollout import environment_stacks

pytestmark = pytest.mark.e2e
ENV = "dev"


@pytest.fixture(scope="module")
def dev(catalog, synthesis, tmp_path_factory):
    env = catalog.by_name[ENV]
    with deployed(
        env, environment_stacks(synthesis, ENV), synthesis.stacks, tmp_path_factory.mktemp("e2e-dev")
    ) as deployment:
        yield deployment


def resources(config: dict, resource_type: str) -> list[dict]:
    return list(config.get("resource", {}).get(resource_type, {}).values())


def test_every_aws_stack_of_dev_is_applied_in_order(dev):
    assert dev.stacks[0] == f"{ENV}-delivery"
    assert {f"{ENV}-delivery", f"{ENV}-service"} <= set(dev.applied)
    outputs = {name: value for applied in dev.applied.values() for name, value in applied.outputs.items()}
    for wanted in ("repository-url", "pipeline-name", "ecs-cluster", "ecs-service", "alb-dns"):
        assert any(wanted in name for name in outputs), wanted
    assert all(value not in (None, "") for value in outputs.values())


def test_second_plan_is_empty(dev):
    for stack in dev.stacks:
        result = dev.replan(stack)
        changes = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("#")]
        assert result.returncode == 0, f"{stack} drifts after apply:\n" + "\n".join(changes)


def test_ecr_repositories_are_immutable_and_scanned(dev):
    wanted = {r["name"] for r in resources(dev.config(f"{ENV}-delivery"), "aws_ecr_repository")}
    found = {r["repositoryName"]: r for r in dev.client("ecr").describe_repositories()["repositories"]}
    assert wanted and wanted <= set(found)
    for name in wanted:
        assert found[name]["imageTagMutability"] == "IMMUTABLE", name
        assert found[name]["imageScanningConfiguration"]["scanOnPush"] is True, name
        assert found[name]["encryptionConfiguration"]["encryptionType"] == "KMS", name


def test_pipeline_stages_are_in_order(dev):
    codepipeline = dev.client("codepipeline")
    for planned in resources(dev.config(f"{ENV}-delivery"), "aws_codepipeline"):
        pipeline = codepipeline.get_pipeline(name=planned["name"])["pipeline"]
        assert [s["name"] for s in pipeline["stages"]] == [s["name"] for s in planned["stage"]]
        assert [s["name"] for s in pipeline["stages"]][:2] == ["Source", "Build"]
        assert pipeline["artifactStore"]["encryptionKey"]["type"] == "KMS"


def test_build_projects_use_the_delivery_key(dev):
    codebuild = dev.client("codebuild")
    state = {
        r["values"]["name"]: r["values"] for r in dev.state(f"{ENV}-delivery") if r["type"] == "aws_codebuild_project"
    }
    key_arns = {r["values"]["arn"] for r in dev.state(f"{ENV}-delivery") if r["type"] == "aws_kms_key"}
    projects = codebuild.batch_get_projects(names=list(state))["projects"]
    assert {p["name"] for p in projects} == set(state)
    for project in projects:
        assert project["encryptionKey"] in key_arns


def test_role_inline_policies_equal_the_planned_ones(dev, plans):
    iam, compared = dev.client("iam"), 0
    for stack in dev.stacks:
        planned = {r["address"]: r["values"] for r in plans[stack].of_type("aws_iam_role_policy")}
        applied = {r["address"]: r["values"] for r in dev.state(stack) if r["type"] == "aws_iam_role_policy"}
        assert set(applied) == set(planned), stack
        for address, values in applied.items():
            document = iam.get_role_policy(RoleName=values["role"], PolicyName=values["name"])["PolicyDocument"]
            # Known at plan time: the exact planned document; else (it names a resource made in the
            # same apply) what Terraform sent, which the plan JSON tests cover by reference.
            expected = planned[address].get("policy") or values["policy"]
            assert document == json.loads(expected), address
            compared += 1
    assert compared


def test_service_runs_on_the_cluster_behind_the_alb(dev):
    config = dev.config(f"{ENV}-service")
    ecs, elbv2 = dev.client("ecs"), dev.client("elbv2")
    for planned in resources(config, "aws_ecs_service"):
        cluster = next(c for c in resources(config, "aws_ecs_cluster"))["name"]
        service = ecs.describe_services(cluster=cluster, services=[planned["name"]])["services"][0]
        assert service["status"] == "ACTIVE"
        assert service["launchType"] == "FARGATE" or service.get("capacityProviderStrategy")
        assert service["loadBalancers"], planned["name"]
        controller = planned.get("deployment_controller", {}).get("type", "ECS")
        assert service.get("deploymentController", {}).get("type", "ECS") == controller
    names = {lb["LoadBalancerName"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]}
    assert {lb["name"] for lb in resources(config, "aws_lb")} <= names


def test_function_serves_version_1_through_its_alias_until_a_release(dev):
    """A function service after the first apply: the bootstrap code as version 1, `live` on it, and a Lambda
    deployment group that rolls back on failure and alarm (what the first release's CodeDeploy deployment needs)."""
    config = dev.config(f"{ENV}-service")
    functions = [f["function_name"] for f in resources(config, "aws_lambda_function") if f.get("publish")]
    assert functions, "dev ships a function service"
    lambda_client, codedeploy = dev.client("lambda"), dev.client("codedeploy")
    for name in functions:
        assert lambda_client.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1", name
    for group in resources(config, "aws_codedeploy_deployment_group"):
        if group.get("ecs_service"):
            continue
        application = group["deployment_group_name"]  # a function's application and group share its name
        assert codedeploy.get_application(applicationName=application)["application"]["computePlatform"] == "Lambda"
        info = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName=application)[
            "deploymentGroupInfo"
        ]
        assert set(info["autoRollbackConfiguration"]["events"]) == {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}


def test_destroy_leaves_nothing_behind(dev):
    dev.destroy_all()
    for stack in dev.stacks:
        assert not dev.state(stack), f"{stack}: state not empty after destroy"
    assert_nothing_left(dev)
