"""The service stacks' plans: blue/green exactly as configured, controllers, listeners, open ports."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest

from envconfig.naming import EnvironmentNames
from reference import ecs_lifecycle_hooks
from release.model import release_spec
from tests.plan.conftest import CERTIFICATE_ARN
from tests.plan.documented import documented_arn
from tests.plan.rule_sources import Source, nat_eips, referenced_resource, source
from tooling.gate.replacements import unsafe_replacements

ENVIRONMENTS = ["dev", "staging", "prod"]
BLUE_GREEN = ["staging", "prod"]

# CodeDeploy's predefined ECS deployment configurations and the traffic shift each makes, from
# https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-ecs
PREDEFINED_ECS_CONFIGS = {
    "CodeDeployDefault.ECSAllAtOnce": ("all_at_once", None, None),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": ("canary", 10, 5),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": ("canary", 10, 15),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": ("linear", 10, 1),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": ("linear", 10, 3),
}
ROUTING_TYPES = {"AllAtOnce": "all_at_once", "TimeBasedCanary": "canary", "TimeBasedLinear": "linear"}


def traffic_shape(plan, config_name: str) -> tuple:
    """(traffic, percent, minutes) a deployment group's config shifts: a predefined config as documented, a
    custom one as this plan creates it."""
    if config_name in PREDEFINED_ECS_CONFIGS:
        return PREDEFINED_ECS_CONFIGS[config_name]
    [config] = [
        r["values"]
        for r in plan.of_type("aws_codedeploy_deployment_config")
        if r["values"]["deployment_config_name"] == config_name
    ]
    assert config["compute_platform"] == "ECS"
    [routing] = config["traffic_routing_config"]
    traffic = ROUTING_TYPES[routing["type"]]
    if traffic == "all_at_once":
        return traffic, None, None
    [step] = routing[f"time_based_{traffic}"]
    return traffic, step["percentage"], step["interval"]


def resource(plan, resource_type, name_contains=""):
    found = [r for r in plan.of_type(resource_type) if name_contains in r["address"]]
    assert len(found) == 1, f"{plan.stack}: expected one {resource_type} matching {name_contains!r}: {found}"
    return found[0]


@pytest.mark.parametrize("env", BLUE_GREEN)
def test_deployment_group_is_blue_green_exactly_as_configured(plans, catalog, env):
    service = catalog.by_name[env].services[0]
    plan = plans[f"{env}-service"]
    group = resource(plan, "aws_codedeploy_deployment_group")
    values = group["values"]
    assert values["deployment_style"] == [
        {"deployment_option": "WITH_TRAFFIC_CONTROL", "deployment_type": "BLUE_GREEN"}
    ]
    terminate = values["blue_green_deployment_config"][0]["terminate_blue_instances_on_deployment_success"][0]
    assert terminate == {
        "action": "TERMINATE",
        "termination_wait_time_in_minutes": service.deployment.termination_wait_minutes,
    }
    assert values["auto_rollback_configuration"] == [
        {"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
    ]
    alarms = values["alarm_configuration"][0]
    assert alarms["enabled"] is True
    assert sorted(alarms["alarms"]) == sorted(
        a["values"]["alarm_name"] for a in plan.of_type("aws_cloudwatch_metric_alarm")
    )
    pair = values["load_balancer_info"][0]["target_group_pair_info"][0]
    # the pair is the two planned target groups, blue (where the listeners send traffic now) first
    blue = resource(plan, "aws_lb_target_group", "blue")["values"]["name"]
    planned_groups = {g["values"]["name"] for g in plan.of_type("aws_lb_target_group")}
    assert [g["name"] for g in pair["target_group"]][0] == blue
    assert {g["name"] for g in pair["target_group"]} == planned_groups and len(planned_groups) == 2
    production = resource(plan, "aws_lb_listener", "production")["address"]
    test = resource(plan, "aws_lb_listener", "_test_")["address"]
    assert plan.references(
        group["address"], "load_balancer_info.target_group_pair_info.prod_traffic_route.listener_arns"
    ) == [f"{production}.arn", production]
    assert plan.references(
        group["address"], "load_balancer_info.target_group_pair_info.test_traffic_route.listener_arns"
    ) == [f"{test}.arn", test]
    deployment = service.deployment
    configured = (
        ("all_at_once", None, None)
        if deployment.traffic == "all_at_once"
        else (deployment.traffic, deployment.percent, deployment.interval_minutes)
    )
    assert traffic_shape(plan, values["deployment_config_name"]) == configured
    assert values["ecs_service"] == [
        {
            "cluster_name": resource(plan, "aws_ecs_cluster")["values"]["name"],
            "service_name": resource(plan, "aws_ecs_service")["values"]["name"],
        }
    ]


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
    groups = [g for g in plan.of_type("aws_codedeploy_deployment_group") if g["values"]["ecs_service"]]
    assert len(groups) == (1 if strategy == "blue_green" else 0)
    if strategy == "rolling":
        assert service["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]


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


def listener_ports(plan) -> set[int]:
    return {listener["values"]["port"] for listener in plan.of_type("aws_lb_listener")}


def alb_security_group(plan) -> str:
    [alb] = plan.of_type("aws_lb")
    [group] = {
        referenced_resource([ref]) for ref in plan.references(alb["address"], "security_groups") if ref.count(".") == 1
    }
    return group


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_security_groups_are_least_open(plans, catalog, env):
    network, service = catalog.by_name[env].network, catalog.by_name[env].services[0]
    plan = plans[f"{env}-service"]
    ingress = [(r, source(plan, r)) for r in plan.of_type("aws_vpc_security_group_ingress_rule")]
    assert all(found.kind in ("cidr", "security_group", "nat_eip") for _, found in ingress), ingress
    for rule, found in ingress:
        values = rule["values"]
        if found.kind == "cidr":  # from outside: only the listeners; the test port only from the testers
            assert values["from_port"] == values["to_port"] and values["from_port"] in listener_ports(plan), values
            allowed = (
                service.deployment.test_listener_cidrs
                if values["from_port"] == service.deployment.test_listener_port
                else network.allowed_ingress_cidrs
            )
            assert found.value in allowed, values
    task_ingress = [r for r in plan.of_type("aws_vpc_security_group_ingress_rule") if "from-alb" in r["address"]]
    assert len(task_ingress) == 1
    assert task_ingress[0]["values"]["from_port"] == task_ingress[0]["values"]["to_port"] == 80
    assert source(plan, task_ingress[0]) == Source("security_group", alb_security_group(plan))
    for rule in plan.of_type("aws_vpc_security_group_egress_rule"):
        assert rule["values"]["ip_protocol"] == "tcp" and rule["values"]["from_port"] == rule["values"]["to_port"], rule
    assert not plan.of_type("aws_security_group_rule"), "use one resource per rule"
    assert [(sg["values"]["ingress"], sg["values"]["egress"]) for sg in plan.of_type("aws_default_security_group")] == [
        ([], [])
    ]


def test_test_listeners_admit_only_the_hooks_and_testers(service_plans):
    """The test listener serves a release before it is validated: whatever the production listener admits,
    its port admits the deploy hooks (their security group, or the NAT addresses they leave through) and the
    service's test_listener_cidrs, nothing else. For every listener a deployment group tests through. The
    testers' rules say "test listener", which is how CKV_DLP_36 knows them in synthesized JSON."""
    checked, testers_seen = 0, 0
    for plan, env in service_plans:
        testers = {cidr for service in env.services for cidr in service.deployment.test_listener_cidrs}
        for port in _test_listener_ports(plan):
            for rule in plan.of_type("aws_vpc_security_group_ingress_rule"):
                values = rule["values"]
                if not values["from_port"] <= port <= values["to_port"]:
                    continue
                sources = plan.references(rule["address"], "referenced_security_group_id") + plan.references(
                    rule["address"], "cidr_ipv4"
                )
                hooks = [
                    source
                    for source in sources
                    if source.startswith("aws_eip.") or source.startswith("aws_security_group.") and "_hooks_" in source
                ]
                assert values.get("cidr_ipv4") in testers or hooks, (
                    f"{plan.stack}: {rule['address']} opens test port {port}: {values}"
                )
                if values.get("cidr_ipv4") in testers:
                    assert values["description"].startswith("test listener"), values
                    testers_seen += 1
                checked += 1
    assert checked and testers_seen


