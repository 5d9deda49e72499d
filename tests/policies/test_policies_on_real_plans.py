"""Every project policy bites on the real stacks, not only on hand-made fixtures.

A policy can pass the shipped plans vacuously: CKV2_DLP_1 passed whenever no deployment group was connected to
the service, and on the shipped stacks none was (the group named the service by a plain string). So each
policy gets one mutation of a real plan (a deep copy of the session's `plans`) that violates exactly that
policy; checkov runs once over every mutated copy and the unmutated plans together, and
  - each policy FAILS on its mutated resource (and nothing else fails in that copy);
  - the same resource PASSES that policy in the unmutated plan (the policy judged it, not skipped it);
  - the unmutated plans fail no project policy.
The policy ids come from policies/: a new policy without a mutation here fails. Adding one is one function:

    @mutation("CKV_DLP_99", "prod-service")
    def what_it_breaks(plan: PlanCopy) -> str:
        resource = plan.resource("aws_lb_listener", "test")
        resource.values[...] = ...
        return resource.address  # the resource the policy must fail
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.policies.conftest import checkov_entries, policy_ids


class PlannedResource:
    """One resource of a plan copy: its planned `values` and its configuration `expressions`, edited together
    (checkov fills an attribute missing from the values with the reference in the configuration)."""

    def __init__(self, planned: dict, configured: dict):
        self.address = planned["address"]
        self.values = planned["values"]
        self.expressions = configured.setdefault("expressions", {})

    def remove(self, *keys: str) -> None:
        for key in keys:
            self.values.pop(key, None)
            self.expressions.pop(key, None)

    def policy(self, attribute: str = "policy") -> dict:
        return json.loads(self.values[attribute])

    def set_policy(self, document: dict, attribute: str = "policy") -> None:
        self.values[attribute] = json.dumps(document)

    def statement(self, sid: str, attribute: str = "policy") -> tuple[dict, dict]:
        """(the policy document, its statement `sid`), to edit and store back with set_policy."""
        document = self.policy(attribute)
        return document, next(s for s in document["Statement"] if s.get("Sid") == sid)


class PlanCopy:
    """A deep copy of one stack's `terraform show -json` plan."""

    def __init__(self, document: dict):
        self.document = copy.deepcopy(document)

    def resource(self, resource_type: str, name_part: str = "") -> PlannedResource:
        """The one resource of `resource_type` whose address contains `name_part`."""
        planned = [
            r
            for r in self.document["planned_values"]["root_module"]["resources"]
            if r["type"] == resource_type and name_part in r["address"]
        ]
        assert len(planned) == 1, f"{resource_type} {name_part!r}: {[r['address'] for r in planned]}"
        configured = next(
            r
            for r in self.document["configuration"]["root_module"]["resources"]
            if r["address"] == planned[0]["address"]
        )
        return PlannedResource(planned[0], configured)


@dataclass(frozen=True)
class Mutation:
    check_id: str
    stack: str
    apply: Callable[[PlanCopy], str]  # edits the copy, returns the address the policy must fail


MUTATIONS: dict[str, Mutation] = {}


def mutation(check_id: str, stack: str):
    def register(function: Callable[[PlanCopy], str]) -> Callable[[PlanCopy], str]:
        assert check_id not in MUTATIONS, f"two mutations for {check_id}"
        MUTATIONS[check_id] = Mutation(check_id, stack, function)
        return function

    return register


# ---------------------------------------------------------------------------- IAM (prod-delivery, prod-eks)
@mutation("CKV_DLP_1", "prod-delivery")
def pipeline_may_run_any_codebuild_action(plan: PlanCopy) -> str:
    policy = plan.resource("aws_iam_role_policy", "pipeline")
    document, statement = policy.statement("RunBuild")
    statement["Action"] = ["codebuild:Start*"]
    policy.set_policy(document)
    return policy.address


@mutation("CKV_DLP_2", "prod-delivery")
def pipeline_may_start_every_build_project(plan: PlanCopy) -> str:
    policy = plan.resource("aws_iam_role_policy", "pipeline")
    document, statement = policy.statement("RunBuild")
    statement["Resource"] = [statement["Resource"][0].rsplit(":", 1)[0] + ":project/*"]
    policy.set_policy(document)
    return policy.address


