"""The emulator target: the provider pointed at the local emulator, plus the explicit emulator overlay.

Applied only to the emulator variant of a synthesized stack (`tooling.emulator.variant`: the copies that
`make deploy` applies, and cdktf.out/ when main.py runs with PLATFORM_TARGET=emulator); every real target and
every other synthesis never see any of it.

The overlay is data: each `OverlayItem` names a resource type, what is done to it, and the emulator
gap it works around (the README lists them). Actions:
  - ignore_changes: added to the resource's `lifecycle.ignore_changes` (merged with its own list) —
    perpetual diffs only.
  - remove: the resource is dropped from the emulator copy; `depends_on` entries and outputs that name
    it go with it; any other reference to it is an error unless the item gives a `replacement` value.
Server-side fixes to the emulator itself are in `tooling.emulator.patches`.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from envconfig.account import Account

# Every service the stacks use (canonical provider 5.x endpoint keys; CodeDeploy's is `deploy`).
EMULATED_SERVICES = (
    "iam",
    "sts",
    "s3",
    "kms",
    "ecr",
    "codebuild",
    "codepipeline",
    "deploy",
    "ecs",
    "elbv2",
    "elb",
    "ec2",
    "eks",
    "sns",
    "sqs",
    "logs",
    "cloudwatch",
    "events",
    "lambda",
    "ssm",
    "secretsmanager",
    "codeartifact",
    "codestarconnections",
    "codecommit",
    "autoscaling",
    "appautoscaling",
    "acm",
    "route53",
    "servicediscovery",
    "dynamodb",
)


def emulator_provider(endpoint: str) -> dict:
    """Provider arguments merged over the stack's own (region, allowed_account_ids and default tags stay:
    the emulator answers STS with the environment's account id, so the account guard still runs)."""
    return {
        "access_key": "emulator",
        "secret_key": "emulator",
        "max_retries": 2,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        "skip_requesting_account_id": False,
        "s3_use_path_style": True,
        "endpoints": {service: endpoint for service in EMULATED_SERVICES},
    }


# What references to a removed CodeStar connection become on the emulator (a placeholder account).
EMULATOR_CONNECTION_ARN = Account("000000000000", "eu-west-1").arn("codestar-connections", "connection/emulator")


@dataclass(frozen=True)
class OverlayItem:
    resource_type: str
    action: str  # "ignore_changes" | "remove"
    gap: str
    attributes: tuple[str, ...] = ()
    replacement: dict[str, Any] = field(default_factory=dict)  # remove: attribute -> literal for references


OVERLAY: tuple[OverlayItem, ...] = (
    OverlayItem(
        "aws_codeartifact_domain", "remove", "CodeArtifact is not implemented in moto 5.2.5 (no codeartifact backend)"
    ),
    OverlayItem(
        "aws_codeartifact_repository",
        "remove",
        "CodeArtifact is not implemented in moto 5.2.5 (no codeartifact backend)",
    ),
    OverlayItem(
        "aws_codeartifact_domain_permissions_policy",
        "remove",
        "CodeArtifact is not implemented in moto 5.2.5 (no codeartifact backend)",
    ),
    OverlayItem(
        "aws_codeartifact_repository_permissions_policy",
        "remove",
        "CodeArtifact is not implemented in moto 5.2.5 (no codeartifact backend)",
    ),
    OverlayItem(
        "aws_codestarconnections_connection",
        "remove",
        "CodeStar Connections is not implemented in moto 5.2.5",
        replacement={"arn": EMULATOR_CONNECTION_ARN, "id": EMULATOR_CONNECTION_ARN},
    ),
    OverlayItem("aws_codestarconnections_host", "remove", "CodeStar Connections is not implemented in moto 5.2.5"),
    OverlayItem(
        "aws_codestarnotifications_notification_rule",
        "remove",
        "CodeStar Notifications is not implemented in moto 5.2.5 (404)",
    ),
    OverlayItem("aws_codebuild_webhook", "remove", "CodeBuild CreateWebhook is not implemented in moto 5.2.5"),
    OverlayItem(
        "aws_codecommit_repository",
        "remove",
        "CodeCommit ListTagsForResource is not implemented in moto 5.2.5 (the provider reads tags after create)",
    ),
    OverlayItem(
        "aws_eks_access_entry",
        "remove",
        "EKS CreateAccessEntry/DescribeAccessEntry are not implemented in moto 5.2.5 (404)",
    ),
    OverlayItem(
        "aws_eks_access_policy_association",
        "remove",
        "EKS AssociateAccessPolicy is not implemented in moto 5.2.5 (404)",
    ),
    OverlayItem(
        "aws_codedeploy_deployment_config",
        "remove",
        "CodeDeploy CreateDeploymentConfig is not implemented in moto 5.2.5 (HTTP 500); the deployment "
        "group uses the built-in all-at-once ECS config on the emulator",
        replacement={
            "id": "CodeDeployDefault.ECSAllAtOnce",
            "deployment_config_name": "CodeDeployDefault.ECSAllAtOnce",
        },
    ),
    OverlayItem(
        "aws_ecs_service",
        "ignore_changes",
        "moto does not return `availabilityZoneRebalancing`: perpetual diff",
        attributes=("availability_zone_rebalancing",),
    ),
    OverlayItem(
        "aws_ecs_service",
        "ignore_changes",
        "moto's ECS CreateService/DescribeServices drop `enableECSManagedTags` and "
        "`healthCheckGracePeriodSeconds`: perpetual diff",
        attributes=("enable_ecs_managed_tags", "health_check_grace_period_seconds"),
    ),
    OverlayItem(
        "aws_vpc_security_group_ingress_rule",
        "ignore_changes",
        "moto drops the description of a rule that references another security group: perpetual diff",
        attributes=("description",),
    ),
    OverlayItem(
        "aws_vpc_security_group_egress_rule",
        "ignore_changes",
        "moto drops the description of a rule that references another security group: perpetual diff",
        attributes=("description",),
    ),
    OverlayItem(
        "aws_codedeploy_deployment_group",
        "ignore_changes",
        "moto returns the deployment group's `alarmConfiguration` differently: perpetual diff",
        attributes=("alarm_configuration",),
    ),
    OverlayItem(
        "aws_codedeploy_deployment_group",
        "ignore_changes",
        "moto returns an empty `loadBalancerInfo` for a group without one (a function service's Lambda group), "
        "which the provider reads as a block: perpetual diff",
        attributes=("load_balancer_info",),
    ),
    OverlayItem(
        "aws_eks_cluster",
        "ignore_changes",
        "moto does not return the cluster's `accessConfig`: perpetual diff that forces replacement",
        attributes=("access_config",),
    ),
    OverlayItem(
        "aws_eks_node_group",
        "ignore_changes",
        "moto invents a `remoteAccess` (ec2SshKey eksKeypair) for a node group with a launch template: "
        "perpetual diff that forces replacement",
        attributes=("remote_access",),
    ),
    OverlayItem(
        "aws_eks_node_group",
        "ignore_changes",
        "moto does not return the node group's `updateConfig`: perpetual diff",
        attributes=("update_config",),
    ),
    OverlayItem(
        "aws_launch_template",
        "ignore_changes",
        "moto drops a launch template's `tag_specifications` for resource type launch-template: perpetual diff",
        attributes=("tag_specifications",),
    ),
    OverlayItem(
        "aws_lambda_function",
        "ignore_changes",
        "moto returns an empty `ImageConfigResponse` (command and entry point []) for a function from a container "
        "image (which it creates without Docker, the image unchecked): perpetual diff",
        attributes=("image_config",),
    ),
)

