"""Blue/green after the first release: what Terraform does to a service CodeDeploy has already switched.

Each test plans the prod service's listeners, target groups, ECS service and deployment group against
a prior state in which CodeDeploy has released once (both listeners and the service on the green target
group, a task definition revision the pipeline registered), with the configuration of an edited copy
of the environment files. The provider decides update or replace (`tests/plan/prior_state.py`).
"""

from __future__ import annotations

import json
import re

import botocore.session
import pytest
from moto.iam.aws_managed_policies import aws_managed_policies_data

from tests.plan.conftest import CERTIFICATE, synthesize_variant
from tests.plan.prior_state import PriorState, state_resource
from tooling.gate.replacements import REPLACEMENT_CHECK, replacement_findings, unsafe_replacements

TYPES = ("aws_lb", "aws_lb_listener", "aws_lb_target_group", "aws_ecs_service", "aws_codedeploy_deployment_group")
RELEASED_TASK_DEFINITION = "arn:aws:ecs:eu-west-1:222222222222:task-definition/acme-prod-app:7"


@pytest.fixture(scope="module")
def prior(tmp_path_factory):
    return PriorState(tmp_path_factory.mktemp("prior-state"))


@pytest.fixture(scope="module")
def released(prior, synthesis):
    """prod-service as the shipped files say, after one CodeDeploy release: traffic and tasks on green."""
    config = prior.subset(synthesis.config("prod-service"), TYPES)
    state = prior.state(config)
    green = state_resource(state, "aws_lb_target_group", "green")["arn"]
    for listener in ("production", "test"):
        state_resource(state, "aws_lb_listener", listener)["default_action"][0]["target_group_arn"] = green
    service = state_resource(state, "aws_ecs_service", "service")
    service["task_definition"] = RELEASED_TASK_DEFINITION
    service["load_balancer"][0]["target_group_arn"] = green
    return state, green


def plan_variant(prior, released, tmp_path_factory, name, edits):
    _, synthesis = synthesize_variant(tmp_path_factory, name, edits)
    return prior.plan(prior.subset(synthesis.config("prod-service"), TYPES), released[0])


def change(plan, resource_type, name_contains):
    found = [c for c in plan.changes() if c["type"] == resource_type and name_contains in c["address"]]
    assert len(found) == 1, (resource_type, name_contains, [c["address"] for c in found])
    return found[0]["change"]


def test_unchanged_configuration_takes_nothing_back_from_codedeploy(prior, released, synthesis):
    """The configuration says blue and the bootstrap task definition; what CodeDeploy set stays."""
    plan = prior.plan(prior.subset(synthesis.config("prod-service"), TYPES), released[0])
    for name in ("production", "_test_"):
        listener = change(plan, "aws_lb_listener", name)
        assert "delete" not in listener["actions"]
        assert listener["after"]["default_action"][0]["target_group_arn"] == released[1]
    service = change(plan, "aws_ecs_service", "service")
    assert service["actions"] in (["no-op"], ["update"])
    assert service["after"]["task_definition"] == RELEASED_TASK_DEFINITION
    assert service["after"]["load_balancer"][0]["target_group_arn"] == released[1]
    assert unsafe_replacements(plan.document) == []


def test_desired_count_changes_reach_the_service(prior, released, tmp_path_factory):
    """desired_count is the environment file's: ECS's UpdateService changes it on a CODE_DEPLOY service and
    CodeDeploy never does. Task definition and target group stay CodeDeploy's."""
    plan = plan_variant(
        prior, released, tmp_path_factory, "desired-count", [("prod", "desired_count     = 3", "desired_count     = 5")]
    )
    service = change(plan, "aws_ecs_service", "service")
    assert service["before"]["desired_count"] == 3 and service["after"]["desired_count"] == 5
    assert service["after"]["task_definition"] == RELEASED_TASK_DEFINITION
    assert service["after"]["load_balancer"][0]["target_group_arn"] == released[1]


