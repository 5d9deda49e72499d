"""staging on the local emulator: its AWS stacks except delivery (dev covers that) — the blue/green
service (dev deploys with rolling updates) and, when the environment has one, the EKS cluster — applied in
order, re-planned (empty), checked through the API (deployment group, hooks, cluster), and destroyed."""

from __future__ import annotations

import pytest

from tests.e2e.deployment import assert_nothing_left, deployed
from tooling.deploy.rollout import environment_stacks

pytestmark = pytest.mark.e2e
ENV = "staging"


@pytest.fixture(scope="module")
def staging(catalog, synthesis, tmp_path_factory):
    env = catalog.by_name[ENV]
    stacks = [s for s in environment_stacks(synthesis, ENV) if not s.endswith("-delivery")]
    with deployed(env, stacks, synthesis.stacks, tmp_path_factory.mktemp("e2e-staging")) as deployment:
        yield deployment


def resources(config: dict, resource_type: str) -> list[dict]:
    return list(config.get("resource", {}).get(resource_type, {}).values())


def test_second_plan_is_empty(staging):
    for stack in staging.stacks:
        result = staging.replan(stack)
        changes = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("#")]
        assert result.returncode == 0, f"{stack} drifts after apply:\n" + "\n".join(changes)


def test_deployment_group_is_blue_green_with_both_target_groups(staging):
    stack = f"{ENV}-service"
    state = {r["address"]: r["values"] for r in staging.state(stack)}
    groups = [v for a, v in state.items() if a.startswith("aws_codedeploy_deployment_group.")]
    target_groups = {v["name"] for a, v in state.items() if a.startswith("aws_lb_target_group.")}
    listeners = {v["arn"] for a, v in state.items() if a.startswith("aws_lb_listener.")}
    assert groups, "staging deploys blue/green: a deployment group is expected"
    codedeploy = staging.client("codedeploy")
    for planned in groups:
        info = codedeploy.get_deployment_group(
            applicationName=planned["app_name"], deploymentGroupName=planned["deployment_group_name"]
        )
        info = info["deploymentGroupInfo"]
        assert info["computePlatform"] == "ECS"
        assert info["deploymentStyle"] == {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
        pair = info["loadBalancerInfo"]["targetGroupPairInfoList"][0]
        assert {tg["name"] for tg in pair["targetGroups"]} == target_groups and len(target_groups) == 2
        routes = set(pair["prodTrafficRoute"]["listenerArns"]) | set(pair["testTrafficRoute"]["listenerArns"])
        assert routes == listeners and len(listeners) == 2
        assert info["autoRollbackConfiguration"]["enabled"] is True
        assert info["ecsServices"] == [
            {
                "serviceName": planned["ecs_service"][0]["service_name"],
                "clusterName": planned["ecs_service"][0]["cluster_name"],
            }
        ]


def test_service_is_controlled_by_codedeploy(staging):
    config = staging.config(f"{ENV}-service")
    ecs = staging.client("ecs")
    cluster = resources(config, "aws_ecs_cluster")[0]["name"]
    for planned in resources(config, "aws_ecs_service"):
        service = ecs.describe_services(cluster=cluster, services=[planned["name"]])["services"][0]
        assert service["deploymentController"]["type"] == "CODE_DEPLOY"


def test_validation_hooks_are_deployed(staging):
    config = staging.config(f"{ENV}-service")
    wanted = {f["function_name"] for f in resources(config, "aws_lambda_function")}
    found = {f["FunctionName"] for f in staging.client("lambda").list_functions()["Functions"]}
    assert wanted <= found
    alarms = {a["AlarmName"] for a in staging.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert {a["alarm_name"] for a in resources(config, "aws_cloudwatch_metric_alarm")} <= alarms


def test_eks_cluster_and_nodes_are_active(staging):
    if f"{ENV}-eks" not in staging.stacks:
        pytest.skip(f"{ENV} has no EKS cluster")
    config, eks = staging.config(f"{ENV}-eks"), staging.client("eks")
    for planned in resources(config, "aws_eks_cluster"):
        cluster = eks.describe_cluster(name=planned["name"])["cluster"]
        assert cluster["status"] == "ACTIVE" and cluster["version"] == planned.get("version", cluster["version"])
        groups = eks.list_nodegroups(clusterName=planned["name"])["nodegroups"]
        assert {g["node_group_name"] for g in resources(config, "aws_eks_node_group")} <= set(groups)
    providers = staging.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert len(providers) == len(resources(config, "aws_iam_openid_connect_provider"))


def test_destroy_leaves_nothing_behind(staging):
    staging.destroy_all()
    for stack in staging.stacks:
        assert not staging.state(stack), f"{stack}: state not empty after destroy"
    assert_nothing_left(staging)