_REFERENCE = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$")


class OverlayError(RuntimeError):
    pass


@dataclass
class OverlayResult:
    config: dict
    applied: list[str]  # "address: action (gap)" lines, for the log


def apply_overlay(config: dict, items: tuple[OverlayItem, ...] = OVERLAY) -> OverlayResult:
    config = copy.deepcopy(config)
    resources = config.get("resource", {})
    applied: list[str] = []
    removed: dict[str, OverlayItem] = {}  # "type.name" -> item
    for item in (i for i in items if i.action == "remove"):
        for name in list(resources.get(item.resource_type, {})):
            removed[f"{item.resource_type}.{name}"] = item
            applied.append(f"{item.resource_type}.{name}: removed ({item.gap})")
        resources.pop(item.resource_type, None)
    if removed:
        config = _drop_references(config, removed)
    for item in (i for i in items if i.action == "ignore_changes"):
        for name, body in config.get("resource", {}).get(item.resource_type, {}).items():
            lifecycle = body.setdefault("lifecycle", {})
            if lifecycle.get("ignore_changes") == "all":
                continue
            lifecycle["ignore_changes"] = list(dict.fromkeys([*lifecycle.get("ignore_changes", []), *item.attributes]))
            applied.append(f"{item.resource_type}.{name}: ignore_changes {list(item.attributes)} ({item.gap})")
    return OverlayResult(config, applied)


def _drop_references(config: dict, removed: dict[str, OverlayItem]) -> dict:
    for block in ("resource", "data"):
        for rtype, bodies in config.get(block, {}).items():
            for name, body in bodies.items():
                if "depends_on" in body:
                    body["depends_on"] = [d for d in body["depends_on"] if d not in removed]
                address = f"{rtype}.{name}" if block == "resource" else f"data.{rtype}.{name}"
                bodies[name] = _replace(body, removed, address)
    outputs = config.get("output", {})
    for name in list(outputs):
        if any(_mentions(json.dumps(outputs[name]), ref) for ref in removed):
            del outputs[name]
    return config


def _mentions(text: str, ref: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_.]){re.escape(ref)}\.", text) is not None


def _replace(value: Any, removed: dict[str, OverlayItem], address: str) -> Any:
    if isinstance(value, dict):
        return {k: _replace(v, removed, address) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, removed, address) for v in value]
    if isinstance(value, str) and "${" in value:
        for ref, item in removed.items():
            if not _mentions(value, ref):
                continue
            match = _REFERENCE.match(value)
            if match and f"{match[1]}.{match[2]}" == ref and match[3] in item.replacement:
                return item.replacement[match[3]]
            raise OverlayError(
                f"{address} references {ref}, which the emulator overlay removes "
                f"({item.gap}); give the overlay item a replacement for it"
            )
    return value


def markdown() -> str:
    """The README's list: every overlay item and emulator patch with the gap it works around."""
    from tooling.emulator.patches import PATCHES

    lines = ["| emulator overlay item | what it does on the emulator only | moto 5.2.5 gap |", "|---|---|---|"]
    for item in OVERLAY:
        action = (
            f"`ignore_changes = {list(item.attributes)}`"
            if item.action == "ignore_changes"
            else "removed"
            + (f" (references become {sorted(set(item.replacement.values()))[0]})" if item.replacement else "")
        )
        lines.append(f"| `{item.resource_type}` | {action} | {item.gap} |")
    for patch in PATCHES:
        lines.append(
            f"| emulator patch `{patch.name}` | fixed in the moto server process "
            f"(tooling/emulator/patches.py) | {patch.gap} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