def _test_listener_ports(plan) -> set[int]:
    listeners = {listener["address"]: listener["values"]["port"] for listener in plan.of_type("aws_lb_listener")}
    return {
        listeners[reference]
        for group in plan.of_type("aws_codedeploy_deployment_group")
        for reference in plan.references(
            group["address"], "load_balancer_info.target_group_pair_info.test_traffic_route.listener_arns"
        )
        if reference in listeners
    }


def test_rollback_alarms_watch_both_target_groups_of_every_pair(service_plans):
    """CodeDeploy registers each release with whichever group of the pair is idle, so blue and green swap
    roles every release: the alarms that stop a release must watch both (by their TargetGroup dimension)."""
    checked = 0
    for plan, _ in service_plans:
        alarms = {a["values"]["alarm_name"]: a["address"] for a in plan.of_type("aws_cloudwatch_metric_alarm")}
        target_groups = {g["values"]["name"]: g["address"] for g in plan.of_type("aws_lb_target_group")}
        for group in plan.of_type("aws_codedeploy_deployment_group"):
            values = group["values"]
            if values["deployment_style"][0]["deployment_type"] != "BLUE_GREEN" or not values["ecs_service"]:
                continue  # ECS blue/green only (a function's group: tests/plan/test_function_plan.py)
            pair = {
                target_groups[g["name"]]
                for g in values["load_balancer_info"][0]["target_group_pair_info"][0]["target_group"]
            }
            watched = {
                reference.removesuffix(".arn_suffix")
                for name in values["alarm_configuration"][0]["alarms"]
                for reference in plan.references(alarms[name], "dimensions")
                if reference.startswith("aws_lb_target_group.") and reference.endswith(".arn_suffix")
            }
            assert len(pair) == 2 and pair <= watched, f"{plan.stack}: alarms watch {watched}, the pair is {pair}"
            checked += 1
    assert checked


