"""The fixture model, the builders the case files share, and the two documents checkov reads.

A Resource is one fixture resource (or data source). Its `values` are written in plan-JSON shape
(nested blocks as lists of objects, IAM documents as JSON strings), which is also valid synthesized
JSON, so by default a resource runs in both formats. `synth_values` replaces them for the synthesized
file only; `frameworks` limits a resource to one format. A Case pairs a resource with the result its
case file's check must report: PASSED, FAILED, or UNKNOWN (the check must not report the resource).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

PLAN, SYNTH = "terraform_plan", "terraform_json"
FRAMEWORKS = (PLAN, SYNTH)  # checkov runs every project policy on both
PASSED, FAILED, UNKNOWN = "PASSED", "FAILED", "UNKNOWN"
ACCOUNT = "111122223333"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/0a1b2c3d-1111-2222-3333-444455556666"
PROD = {"tier": "production"}


@dataclass(frozen=True)
class Resource:
    name: str  # unique across all case files: synthesized-JSON results drop the resource type
    type: str
    values: dict[str, Any]
    synth_values: dict[str, Any] | None = None
    frameworks: tuple[str, ...] = FRAMEWORKS
    mode: str = "managed"
    expressions: dict[str, Any] = field(default_factory=dict)  # plan `configuration` references

    @property
    def address(self) -> str:
        return f"{'data.' if self.mode == 'data' else ''}{self.type}.{self.name}"


@dataclass(frozen=True)
class Case:
    resource: Resource
    expected: str  # PASSED / FAILED / UNKNOWN from the case file's CHECK_ID


def variant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `base` with `changes` applied; a change to None removes the key."""
    values = copy.deepcopy(base)
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


