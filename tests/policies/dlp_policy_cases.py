"""Fixture resources for the checkov policy tests and the expected result per check.

Each Case is one resource (or data source). Its `values` are written in plan-JSON shape (nested
blocks as lists of objects, IAM documents as JSON strings), which is also valid synthesized JSON,
so by default every case runs in both formats. `synth_values` replaces them for the synthesized
file only; `frameworks` limits a case to one format. Expected results: PASSED, FAILED, or UNKNOWN
(the check must not report the resource at all).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

PLAN, SYNTH = "terraform_plan", "terraform_json"
PASSED, FAILED, UNKNOWN = "PASSED", "FAILED", "UNKNOWN"
ACCOUNT = "111122223333"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/0a1b2c3d-1111-2222-3333-444455556666"
PROD = {"tier": "production"}


@dataclass
class Case:
    name: str  # unique across all cases: synthesized-JSON results drop the resource type
    type: str
    values: dict[str, Any]
    expect: dict[str, str]  # check id -> PASSED / FAILED / UNKNOWN
    synth_values: dict[str, Any] | None = None
    frameworks: tuple[str, ...] = (PLAN, SYNTH)
    mode: str = "managed"
    expressions: dict[str, Any] = field(default_factory=dict)  # plan `configuration` references

    @property
    def address(self) -> str:
        return f"{'data.' if self.mode == 'data' else ''}{self.type}.{self.name}"


# ------------------------------------------------------------------------------------------ IAM
def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(service: Any, condition: dict[str, Any] | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return policy(statement)


REPO_ARN = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/app"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app-task"
PASSED_TO_ECS = {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
CODEBUILD_TRUST = trust("codebuild.amazonaws.com", SOURCE_ACCOUNT)


def role(name: str, expect: dict[str, str], inline: str | None = None, assume: str = CODEBUILD_TRUST,
         **kwargs: Any) -> Case:
    values: dict[str, Any] = {"name": name, "assume_role_policy": assume}
    if inline is not None:
        values["inline_policy"] = [{"name": "inline", "policy": inline}]
    values.update(kwargs.pop("extra", {}))
    return Case(name, "aws_iam_role", values, expect, **kwargs)


def document(name: str, expect: dict[str, str], *statements: dict[str, Any], **kwargs: Any) -> Case:
    return Case(name, "aws_iam_policy_document", {"statement": list(statements)}, expect, mode="data", **kwargs)


IAM_CASES = [
    # CKV_DLP_1 no wildcard actions
    Case("iam_specific_actions", "aws_iam_policy",
         {"name": "p", "policy": policy(allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], REPO_ARN))},
         {"CKV_DLP_1": PASSED, "CKV_DLP_2": PASSED, "CKV_DLP_3": PASSED}),
    Case("iam_star_action", "aws_iam_role_policy", {"name": "p", "role": "r", "policy": policy(allow("*"))},
         {"CKV_DLP_1": FAILED, "CKV_DLP_2": FAILED, "CKV_DLP_3": FAILED}),
    Case("iam_service_star_action", "aws_iam_user_policy",
         {"name": "p", "user": "u", "policy": policy(allow("s3:*", "arn:aws:s3:::bucket/*"))},
         {"CKV_DLP_1": FAILED, "CKV_DLP_2": PASSED}),
    Case("iam_deny_star", "aws_iam_group_policy",
         {"name": "p", "group": "g", "policy": policy({"Effect": "Deny", "Action": "*", "Resource": "*"})},
         {"CKV_DLP_1": PASSED, "CKV_DLP_2": PASSED}),
    role("iam_role_inline_not_action", {"CKV_DLP_1": FAILED},
         inline=policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": REPO_ARN})),
    role("iam_role_inline_ok", {"CKV_DLP_1": PASSED, "CKV_DLP_2": PASSED},
         inline=policy(allow("ecr:GetAuthorizationToken"))),
    document("iam_doc_service_star", {"CKV_DLP_1": FAILED},
             {"effect": "Allow", "actions": ["ecr:*"], "resources": [REPO_ARN]}),
    document("iam_doc_key_policy", {"CKV_DLP_1": PASSED, "CKV_DLP_2": PASSED},  # resource policy: has principals
             {"effect": "Allow", "actions": ["kms:*"], "resources": ["*"],
              "principals": [{"type": "AWS", "identifiers": [f"arn:aws:iam::{ACCOUNT}:root"]}]}),
    Case("iam_policy_unresolved", "aws_iam_policy", {},
         {"CKV_DLP_1": UNKNOWN, "CKV_DLP_2": UNKNOWN, "CKV_DLP_3": UNKNOWN},
         synth_values={"name": "p", "policy": "${data.aws_iam_policy_document.x.json}"}, frameworks=(SYNTH,)),
    role("iam_role_inline_unresolved", {"CKV_DLP_1": UNKNOWN, "CKV_DLP_4": PASSED}, frameworks=(SYNTH,),
         synth_values={"name": "r", "assume_role_policy": CODEBUILD_TRUST,
                       "inline_policy": [{"name": "i", "policy": "${jsonencode({Statement = []})}"}]}),
    # CKV_DLP_2 wildcard resource only for allow-listed actions
    Case("iam_star_resource_listed", "aws_iam_policy",
         {"name": "p", "policy": policy(allow(["ecr:GetAuthorizationToken", "sts:GetServiceBearerToken"]))},
         {"CKV_DLP_2": PASSED}),
    Case("iam_star_resource_unlisted", "aws_iam_policy",
         {"name": "p", "policy": policy(allow(["ecr:GetAuthorizationToken", "ecr:PutImage"]))},
         {"CKV_DLP_1": PASSED, "CKV_DLP_2": FAILED}),
    Case("iam_not_resource", "aws_iam_policy",
         {"name": "p", "policy": policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": REPO_ARN})},
         {"CKV_DLP_2": FAILED}),
    document("iam_doc_star_resource_unlisted", {"CKV_DLP_2": FAILED},
             {"actions": ["logs:CreateLogStream"], "resources": ["*"]}),
    document("iam_doc_interpolated_resource", {"CKV_DLP_2": PASSED},
             {"actions": ["ecr:PutImage"], "resources": ["${aws_ecr_repository.app.arn}"]}, frameworks=(SYNTH,)),
    # CKV_DLP_3 iam:PassRole
    Case("iam_passrole_ok", "aws_iam_policy",
         {"name": "p", "policy": policy(allow("iam:PassRole", [ROLE_ARN], Condition=PASSED_TO_ECS))},
         {"CKV_DLP_3": PASSED}),
    Case("iam_passrole_star", "aws_iam_policy",
         {"name": "p", "policy": policy(allow("iam:PassRole", "*", Condition=PASSED_TO_ECS))},
         {"CKV_DLP_3": FAILED, "CKV_DLP_2": FAILED}),
    Case("iam_passrole_wildcard_name", "aws_iam_policy",
         {"name": "p", "policy": policy(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-*",
                                              Condition=PASSED_TO_ECS))},
         {"CKV_DLP_3": FAILED}),
    Case("iam_passrole_no_condition", "aws_iam_policy",
         {"name": "p", "policy": policy(allow("iam:PassRole", ROLE_ARN))}, {"CKV_DLP_3": FAILED}),
    document("iam_doc_passrole_reference", {"CKV_DLP_3": PASSED},
             {"actions": ["iam:PassRole"], "resources": ["${aws_iam_role.task.arn}"],
              "condition": [{"test": "StringEquals", "variable": "iam:PassedToService",
                             "values": ["ecs-tasks.amazonaws.com"]}]}, frameworks=(SYNTH,)),
    document("iam_doc_passrole_variable", {"CKV_DLP_3": UNKNOWN, "CKV_DLP_1": PASSED},
             {"actions": ["iam:PassRole"], "resources": ["${var.role_arn}"],
              "condition": [{"test": "StringEquals", "variable": "iam:PassedToService",
                             "values": ["ecs-tasks.amazonaws.com"]}]}, frameworks=(SYNTH,)),
    # CKV_DLP_4 service trust needs aws:SourceAccount / aws:SourceArn
    role("trust_codebuild_ok", {"CKV_DLP_4": PASSED}),
    role("trust_codebuild_no_condition", {"CKV_DLP_4": FAILED}, assume=trust("codebuild.amazonaws.com")),
    role("trust_source_arn_like", {"CKV_DLP_4": PASSED},
         assume=trust("codepipeline.amazonaws.com",
                      {"ArnLike": {"aws:SourceArn": f"arn:aws:codepipeline:eu-west-1:{ACCOUNT}:*"}})),
    role("trust_ec2_exempt", {"CKV_DLP_4": PASSED}, assume=trust("ec2.amazonaws.com")),
    role("trust_mixed_not_exempt", {"CKV_DLP_4": FAILED},
         assume=trust(["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"])),
    role("trust_account_principal", {"CKV_DLP_4": PASSED},
         assume=policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Action": "sts:AssumeRole"})),
    document("trust_doc_no_condition", {"CKV_DLP_4": FAILED, "CKV_DLP_1": PASSED},
             {"actions": ["sts:AssumeRole"], "principals": [{"type": "Service",
                                                             "identifiers": ["codedeploy.amazonaws.com"]}]}),
    document("trust_doc_ok", {"CKV_DLP_4": PASSED},
             {"actions": ["sts:AssumeRole"], "principals": [{"type": "Service",
                                                             "identifiers": ["codedeploy.amazonaws.com"]}],
              "condition": [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": [ACCOUNT]}]}),
    role("trust_unresolved", {"CKV_DLP_4": UNKNOWN, "CKV_DLP_5": PASSED}, frameworks=(SYNTH,),
         synth_values={"name": "r", "assume_role_policy": "${data.aws_iam_policy_document.t.json}"}),
    # CKV_DLP_5 no AdministratorAccess / *FullAccess
    Case("attach_admin", "aws_iam_role_policy_attachment",
         {"role": "r", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}, {"CKV_DLP_5": FAILED}),
    Case("attach_full_access_user", "aws_iam_user_policy_attachment",
         {"user": "u", "policy_arn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess"},
         {"CKV_DLP_5": FAILED}),
    Case("attach_full_access_group", "aws_iam_group_policy_attachment",
         {"group": "g", "policy_arn": "arn:aws:iam::aws:policy/AWSCodePipeline_FullAccess"}, {"CKV_DLP_5": FAILED}),
    Case("attach_legacy_full_access", "aws_iam_policy_attachment",
         {"name": "a", "roles": ["r"], "policy_arn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"},
         {"CKV_DLP_5": FAILED}),
    Case("attach_service_role_policy", "aws_iam_role_policy_attachment",
         {"role": "r", "policy_arn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"},
         {"CKV_DLP_5": PASSED}),
    Case("attach_customer_full_access_name", "aws_iam_role_policy_attachment",
         {"role": "r", "policy_arn": f"arn:aws:iam::{ACCOUNT}:policy/TeamFullAccess"}, {"CKV_DLP_5": PASSED}),
    role("role_managed_full_access", {"CKV_DLP_5": FAILED},
         extra={"managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonECS_FullAccess"]}),
    role("role_managed_ok", {"CKV_DLP_5": PASSED},
         extra={"managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]}),
    Case("attach_partition_admin", "aws_iam_role_policy_attachment", {},
         {"CKV_DLP_5": FAILED}, frameworks=(SYNTH,),
         synth_values={"role": "r",
                       "policy_arn": "arn:${data.aws_partition.p.partition}:iam::aws:policy/AdministratorAccess"}),
    Case("attach_unresolved", "aws_iam_role_policy_attachment", {}, {"CKV_DLP_5": UNKNOWN}, frameworks=(SYNTH,),
         synth_values={"role": "r", "policy_arn": "${var.policy_arn}"}),
]

# ------------------------------------------------------------------------------------ CodeDeploy
LISTENER = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:listener/app/web/50dc6c495c0c9188"
GOOD_GROUP: dict[str, Any] = {
    "app_name": "web",
    "deployment_group_name": "web-production",
    "service_role_arn": f"arn:aws:iam::{ACCOUNT}:role/codedeploy",
    "deployment_config_name": "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "deployment_style": [{"deployment_type": "BLUE_GREEN", "deployment_option": "WITH_TRAFFIC_CONTROL"}],
    "ecs_service": [{"cluster_name": "platform", "service_name": "web"}],
    "load_balancer_info": [{"target_group_pair_info": [{
        "target_group": [{"name": "web-blue"}, {"name": "web-green"}],
        "prod_traffic_route": [{"listener_arns": [f"{LISTENER}/1"]}],
        "test_traffic_route": [{"listener_arns": [f"{LISTENER}/2"]}]}]}],
    "auto_rollback_configuration": [{"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}],
    "alarm_configuration": [{"enabled": True, "alarms": ["web-5xx"], "ignore_poll_alarm_failure": False}],
    "blue_green_deployment_config": [{
        "deployment_ready_option": [{"action_on_timeout": "CONTINUE_DEPLOYMENT"}],
        "terminate_blue_instances_on_deployment_success": [{"action": "TERMINATE",
                                                            "termination_wait_time_in_minutes": 15}]}],
    "tags": PROD,
    "tags_all": PROD,
}
GROUP_CHECKS = ("CKV_DLP_10", "CKV_DLP_11", "CKV_DLP_12", "CKV_DLP_13", "CKV_DLP_14", "CKV_DLP_15")


def group(name: str, expect: dict[str, str], **changes: Any) -> Case:
    values = copy.deepcopy(GOOD_GROUP)
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return Case(name, "aws_codedeploy_deployment_group", values, expect)


def pair(target_groups: int = 2, test_route: bool = True) -> list[dict[str, Any]]:
    info: dict[str, Any] = {"target_group": [{"name": f"tg{i}"} for i in range(target_groups)],
                            "prod_traffic_route": [{"listener_arns": [f"{LISTENER}/1"]}]}
    if test_route:
        info["test_traffic_route"] = [{"listener_arns": [f"{LISTENER}/2"]}]
    return [{"target_group_pair_info": [info]}]


def wait(minutes: int) -> list[dict[str, Any]]:
    return [{"terminate_blue_instances_on_deployment_success": [{"action": "TERMINATE",
                                                                 "termination_wait_time_in_minutes": minutes}]}]


CODEDEPLOY_CASES = [
    group("dg_good", dict.fromkeys(GROUP_CHECKS, PASSED)),
    group("dg_dev_all_at_once", dict.fromkeys(GROUP_CHECKS, PASSED), tags={"tier": "dev"}, tags_all={"tier": "dev"},
          deployment_style=[{"deployment_type": "IN_PLACE", "deployment_option": "WITHOUT_TRAFFIC_CONTROL"}],
          deployment_config_name="CodeDeployDefault.ECSAllAtOnce", auto_rollback_configuration=None,
          alarm_configuration=None, blue_green_deployment_config=None, load_balancer_info=None),
    group("dg_not_ecs", {"CKV_DLP_10": PASSED, "CKV_DLP_15": PASSED}, ecs_service=None,
          deployment_style=None, deployment_config_name="CodeDeployDefault.AllAtOnce"),
    # production via provider default_tags (tags_all only)
    group("dg_in_place", {"CKV_DLP_10": FAILED}, tags=None,
          deployment_style=[{"deployment_type": "IN_PLACE", "deployment_option": "WITH_TRAFFIC_CONTROL"}]),
    group("dg_no_traffic_control", {"CKV_DLP_10": FAILED},
          deployment_style=[{"deployment_type": "BLUE_GREEN", "deployment_option": "WITHOUT_TRAFFIC_CONTROL"}]),
    group("dg_one_target_group", {"CKV_DLP_11": FAILED}, load_balancer_info=pair(target_groups=1)),
    group("dg_no_test_route", {"CKV_DLP_11": FAILED}, load_balancer_info=pair(test_route=False)),
    group("dg_no_lb", {"CKV_DLP_11": FAILED}, load_balancer_info=None),
    group("dg_rollback_failure_only", {"CKV_DLP_12": FAILED},
          auto_rollback_configuration=[{"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}]),
    group("dg_rollback_disabled", {"CKV_DLP_12": FAILED}, auto_rollback_configuration=[
        {"enabled": False, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}]),
    group("dg_no_alarms", {"CKV_DLP_13": FAILED}, alarm_configuration=[{"enabled": True, "alarms": []}]),
    group("dg_alarms_disabled", {"CKV_DLP_13": FAILED},
          alarm_configuration=[{"enabled": False, "alarms": ["web-5xx"]}]),
    group("dg_wait_zero", {"CKV_DLP_14": FAILED}, blue_green_deployment_config=wait(0)),
    group("dg_wait_minimum", {"CKV_DLP_14": PASSED}, blue_green_deployment_config=wait(5)),
    group("dg_no_blue_green_config", {"CKV_DLP_14": FAILED}, blue_green_deployment_config=None),
    group("dg_all_at_once", {"CKV_DLP_15": FAILED}, deployment_config_name="CodeDeployDefault.ECSAllAtOnce"),
    group("dg_default_config", {"CKV_DLP_15": FAILED}, deployment_config_name=None),
    group("dg_linear", {"CKV_DLP_15": PASSED}, deployment_config_name="CodeDeployDefault.ECSLinear10PercentEvery1Minutes"),
    group("dg_custom_canary", {"CKV_DLP_15": PASSED}, deployment_config_name="web-canary-20pct-10min"),
    group("dg_all_at_once_exempt", {"CKV_DLP_15": PASSED}, deployment_config_name="CodeDeployDefault.ECSAllAtOnce",
          tags={**PROD, "dlp:exempt-all-at-once": "internal admin tool, single task"}),
    group("dg_all_at_once_empty_exempt", {"CKV_DLP_15": FAILED}, deployment_config_name="CodeDeployDefault.ECSAllAtOnce",
          tags={**PROD, "dlp:exempt-all-at-once": ""}),
]
_unresolved_tier = copy.deepcopy(GOOD_GROUP)
_unresolved_tier.update(tags={"tier": "${var.tier}"}, tags_all=None,
                        deployment_style=[{"deployment_type": "IN_PLACE", "deployment_option": "WITH_TRAFFIC_CONTROL"}])
_custom_config = copy.deepcopy(GOOD_GROUP)
_custom_config["deployment_config_name"] = "${aws_codedeploy_deployment_config.web.id}"
CODEDEPLOY_CASES += [
    Case("dg_unresolved_tier", "aws_codedeploy_deployment_group", {}, {"CKV_DLP_10": UNKNOWN},
         synth_values={k: v for k, v in _unresolved_tier.items() if v is not None}, frameworks=(SYNTH,)),
    Case("dg_unresolved_config", "aws_codedeploy_deployment_group", {}, {"CKV_DLP_15": UNKNOWN, "CKV_DLP_10": PASSED},
         synth_values=_custom_config, frameworks=(SYNTH,)),
]


# CKV2_DLP_1: services connected to a deployment group (plan: configuration references; synth: ${...})
def service(name: str, controller: str, tier: str, expect: str) -> Case:
    tags = {"tier": tier}
    return Case(name, "aws_ecs_service", {"name": name, "cluster": "platform", "tags": tags, "tags_all": tags,
                                          "deployment_controller": [{"type": controller}]},
                {"CKV2_DLP_1": expect})


def service_group(name: str, service_name: str) -> Case:
    values = copy.deepcopy(GOOD_GROUP)
    values["ecs_service"] = [{"cluster_name": "platform", "service_name": service_name}]
    synth = copy.deepcopy(values)
    synth["ecs_service"] = [{"cluster_name": "platform", "service_name": f"${{aws_ecs_service.{service_name}.name}}"}]
    return Case(name, "aws_codedeploy_deployment_group", values, {}, synth_values=synth,
                expressions={"ecs_service": [{"service_name": {
                    "references": [f"aws_ecs_service.{service_name}.name", f"aws_ecs_service.{service_name}"]}}]})


ECS_CASES = [
    service("svc_codedeploy", "CODE_DEPLOY", "production", PASSED),
    service_group("svc_codedeploy_group", "svc_codedeploy"),
    service("svc_rolling", "ECS", "production", FAILED),
    service_group("svc_rolling_group", "svc_rolling"),
    service("svc_rolling_dev", "ECS", "dev", PASSED),
    service_group("svc_rolling_dev_group", "svc_rolling_dev"),
    service("svc_unconnected", "ECS", "production", PASSED),
]

# ---------------------------------------------------------------------------------- CodePipeline
SOURCE = {"name": "Source", "category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection",
          "version": "1", "output_artifacts": ["source"],
          "configuration": {"ConnectionArn": f"arn:aws:codeconnections:eu-west-1:{ACCOUNT}:connection/x",
                            "FullRepositoryId": "org/app", "BranchName": "main"}}
BUILD = {"name": "Build", "category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1",
         "input_artifacts": ["source"], "output_artifacts": ["image"], "configuration": {"ProjectName": "build"}}
APPROVE = {"name": "Approve", "category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1",
           "configuration": {"NotificationArn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:approvals"}}
BLUE_GREEN = {"name": "BlueGreen", "category": "Deploy", "owner": "AWS", "provider": "CodeDeployToECS",
              "version": "1", "input_artifacts": ["image"],
              "configuration": {"ApplicationName": "web", "DeploymentGroupName": "web-production"}}
ECS_ROLLING = {"name": "Rolling", "category": "Deploy", "owner": "AWS", "provider": "ECS", "version": "1",
               "input_artifacts": ["image"], "configuration": {"ClusterName": "platform", "ServiceName": "web"}}
STORE = {"location": "artifacts-bucket", "type": "S3", "encryption_key": [{"id": KEY_ARN, "type": "KMS"}]}


def pipeline(name: str, expect: dict[str, str], *stages: tuple[str, list[dict[str, Any]]],
             store: dict[str, Any] = STORE) -> Case:
    return Case(name, "aws_codepipeline",
                {"name": name, "role_arn": f"arn:aws:iam::{ACCOUNT}:role/pipeline", "pipeline_type": "V2",
                 "artifact_store": [store],
                 "stage": [{"name": stage_name, "action": actions} for stage_name, actions in stages]},
                expect)


PIPELINE_CASES = [
    pipeline("pl_good", {"CKV_DLP_20": PASSED, "CKV_DLP_21": PASSED, "CKV_DLP_22": PASSED},
             ("Source", [SOURCE]), ("Build", [BUILD]), ("Approve", [APPROVE]), ("DeployProduction", [BLUE_GREEN])),
    pipeline("pl_no_key", {"CKV_DLP_20": FAILED}, ("Source", [SOURCE]), ("Build", [BUILD]),
             store={"location": "artifacts-bucket", "type": "S3"}),
    pipeline("pl_no_approval", {"CKV_DLP_21": FAILED, "CKV_DLP_22": PASSED},
             ("Source", [SOURCE]), ("Build", [BUILD]), ("Deploy", [BLUE_GREEN])),
    pipeline("pl_approval_after", {"CKV_DLP_21": FAILED},
             ("Source", [SOURCE]), ("Build", [BUILD]), ("Deploy", [BLUE_GREEN]), ("Approve", [APPROVE])),
    pipeline("pl_prod_stage_ecs_no_approval", {"CKV_DLP_21": FAILED},
             ("Source", [SOURCE]), ("Build", [BUILD]), ("Prod", [ECS_ROLLING])),
    pipeline("pl_staging_no_approval", {"CKV_DLP_21": PASSED, "CKV_DLP_22": PASSED},
             ("Source", [SOURCE]), ("DeployStaging", [ECS_ROLLING])),
    pipeline("pl_staging_then_approved_prod", {"CKV_DLP_21": PASSED, "CKV_DLP_22": PASSED},  # the project's shape
             ("Source", [SOURCE]), ("Build", [BUILD]), ("Deploy-staging", [{**BLUE_GREEN, "name": "BlueGreen-staging"}]),
             ("Approval-prod", [APPROVE]), ("Deploy-prod", [{**BLUE_GREEN, "name": "BlueGreen-prod"}])),
    pipeline("pl_prod_before_approval", {"CKV_DLP_21": FAILED},
             ("Source", [SOURCE]), ("Build", [BUILD]), ("Deploy-prod", [{**BLUE_GREEN, "name": "BlueGreen-prod"}]),
             ("Approval-prod", [APPROVE])),
    pipeline("pl_preprod_no_approval", {"CKV_DLP_21": PASSED},
             ("Source", [SOURCE]), ("Build", [BUILD]), ("Deploy-preprod", [ECS_ROLLING])),
    pipeline("pl_no_build", {"CKV_DLP_21": PASSED, "CKV_DLP_22": FAILED},
             ("Source", [SOURCE]), ("Approve", [APPROVE]), ("DeployProduction", [BLUE_GREEN])),
    pipeline("pl_directly_after_source", {"CKV_DLP_22": FAILED},
             ("Source", [SOURCE]), ("DeployProduction", [BLUE_GREEN])),
    Case("sns_encrypted", "aws_sns_topic", {"name": "approvals", "kms_master_key_id": KEY_ARN}, {"CKV_DLP_23": PASSED}),
    Case("sns_plain", "aws_sns_topic", {"name": "approvals-plain"}, {"CKV_DLP_23": FAILED}),
]

# ---------------------------------------------------------------------------------- supply chain
GOOD_REPO: dict[str, Any] = {"name": "web", "image_tag_mutability": "IMMUTABLE",
                             "image_scanning_configuration": [{"scan_on_push": True}],
                             "encryption_configuration": [{"encryption_type": "KMS", "kms_key": KEY_ARN}]}
GOOD_PROJECT: dict[str, Any] = {
    "name": "build", "service_role": f"arn:aws:iam::{ACCOUNT}:role/build", "encryption_key": KEY_ARN,
    "artifacts": [{"type": "CODEPIPELINE"}], "source": [{"type": "CODEPIPELINE"}],
    "environment": [{"compute_type": "BUILD_GENERAL1_SMALL", "image": "aws/codebuild/standard:7.0",
                     "type": "LINUX_CONTAINER", "privileged_mode": False}],
    "logs_config": [{"cloudwatch_logs": [{"status": "ENABLED", "group_name": "/build"}]}],
    "tags": {"tier": "production"}}


def variant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    values = copy.deepcopy(base)
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def privileged(tags: dict[str, str]) -> dict[str, Any]:
    env = copy.deepcopy(GOOD_PROJECT["environment"])
    env[0]["privileged_mode"] = True
    return variant(GOOD_PROJECT, environment=env, tags=tags)


SUPPLY_CHAIN_CASES = [
    Case("ecr_good", "aws_ecr_repository", GOOD_REPO,
         {"CKV_DLP_30": PASSED, "CKV_DLP_31": PASSED, "CKV_DLP_32": PASSED}),
    Case("ecr_mutable", "aws_ecr_repository", variant(GOOD_REPO, image_tag_mutability="MUTABLE"),
         {"CKV_DLP_30": FAILED}),
    Case("ecr_no_scan", "aws_ecr_repository",
         variant(GOOD_REPO, image_scanning_configuration=[{"scan_on_push": False}]), {"CKV_DLP_31": FAILED}),
    Case("ecr_aes", "aws_ecr_repository",
         variant(GOOD_REPO, encryption_configuration=[{"encryption_type": "AES256"}]), {"CKV_DLP_32": FAILED}),
    Case("ecr_kms_no_key", "aws_ecr_repository",
         variant(GOOD_REPO, encryption_configuration=[{"encryption_type": "KMS"}]), {"CKV_DLP_32": FAILED}),
    Case("ecr_defaults", "aws_ecr_repository", {"name": "bare"},
         {"CKV_DLP_30": FAILED, "CKV_DLP_31": FAILED, "CKV_DLP_32": FAILED}),
    Case("ecr_unresolved", "aws_ecr_repository", {}, {"CKV_DLP_30": UNKNOWN, "CKV_DLP_32": PASSED},
         synth_values=variant(GOOD_REPO, image_tag_mutability="${var.tag_mutability}",
                              encryption_configuration=[{"encryption_type": "KMS",
                                                         "kms_key": "${aws_kms_key.ecr.arn}"}]),
         frameworks=(SYNTH,)),
    Case("cb_good", "aws_codebuild_project", GOOD_PROJECT,
         {"CKV_DLP_33": PASSED, "CKV_DLP_34": PASSED, "CKV_DLP_35": PASSED}),
    Case("cb_no_key", "aws_codebuild_project", variant(GOOD_PROJECT, encryption_key=None), {"CKV_DLP_33": FAILED}),
    Case("cb_aws_managed_key", "aws_codebuild_project",
         variant(GOOD_PROJECT, encryption_key="arn:aws:kms:eu-west-1:111122223333:alias/aws/s3"),
         {"CKV_DLP_33": FAILED}),
    Case("cb_logs_disabled", "aws_codebuild_project",
         variant(GOOD_PROJECT, logs_config=[{"cloudwatch_logs": [{"status": "DISABLED"}]}]), {"CKV_DLP_34": FAILED}),
    Case("cb_logs_default", "aws_codebuild_project", variant(GOOD_PROJECT, logs_config=None), {"CKV_DLP_34": PASSED}),
    Case("cb_privileged_tagged", "aws_codebuild_project", privileged({"dlp:needs-docker": "true"}),
         {"CKV_DLP_35": PASSED}),
    Case("cb_privileged_untagged", "aws_codebuild_project", privileged({"tier": "production"}),
         {"CKV_DLP_35": FAILED}),
    Case("cb_privileged_tag_false", "aws_codebuild_project", privileged({"dlp:needs-docker": "false"}),
         {"CKV_DLP_35": FAILED}),
]

CASES: list[Case] = IAM_CASES + CODEDEPLOY_CASES + ECS_CASES + PIPELINE_CASES + SUPPLY_CHAIN_CASES

# Run separately with DLP_MIN_TERMINATION_WAIT_MINUTES=30: 15 minutes passes by default, fails here.
MIN_WAIT_CASES = [group("dg_wait_15_min_30", {"CKV_DLP_14": FAILED}),
                  group("dg_wait_45_min_30", {"CKV_DLP_14": PASSED}, blue_green_deployment_config=wait(45))]


# ------------------------------------------------------------------------------------ documents
def plan_document(cases: list[Case]) -> dict[str, Any]:
    """A `terraform show -json` plan holding the PLAN cases (planned_values, resource_changes, configuration)."""
    selected = [c for c in cases if PLAN in c.frameworks]
    resources, changes, configuration = [], [], []
    for case in selected:
        common = {"address": case.address, "mode": case.mode, "type": case.type, "name": case.name,
                  "provider_name": "registry.terraform.io/hashicorp/aws"}
        resources.append({**common, "schema_version": 0, "values": case.values, "sensitive_values": {}})
        changes.append({**common, "change": {"actions": ["read" if case.mode == "data" else "create"],
                                             "before": None, "after": case.values, "after_unknown": {},
                                             "before_sensitive": False, "after_sensitive": {}}})
        configuration.append({**{k: common[k] for k in ("address", "mode", "type", "name")},
                              "provider_config_key": "aws", "expressions": case.expressions, "schema_version": 0})
    return {"format_version": "1.2", "terraform_version": "1.11.4",
            "planned_values": {"root_module": {"resources": resources}},
            "resource_changes": changes,
            "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                                                          "version_constraint": "5.100.0"}},
                              "root_module": {"resources": configuration}}}


def synth_document(cases: list[Case]) -> dict[str, Any]:
    """A cdktf-style cdk.tf.json holding the SYNTH cases."""
    document: dict[str, Any] = {"terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.100.0"}}},
                                "provider": {"aws": [{"region": "eu-west-1"}]}, "resource": {}, "data": {}}
    for case in cases:
        if SYNTH in case.frameworks:
            section = document["data" if case.mode == "data" else "resource"]
            section.setdefault(case.type, {})[case.name] = case.synth_values or case.values
    return document