def test_no_plan_replaces_what_codedeploy_rewired(plans):
    """The gate's check on every plan: with a prior state (`make gate --plans` of a real plan), a listener or
    target group a deployment group uses may change in place, never be replaced."""
    for name, plan in plans.items():
        assert not unsafe_replacements(plan.document), name


def test_https_listeners_of_the_certificate_variant(certificate_plan):
    """With a certificate both listeners are HTTPS on the certificate, and port 80 only redirects."""
    listeners = {
        listener["values"]["port"]: listener["values"] for listener in certificate_plan.of_type("aws_lb_listener")
    }
    assert sorted(listeners) == [80, 443, 8080]
    for port in (443, 8080):
        assert (listeners[port]["protocol"], listeners[port]["certificate_arn"]) == ("HTTPS", CERTIFICATE_ARN)
    assert listeners[80]["default_action"][0]["type"] == "redirect"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_hook_checks_reach_an_internet_facing_alb_through_every_nat_address(plans, catalog, env):
    """An internet-facing ALB sees the hook functions' checks from the NAT gateways' Elastic IPs, known only
    after apply: each listener must admit each NAT address of this stack (a hook runs in any zone), on its own
    port, over TCP, and nothing else may come from those addresses. An internal ALB needs none of it."""
    plan = plans[f"{env}-service"]
    from_nat = [
        (r, source(plan, r))
        for r in plan.of_type("aws_vpc_security_group_ingress_rule")
        if source(plan, r).kind == "nat_eip"
    ]
    if catalog.by_name[env].network.alb_internal:
        assert from_nat == []
        return
    addresses = nat_eips(plan)
    assert addresses and len(addresses) == len(plan.of_type("aws_nat_gateway"))
    admitted = set()
    for rule, found in from_nat:
        values = rule["values"]
        assert values["ip_protocol"] == "tcp" and values["from_port"] == values["to_port"], rule["address"]
        assert values["from_port"] in listener_ports(plan), rule["address"]
        assert referenced_resource(plan.references(rule["address"], "security_group_id")) == alb_security_group(plan)
        admitted.add((values["from_port"], found.value))
    assert admitted == {(port, eip) for port in listener_ports(plan) for eip in addresses}
    assert len(from_nat) == len(admitted), "one rule per port and address"


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
    group = resource(plan, "aws_codedeploy_deployment_group")["values"]
    policy = next(
        json.loads(r["values"]["policy"])
        for r in plan.of_type("aws_iam_role_policy")
        if r["values"]["name"] == f"{names.base}-hooks-least-privilege"
    )
    report = next(s for s in policy["Statement"] if s["Sid"] == "ReportHookStatus")
    assert report["Action"] == ["codedeploy:PutLifecycleEventHookExecutionStatus"]
    assert report["Resource"] == [
        documented_arn(
            "codedeploy",
            "deploymentgroup",
            EnvironmentNames(catalog.by_name["prod"]).account,
            ApplicationName=group["app_name"],
            DeploymentGroupName=group["deployment_group_name"],
        )
    ]
    functions = {f["values"]["function_name"] for f in plan.of_type("aws_lambda_function")}
    hooks = catalog.by_name["prod"].services[0].deployment.hooks
    assert functions == {names.hook_function(hook.name) for hook in hooks if hook.built_in}