def test_port_and_certificate_changes_modify_listeners_in_place_and_keep_codedeploys_routing(
    prior, released, tmp_path_factory
):
    """HTTP to HTTPS (a certificate, production on 443) and a new test port: ModifyListener, not a new listener
    forwarding to the (empty) blue group; the listeners keep forwarding where CodeDeploy pointed them."""
    plan = plan_variant(
        prior,
        released,
        tmp_path_factory,
        "https-and-test-port",
        [
            *CERTIFICATE,
            ("prod", "termination_wait_minutes = 60", "termination_wait_minutes = 60\n    test_listener_port = 9443"),
        ],
    )
    for name, port in (("production", 443), ("_test_", 9443)):
        listener = change(plan, "aws_lb_listener", name)
        assert listener["actions"] == ["update"], (name, listener["actions"])
        assert (listener["after"]["port"], listener["after"]["protocol"]) == (port, "HTTPS")
        assert listener["after"]["default_action"][0]["target_group_arn"] == released[1]
    assert unsafe_replacements(plan.document) == []


@pytest.mark.parametrize(
    "name,edit,replaced",
    [
        (
            "container-port",
            ("prod", "container_port    = 80", "container_port    = 8080"),
            {"aws_lb_target_group.app_alb_blue", "aws_lb_target_group.app_alb_green"},
        ),
        (
            "internal-alb",
            ("prod", "alb_deletion_protection = true", "alb_deletion_protection = true\n  alb_internal = true"),
            {"aws_lb_listener.app_alb_production", "aws_lb_listener.app_alb_test"},
        ),
    ],
)
def test_replacing_what_a_deployment_group_uses_is_refused(prior, released, tmp_path_factory, name, edit, replaced):
    """A new container port replaces both target groups; an ALB that becomes internal is replaced, and its
    listeners with it. The gate's check names each of them."""
    plan = plan_variant(prior, released, tmp_path_factory, name, [edit])
    found = {re.sub(r"_[0-9A-F]{8}$", "", entry.split(" ")[0]) for entry in unsafe_replacements(plan.document)}
    assert found == replaced
    plan_file = tmp_path_factory.mktemp(f"{name}-gate") / "prod-service.json"
    plan_file.write_text(json.dumps(plan.document))
    failed = replacement_findings({"prod-service": plan_file})  # what the gate (--plans) and the run task report
    assert {re.sub(r"_[0-9A-F]{8}$", "", f.resource) for f in failed} == replaced
    assert {(f.result, f.check_id) for f in failed} == {("FAILED", REPLACEMENT_CHECK[0])}


# ------------------------------------------------------------------------------------------ oracle
def _codedeploy_writable_members() -> set[str]:
    """Input members of the write actions AWS's managed role for CodeDeploy ECS deployments may call
    (AWSCodeDeployRoleForECS, as moto ships it), from botocore's service models; lower case, no plural s."""
    policy = json.loads(aws_managed_policies_data)["AWSCodeDeployRoleForECS"]["Document"]
    session = botocore.session.get_session()
    members = set()
    for statement in policy["Statement"]:
        for action in statement["Action"]:
            service, operation = action.split(":")
            if operation.startswith(("Describe", "Get", "List")) or service not in ("ecs", "elasticloadbalancing"):
                continue
            model = session.get_service_model("elbv2" if service == "elasticloadbalancing" else service)
            members |= {_normal(m) for m in model.operation_model(operation).input_shape.members}
    return members


def _normal(name: str) -> str:
    return name.replace("_", "").lower().removesuffix("s")


def test_only_what_codedeploy_changes_is_ignored(stack_config):
    """Every attribute a blue/green service or its listeners leave to CodeDeploy (ignore_changes) is one that
    CodeDeploy's actions set; anything else (desired count, ports, certificates) stays Terraform's."""
    writable = _codedeploy_writable_members()
    checked = 0
    for stack, config in stack_config.items():
        resources = config.get("resource", {})
        for resource_type in ("aws_ecs_service", "aws_lb_listener"):
            for name, block in resources.get(resource_type, {}).items():
                if resource_type == "aws_ecs_service" and block["deployment_controller"]["type"] != "CODE_DEPLOY":
                    continue
                for attribute in block.get("lifecycle", {}).get("ignore_changes", []):
                    assert _normal(attribute) in writable, (
                        f"{stack}: {name} ignores {attribute}, which CodeDeploy never sets"
                    )
                    checked += 1
    assert checked