@mutation("CKV_DLP_3", "prod-delivery")
def pipeline_passes_task_roles_to_any_service(plan: PlanCopy) -> str:
    policy = plan.resource("aws_iam_role_policy", "pipeline")
    document, statement = policy.statement("PassTaskRolesProd")
    del statement["Condition"]
    policy.set_policy(document)
    return policy.address


@mutation("CKV_DLP_4", "prod-delivery")
def pipeline_role_trusts_codepipeline_for_any_account(plan: PlanCopy) -> str:
    role = plan.resource("aws_iam_role", "pipeline")
    document = role.policy("assume_role_policy")
    for statement in document["Statement"]:
        del statement["Condition"]
    role.set_policy(document, "assume_role_policy")
    return role.address


@mutation("CKV_DLP_5", "prod-eks")
def nodes_get_administrator_access(plan: PlanCopy) -> str:
    attachment = plan.resource("aws_iam_role_policy_attachment", "AmazonEKSWorkerNodePolicy")
    attachment.values["policy_arn"] = attachment.values["policy_arn"].replace(
        "AmazonEKSWorkerNodePolicy", "AdministratorAccess"
    )
    return attachment.address


# ---------------------------------------------------------------------------- CodeDeploy and ECS (prod-service)
@mutation("CKV_DLP_10", "prod-service")
def group_deploys_in_place(plan: PlanCopy) -> str:
    group = plan.resource("aws_codedeploy_deployment_group")
    group.values["deployment_style"] = [{"deployment_type": "IN_PLACE", "deployment_option": "WITHOUT_TRAFFIC_CONTROL"}]
    return group.address


@mutation("CKV_DLP_11", "prod-service")
def group_has_no_test_listener(plan: PlanCopy) -> str:
    group = plan.resource("aws_codedeploy_deployment_group")
    group.values["load_balancer_info"][0]["target_group_pair_info"][0]["test_traffic_route"] = []
    pair = group.expressions["load_balancer_info"][0]["target_group_pair_info"][0]
    pair.pop("test_traffic_route", None)
    return group.address


@mutation("CKV_DLP_36", "prod-service")
def internet_reaches_the_test_listener_port(plan: PlanCopy) -> str:
    rule = plan.resource("aws_vpc_security_group_ingress_rule", "ingress-80-0")
    rule.values["from_port"] = rule.values["to_port"] = 8080  # prod's test listener port
    return rule.address


@mutation("CKV_DLP_37", "prod-service")
def codedeploy_invokes_any_function_named_like_a_hook(plan: PlanCopy) -> str:
    policy = plan.resource("aws_iam_role_policy", "codedeploy")
    document, statement = policy.statement("RunHooks")
    statement["Resource"] = [statement["Resource"][0].rsplit(":", 1)[0] + ":CodeDeployHook_*"]
    policy.set_policy(document)
    return policy.address


@mutation("CKV_DLP_12", "prod-service")
def group_does_not_roll_back_on_alarm(plan: PlanCopy) -> str:
    group = plan.resource("aws_codedeploy_deployment_group")
    group.values["auto_rollback_configuration"][0]["events"] = ["DEPLOYMENT_FAILURE"]
    return group.address


@mutation("CKV_DLP_13", "prod-service")
def group_watches_no_alarm(plan: PlanCopy) -> str:
    group = plan.resource("aws_codedeploy_deployment_group")
    group.values["alarm_configuration"][0]["alarms"] = []
    group.expressions["alarm_configuration"][0].pop("alarms", None)
    return group.address


@mutation("CKV_DLP_38", "dev-service")
def function_group_does_not_roll_back_on_alarm(plan: PlanCopy) -> str:
    group = plan.resource("aws_codedeploy_deployment_group", "api_")
    group.values["auto_rollback_configuration"][0]["events"] = ["DEPLOYMENT_FAILURE"]
    return group.address


@mutation("CKV_DLP_39", "dev-service")
def function_group_watches_no_alarm(plan: PlanCopy) -> str:
    group = plan.resource("aws_codedeploy_deployment_group", "api_")
    group.values["alarm_configuration"][0]["alarms"] = []
    group.expressions["alarm_configuration"][0].pop("alarms", None)
    return group.address