# The deployment group's route of each listener a built-in check names (reference/ecs_lifecycle_hooks.json: which
# listener routes to the new task set when each hook runs).
LISTENER_ROUTES = {"test": "test_traffic_route", "production": "prod_traffic_route"}
_INTERPOLATION = re.compile(r"^\$\{(aws_[a-z0-9_]+)\.([\w-]+)\.([\w]+)\}$")


def test_hooks_check_each_listener_over_its_protocol_port_and_name(stack_config, certificate_variant, catalog):
    """Every hook's check URL has the scheme and port of the listener it checks; over HTTPS it names the host the
    certificate covers and connects to the ALB's DNS name (which the certificate does not cover)."""
    variant_catalog, variant = certificate_variant
    configs = [
        (name, config, catalog.by_name[name.split("-")[0]])
        for name, config in stack_config.items()
        if name.endswith("-service")
    ]
    configs.append(("prod-service (with certificate)", variant.config("prod-service"), variant_catalog.by_name["prod"]))
    checked = 0
    for stack, config, env in configs:
        resources = config["resource"]
        functions = {f["function_name"]: f for f in resources.get("aws_lambda_function", {}).values()}
        for group in resources.get("aws_codedeploy_deployment_group", {}).values():
            if "ecs_service" not in group:
                continue  # a function's group: its hooks check the function (tests/plan/test_function_plan.py)
            pair = group["load_balancer_info"]["target_group_pair_info"]
            service = next(
                s
                for s in env.services
                if EnvironmentNames(env).service(s).deployment_group == group["deployment_group_name"]
            )
            for check in release_spec(env, service).hook_checks:
                hook, function = check.event, functions[check.function]
                assert check.check.listener in ecs_lifecycle_hooks()[hook], (stack, hook)
                route = pair[LISTENER_ROUTES[check.check.listener]]["listener_arns"][0]
                listener_type, listener_id, _ = _INTERPOLATION.match(route).groups()
                listener = resources[listener_type][listener_id]
                settings = function["environment"]["variables"]
                url = urllib.parse.urlsplit(settings["CHECK_URL"])
                assert (url.scheme, url.port) == (listener["protocol"].lower(), listener["port"]), (stack, hook)
                assert (url.path, settings["CHECK_EXPECTED_STATUS"]) == (
                    check.check.path,
                    str(check.check.expected_status),
                )
                if listener["protocol"] == "HTTPS":
                    assert listener["certificate_arn"] == env.network.certificate_arn
                    assert url.hostname == service.host_name, (stack, hook)
                    assert _INTERPOLATION.match(settings["CHECK_ADDRESS"]).group(1, 3) == ("aws_lb", "dns_name")
                checked += 1
    assert checked