# ------------------------------------------------------------------------------------------ IAM
REPO_ARN = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/app"
PASSED_TO_ECS = {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
PASSED_TO_ECS_BLOCK = [
    {"test": "StringEquals", "variable": "iam:PassedToService", "values": ["ecs-tasks.amazonaws.com"]}
]  # PASSED_TO_ECS as a policy-document block
SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(service: Any, condition: dict[str, Any] | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return policy(statement)


CODEBUILD_TRUST = trust("codebuild.amazonaws.com", SOURCE_ACCOUNT)


def role(name: str, inline: str | None = None, assume: str = CODEBUILD_TRUST, **values: Any) -> Resource:
    """An aws_iam_role trusted by CodeBuild (with aws:SourceAccount) unless `assume` says otherwise."""
    role_values: dict[str, Any] = {"name": name, "assume_role_policy": assume}
    if inline is not None:
        role_values["inline_policy"] = [{"name": "inline", "policy": inline}]
    return Resource(name, "aws_iam_role", {**role_values, **values})


def document(name: str, *statements: dict[str, Any], frameworks: tuple[str, ...] = FRAMEWORKS) -> Resource:
    return Resource(
        name, "aws_iam_policy_document", {"statement": list(statements)}, frameworks=frameworks, mode="data"
    )


# ------------------------------------------------------------------------------------ CodeDeploy
LISTENER = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:listener/app/web/50dc6c495c0c9188"
GOOD_GROUP: dict[str, Any] = {  # a production ECS blue/green group every deployment-group check passes
    "app_name": "web",
    "deployment_group_name": "web-production",
    "service_role_arn": f"arn:aws:iam::{ACCOUNT}:role/codedeploy",
    "deployment_config_name": "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "deployment_style": [{"deployment_type": "BLUE_GREEN", "deployment_option": "WITH_TRAFFIC_CONTROL"}],
    "ecs_service": [{"cluster_name": "platform", "service_name": "web"}],
    "load_balancer_info": [
        {
            "target_group_pair_info": [
                {
                    "target_group": [{"name": "web-blue"}, {"name": "web-green"}],
                    "prod_traffic_route": [{"listener_arns": [f"{LISTENER}/1"]}],
                    "test_traffic_route": [{"listener_arns": [f"{LISTENER}/2"]}],
                }
            ]
        }
    ],
    "auto_rollback_configuration": [{"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}],
    "alarm_configuration": [{"enabled": True, "alarms": ["web-5xx"], "ignore_poll_alarm_failure": False}],
    "blue_green_deployment_config": [
        {
            "deployment_ready_option": [{"action_on_timeout": "CONTINUE_DEPLOYMENT"}],
            "terminate_blue_instances_on_deployment_success": [
                {"action": "TERMINATE", "termination_wait_time_in_minutes": 15}
            ],
        }
    ],
    "tags": PROD,
    "tags_all": PROD,
}


def group(name: str, frameworks: tuple[str, ...] = FRAMEWORKS, **changes: Any) -> Resource:
    """A variant of GOOD_GROUP (a change to None removes the attribute)."""
    return Resource(name, "aws_codedeploy_deployment_group", variant(GOOD_GROUP, **changes), frameworks=frameworks)


def lambda_group(name: str, **changes: Any) -> Resource:
    """A Lambda deployment group (it shifts an alias: no ECS service, load balancer or instances), dev tier."""
    return group(
        name,
        **{
            "deployment_config_name": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
            "ecs_service": None,
            "load_balancer_info": None,
            "blue_green_deployment_config": None,
            "tags": {"tier": "development"},
            "tags_all": {"tier": "development"},
            **changes,
        },
    )


def dev_group(name: str) -> Resource:
    """A dev-tier in-place, all-at-once group without safeguards: production-only checks pass it."""
    return group(
        name,
        tags={"tier": "dev"},
        tags_all={"tier": "dev"},
        deployment_style=[{"deployment_type": "IN_PLACE", "deployment_option": "WITHOUT_TRAFFIC_CONTROL"}],
        deployment_config_name="CodeDeployDefault.ECSAllAtOnce",
        auto_rollback_configuration=None,
        alarm_configuration=None,
        blue_green_deployment_config=None,
        load_balancer_info=None,
    )


# ---------------------------------------------------------------------------------- CodePipeline
SOURCE = {
    "name": "Source",
    "category": "Source",
    "owner": "AWS",
    "provider": "CodeStarSourceConnection",
    "version": "1",
    "output_artifacts": ["source"],
    "configuration": {
        "ConnectionArn": f"arn:aws:codeconnections:eu-west-1:{ACCOUNT}:connection/x",
        "FullRepositoryId": "org/app",
        "BranchName": "main",
    },
}
BUILD = {
    "name": "Build",
    "category": "Build",
    "owner": "AWS",
    "provider": "CodeBuild",
    "version": "1",
    "input_artifacts": ["source"],
    "output_artifacts": ["image"],
    "configuration": {"ProjectName": "build"},
}
APPROVE = {
    "name": "Approve",
    "category": "Approval",
    "owner": "AWS",
    "provider": "Manual",
    "version": "1",
    "configuration": {"NotificationArn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:approvals"},
}
BLUE_GREEN = {
    "name": "BlueGreen",
    "category": "Deploy",
    "owner": "AWS",
    "provider": "CodeDeployToECS",
    "version": "1",
    "input_artifacts": ["image"],
    "configuration": {"ApplicationName": "web", "DeploymentGroupName": "web-production"},
}
ECS_ROLLING = {
    "name": "Rolling",
    "category": "Deploy",
    "owner": "AWS",
    "provider": "ECS",
    "version": "1",
    "input_artifacts": ["image"],
    "configuration": {"ClusterName": "platform", "ServiceName": "web"},
}
STORE = {"location": "artifacts-bucket", "type": "S3", "encryption_key": [{"id": KEY_ARN, "type": "KMS"}]}


def pipeline(name: str, *stages: tuple[str, list[dict[str, Any]]], store: dict[str, Any] = STORE) -> Resource:
    """An aws_codepipeline with the given (stage name, actions) in order."""
    return Resource(
        name,
        "aws_codepipeline",
        {
            "name": name,
            "role_arn": f"arn:aws:iam::{ACCOUNT}:role/pipeline",
            "pipeline_type": "V2",
            "artifact_store": [store],
            "stage": [{"name": stage_name, "action": actions} for stage_name, actions in stages],
        },
    )


def good_pipeline(name: str) -> Resource:
    """Source, build, approval, then the production blue/green deploy: every pipeline check passes it."""
    return pipeline(
        name, ("Source", [SOURCE]), ("Build", [BUILD]), ("Approve", [APPROVE]), ("DeployProduction", [BLUE_GREEN])
    )


# ---------------------------------------------------------------------------------- supply chain
GOOD_REPO: dict[str, Any] = {
    "name": "web",
    "image_tag_mutability": "IMMUTABLE",
    "image_scanning_configuration": [{"scan_on_push": True}],
    "encryption_configuration": [{"encryption_type": "KMS", "kms_key": KEY_ARN}],
}
GOOD_PROJECT: dict[str, Any] = {
    "name": "build",
    "service_role": f"arn:aws:iam::{ACCOUNT}:role/build",
    "encryption_key": KEY_ARN,
    "artifacts": [{"type": "CODEPIPELINE"}],
    "source": [{"type": "CODEPIPELINE"}],
    "environment": [
        {
            "compute_type": "BUILD_GENERAL1_SMALL",
            "image": "aws/codebuild/standard:7.0",
            "type": "LINUX_CONTAINER",
            "privileged_mode": False,
        }
    ],
    "logs_config": [{"cloudwatch_logs": [{"status": "ENABLED", "group_name": "/build"}]}],
    "tags": {"tier": "production"},
}


def repository(name: str, frameworks: tuple[str, ...] = FRAMEWORKS, **changes: Any) -> Resource:
    """A variant of GOOD_REPO (immutable tags, scan on push, customer KMS key)."""
    return Resource(name, "aws_ecr_repository", variant(GOOD_REPO, **changes), frameworks=frameworks)


def project(name: str, **changes: Any) -> Resource:
    """A variant of GOOD_PROJECT (customer KMS key, CloudWatch logs, not privileged)."""
    return Resource(name, "aws_codebuild_project", variant(GOOD_PROJECT, **changes))


# ------------------------------------------------------------------------------------ documents
def plan_document(resources: list[Resource]) -> dict[str, Any]:
    """A `terraform show -json` plan holding the PLAN resources (planned_values, resource_changes, configuration)."""
    planned, changes, configuration = [], [], []
    for resource in (r for r in resources if PLAN in r.frameworks):
        common = {
            "address": resource.address,
            "mode": resource.mode,
            "type": resource.type,
            "name": resource.name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
        }
        planned.append({**common, "schema_version": 0, "values": resource.values, "sensitive_values": {}})
        changes.append(
            {
                **common,
                "change": {
                    "actions": ["read" if resource.mode == "data" else "create"],
                    "before": None,
                    "after": resource.values,
                    "after_unknown": {},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
        configuration.append(
            {
                **{k: common[k] for k in ("address", "mode", "type", "name")},
                "provider_config_key": "aws",
                "expressions": resource.expressions,
                "schema_version": 0,
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": "registry.terraform.io/hashicorp/aws",
                    "version_constraint": "5.100.0",
                }
            },
            "root_module": {"resources": configuration},
        },
    }


def synth_document(resources: list[Resource]) -> dict[str, Any]:
    """A cdktf-style cdk.tf.json holding the SYNTH resources."""
    synthesized: dict[str, Any] = {
        "terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.100.0"}}},
        "provider": {"aws": [{"region": "eu-west-1"}]},
        "resource": {},
        "data": {},
    }
    for resource in (r for r in resources if SYNTH in r.frameworks):
        section = synthesized["data" if resource.mode == "data" else "resource"]
        section.setdefault(resource.type, {})[resource.name] = resource.synth_values or resource.values
    return synthesized