@mutation("CKV_DLP_14", "prod-service")
def group_terminates_blue_at_once(plan: PlanCopy) -> str:
    group = plan.resource("aws_codedeploy_deployment_group")
    config = group.values["blue_green_deployment_config"][0]
    config["terminate_blue_instances_on_deployment_success"][0]["termination_wait_time_in_minutes"] = 0
    return group.address


@mutation("CKV_DLP_15", "prod-service")
def group_shifts_all_traffic_at_once(plan: PlanCopy) -> str:
    group = plan.resource("aws_codedeploy_deployment_group")
    group.values["deployment_config_name"] = "CodeDeployDefault.ECSAllAtOnce"
    return group.address


@mutation("CKV2_DLP_1", "prod-service")
def service_rolls_out_of_codedeploy(plan: PlanCopy) -> str:
    service = plan.resource("aws_ecs_service")
    service.values["deployment_controller"] = [{"type": "ECS"}]
    return service.address


# ---------------------------------------------------------------------------- delivery (prod-delivery)
@mutation("CKV_DLP_20", "prod-delivery")
def artifact_store_with_default_key(plan: PlanCopy) -> str:
    pipeline = plan.resource("aws_codepipeline")
    pipeline.values["artifact_store"][0]["encryption_key"] = []
    pipeline.expressions["artifact_store"][0].pop("encryption_key", None)
    return pipeline.address


@mutation("CKV_DLP_21", "prod-delivery")
def production_without_approval(plan: PlanCopy) -> str:
    pipeline = plan.resource("aws_codepipeline")
    pipeline.values["stage"] = [
        stage
        for stage in pipeline.values["stage"]
        if not any(action["category"] == "Approval" for action in stage["action"])
    ]
    return pipeline.address


@mutation("CKV_DLP_22", "prod-delivery")
def production_from_source(plan: PlanCopy) -> str:
    pipeline = plan.resource("aws_codepipeline")
    pipeline.values["stage"] = [
        stage
        for stage in pipeline.values["stage"]
        if not any(action["category"] == "Build" for action in stage["action"])
    ]
    return pipeline.address


@mutation("CKV_DLP_23", "prod-delivery")
def approval_topic_unencrypted(plan: PlanCopy) -> str:
    topic = plan.resource("aws_sns_topic")
    topic.remove("kms_master_key_id")
    return topic.address


@mutation("CKV_DLP_24", "prod-delivery")
def notifications_publish_for_any_account(plan: PlanCopy) -> str:
    topic_policy = plan.resource("aws_sns_topic_policy")
    document, statement = topic_policy.statement("ServicesPublish")
    del statement["Condition"]
    topic_policy.set_policy(document)
    return topic_policy.address


@mutation("CKV_DLP_30", "prod-delivery")
def mutable_image_tags(plan: PlanCopy) -> str:
    repository = plan.resource("aws_ecr_repository")
    repository.values["image_tag_mutability"] = "MUTABLE"
    return repository.address


@mutation("CKV_DLP_31", "prod-delivery")
def images_not_scanned(plan: PlanCopy) -> str:
    repository = plan.resource("aws_ecr_repository")
    repository.values["image_scanning_configuration"] = [{"scan_on_push": False}]
    return repository.address


@mutation("CKV_DLP_32", "prod-delivery")
def images_with_aws_owned_encryption(plan: PlanCopy) -> str:
    repository = plan.resource("aws_ecr_repository")
    repository.values["encryption_configuration"] = [{"encryption_type": "AES256"}]
    repository.expressions.pop("encryption_configuration", None)
    return repository.address


@mutation("CKV_DLP_33", "prod-delivery")
def build_output_with_default_key(plan: PlanCopy) -> str:
    build = plan.resource("aws_codebuild_project")
    build.remove("encryption_key")
    return build.address


@mutation("CKV_DLP_34", "prod-delivery")
def build_logs_disabled(plan: PlanCopy) -> str:
    build = plan.resource("aws_codebuild_project")
    build.values["logs_config"][0]["cloudwatch_logs"][0]["status"] = "DISABLED"
    return build.address


