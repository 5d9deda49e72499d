"""The service stacks' plans: blue/green exactly as configured, controllers, listeners, open ports."""

from __future__ import annotations

import json

import pytest

from envconfig.naming import EnvironmentNames
from release.deployment_config import deployment_config_name

ENVIRONMENTS = ["dev", "staging", "prod"]
BLUE_GREEN = ["staging", "prod"]


def resource(plan, resource_type, name_contains=""):
    found = [r for r in plan.of_type(resource_type) if name_contains in r["address"]]
    assert len(found) == 1, f"{plan.stack}: expected one {resource_type} matching {name_contains!r}: {found}"
    return found[0]


@pytest.mark.parametrize("env", BLUE_GREEN)
def test_deployment_group_is_blue_green_exactly_as_configured(plans, catalog, env):
    service = catalog.by_name[env].services[0]
    names = EnvironmentNames(catalog.by_name[env]).service(service)
    plan = plans[f"{env}-service"]
    group = resource(plan, "aws_codedeploy_deployment_group")
    values = group["values"]
    assert values["deployment_style"] == [{"deployment_option": "WITH_TRAFFIC_CONTROL", "deployment_type": "BLUE_GREEN"}]
    terminate = values["blue_green_deployment_config"][0]["terminate_blue_instances_on_deployment_success"][0]
    assert terminate == {"action": "TERMINATE",
                         "termination_wait_time_in_minutes": service.deployment.termination_wait_minutes}
    assert values["auto_rollback_configuration"] == [
        {"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}]
    alarms = values["alarm_configuration"][0]
    assert alarms["enabled"] is True
    assert sorted(alarms["alarms"]) == sorted(a["values"]["alarm_name"] for a in plan.of_type("aws_cloudwatch_metric_alarm"))
    pair = values["load_balancer_info"][0]["target_group_pair_info"][0]
    assert [g["name"] for g in pair["target_group"]] == [f"{names.base}-blue", f"{names.base}-green"]
    production = resource(plan, "aws_lb_listener", "production")["address"]
    test = resource(plan, "aws_lb_listener", "_test_")["address"]
    assert plan.references(group["address"], "load_balancer_info.target_group_pair_info.prod_traffic_route."
                           "listener_arns") == [f"{production}.arn", production]
    assert plan.references(group["address"], "load_balancer_info.target_group_pair_info.test_traffic_route."
                           "listener_arns") == [f"{test}.arn", test]
    assert values["deployment_config_name"] == deployment_config_name(service.deployment, names.base)
    assert values["ecs_service"] == [{"cluster_name": names.environment.cluster, "service_name": names.ecs_service}]


def test_prod_uses_canary_traffic(plans):
    group = resource(plans["prod-service"], "aws_codedeploy_deployment_group")
    assert group["values"]["deployment_config_name"] == "CodeDeployDefault.ECSCanary10Percent5Minutes"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_controller_matches_the_strategy(plans, catalog, env):
    strategy = catalog.by_name[env].services[0].deployment.strategy
    plan = plans[f"{env}-service"]
    service = resource(plan, "aws_ecs_service")["values"]
    expected = "CODE_DEPLOY" if strategy == "blue_green" else "ECS"
    assert service["deployment_controller"] == [{"type": expected}]
    groups = plan.of_type("aws_codedeploy_deployment_group")
    assert len(groups) == (1 if strategy == "blue_green" else 0)
    if strategy == "rolling":
        assert service["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_codedeploy_owned_attributes_are_ignored_on_blue_green_services(synthesis, catalog, env):
    config = synthesis.config(f"{env}-service")
    service = next(iter(config["resource"]["aws_ecs_service"].values()))
    listeners = config["resource"]["aws_lb_listener"].values()
    if catalog.by_name[env].services[0].deployment.strategy == "blue_green":
        assert service["lifecycle"]["ignore_changes"] == ["task_definition", "load_balancer", "desired_count"]
        assert all(listener["lifecycle"]["ignore_changes"] == ["default_action"] for listener in listeners)
    else:
        assert service["lifecycle"]["ignore_changes"] == ["task_definition"]
        assert all("lifecycle" not in listener for listener in listeners)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_listeners_forward_to_the_blue_target_group(plans, env):
    plan = plans[f"{env}-service"]
    blue = resource(plan, "aws_lb_target_group", "blue")["address"]
    for listener in plan.of_type("aws_lb_listener"):
        assert plan.references(listener["address"], "default_action.target_group_arn") == [f"{blue}.arn", blue]
    ports = sorted(listener["values"]["port"] for listener in plan.of_type("aws_lb_listener"))
    assert ports == [80, 8080]
    for group in plan.of_type("aws_lb_target_group"):
        assert group["values"]["target_type"] == "ip"
        assert group["values"]["health_check"][0]["path"] == "/health"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_security_groups_are_least_open(plans, catalog, env):
    network = catalog.by_name[env].network
    plan = plans[f"{env}-service"]
    public_ingress = [r["values"] for r in plan.of_type("aws_vpc_security_group_ingress_rule")
                      if r["values"].get("cidr_ipv4")]
    listener_ports = {80, catalog.by_name[env].services[0].deployment.test_listener_port}
    for rule in public_ingress:
        assert rule["from_port"] == rule["to_port"] and rule["from_port"] in listener_ports, rule
        assert rule["cidr_ipv4"] in network.allowed_ingress_cidrs, rule
    task_ingress = [r for r in plan.of_type("aws_vpc_security_group_ingress_rule") if "from-alb" in r["address"]]
    assert len(task_ingress) == 1
    assert task_ingress[0]["values"]["from_port"] == task_ingress[0]["values"]["to_port"] == 80
    assert "cidr_ipv4" not in task_ingress[0]["values"] or task_ingress[0]["values"]["cidr_ipv4"] is None
    for rule in plan.of_type("aws_vpc_security_group_egress_rule"):
        assert rule["values"]["ip_protocol"] == "tcp" and rule["values"]["from_port"] == rule["values"]["to_port"], rule
    assert not plan.of_type("aws_security_group_rule"), "use one resource per rule"
    assert [(sg["values"]["ingress"], sg["values"]["egress"]) for sg in plan.of_type("aws_default_security_group")] == [([], [])]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_task_definition_matches_the_environment(plans, catalog, env):
    service = catalog.by_name[env].services[0]
    task = resource(plans[f"{env}-service"], "aws_ecs_task_definition")["values"]
    assert (task["cpu"], task["memory"]) == (str(service.cpu), str(service.memory))
    container = json.loads(task["container_definitions"])[0]
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    cluster = resource(plans[f"{env}-service"], "aws_ecs_cluster")["values"]
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]


def test_hook_functions_may_only_report_to_their_deployment_group(plans, catalog):
    plan = plans["prod-service"]
    names = EnvironmentNames(catalog.by_name["prod"]).service(catalog.by_name["prod"].services[0])
    policy = next(json.loads(r["values"]["policy"]) for r in plan.of_type("aws_iam_role_policy")
                  if r["values"]["name"] == f"{names.base}-hooks-least-privilege")
    report = next(s for s in policy["Statement"] if s["Sid"] == "ReportHookStatus")
    assert report["Action"] == ["codedeploy:PutLifecycleEventHookExecutionStatus"]
    assert report["Resource"] == [names.deployment_group_arn]
    functions = {f["values"]["function_name"] for f in plan.of_type("aws_lambda_function")}
    assert functions == {names.hook_function(h) for h in ("AfterAllowTestTraffic", "AfterAllowTraffic")}