@mutation("CKV_DLP_35", "prod-delivery")
def privileged_build_without_declared_need(plan: PlanCopy) -> str:
    build = plan.resource("aws_codebuild_project")
    build.values["environment"][0]["privileged_mode"] = True
    for tags in ("tags", "tags_all"):
        build.values[tags] = {**(build.values.get(tags) or {}), "dlp:needs-docker": "false"}
    build.expressions.pop("tags", None)
    return build.address


@mutation("CKV_DLP_51", "prod-delivery")
def pipeline_role_trusts_an_account_root(plan: PlanCopy) -> str:
    role = plan.resource("aws_iam_role", "pipeline")
    document = role.policy("assume_role_policy")
    root = plan.resource("aws_kms_key").statement("NamedRolesUseKey")[1]["Principal"]["AWS"]  # the account root
    document["Statement"].append({"Effect": "Allow", "Principal": {"AWS": root}, "Action": "sts:AssumeRole"})
    role.set_policy(document, "assume_role_policy")
    return role.address


@mutation("CKV_DLP_52", "prod-delivery")
def delivery_key_used_by_the_whole_account(plan: PlanCopy) -> str:
    key = plan.resource("aws_kms_key")
    document, statement = key.statement("NamedRolesUseKey")
    del statement["Condition"]
    key.set_policy(document)
    return key.address


# ---------------------------------------------------------------------------- one checkov run
@dataclass(frozen=True)
class Scan:
    results: dict[tuple[str, str, str], str]  # (check id, file, resource) -> PASSED / FAILED
    real_files: dict[str, str]  # stack -> unmutated plan file
    mutated: dict[str, tuple[str, str]]  # check id -> (mutated plan file, address that must fail)


@pytest.fixture(scope="module")
def scan(plans, tmp_path_factory) -> Scan:
    directory = tmp_path_factory.mktemp("real-plans")
    real_files, mutated, files = {}, {}, []
    for stack in sorted(plans):
        path = directory / f"{stack}.json"
        path.write_text(json.dumps(plans[stack].document))
        real_files[stack], files = str(path), [*files, path]
    for check_id, change in sorted(MUTATIONS.items()):
        plan = PlanCopy(plans[change.stack].document)
        address = change.apply(plan)
        path = directory / f"{change.stack}--{check_id}.json"
        path.write_text(json.dumps(plan.document))
        mutated[check_id], files = (str(path), address), [*files, path]
    entries = checkov_entries([arg for path in files for arg in ("-f", str(path))], "terraform_plan")
    results = {
        (e["check_id"], str(Path(e["file_abs_path"]).resolve()), e["resource"]): e["check_result"]["result"]
        for e in entries
    }
    resolve = {str(path): str(Path(path).resolve()) for path in files}
    return Scan(
        results, {s: resolve[f] for s, f in real_files.items()}, {c: (resolve[f], a) for c, (f, a) in mutated.items()}
    )


def test_every_policy_has_a_mutation_of_a_real_plan():
    assert sorted(MUTATIONS) == policy_ids(), (
        f"policies without a mutation: {sorted(set(policy_ids()) - set(MUTATIONS))}; "
        f"mutations of no policy: {sorted(set(MUTATIONS) - set(policy_ids()))}"
    )


@pytest.mark.parametrize("check_id", policy_ids())
def test_policy_fails_on_its_mutation_only(scan, check_id):
    assert check_id in MUTATIONS, f"{check_id}: add a @mutation to {__name__}"
    mutated_file, address = scan.mutated[check_id]
    real_file = scan.real_files[MUTATIONS[check_id].stack]
    assert scan.results.get((check_id, real_file, address)) == "PASSED", (
        f"{check_id} does not judge {address} in the real plan: it passes vacuously or not at all"
    )
    assert scan.results.get((check_id, mutated_file, address)) == "FAILED", (
        f"{check_id} does not fail on {address} mutated by {MUTATIONS[check_id].apply.__name__}"
    )
    others = sorted(
        (c, r)
        for (c, f, r), result in scan.results.items()
        if f == mutated_file and result == "FAILED" and (c, r) != (check_id, address)
    )
    assert not others, f"the mutation for {check_id} breaks other policies too: {others}"


def test_real_plans_pass_every_project_policy(scan):
    real = set(scan.real_files.values())
    failed = sorted((c, f, r) for (c, f, r), result in scan.results.items() if f in real and result == "FAILED")
    assert not failed, f"the shipped plans fail project policies: {failed}"
