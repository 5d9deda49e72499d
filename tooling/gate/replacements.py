"""Plans that would undo a blue/green release: replacing (delete + create) a listener or target group that
a CodeDeploy deployment group uses.

CodeDeploy rewires the listeners after every release (the production listener forwards to whichever
target group holds the live tasks), and Terraform follows that only for resources that stay: it ignores
their `default_action`, and port, protocol and certificate changes modify a listener in place
(ModifyListener). A replaced listener, however, is created from the configuration: it forwards to the
blue target group, which is empty after an odd number of releases, and production goes dark. A replaced
target group loses its registered tasks (and, in use by a listener, cannot be deleted at all). Such a
change needs a planned migration, not an apply: this check finds it in any plan JSON (`terraform show
-json`) that has a prior state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from tooling.gate.reports import Finding

GUARDED_TYPES = ("aws_lb_listener", "aws_lb_target_group")
_PAIR = ("load_balancer_info", "target_group_pair_info")


def replaced(change: dict) -> bool:
    actions = change.get("change", {}).get("actions", [])
    return "delete" in actions and "create" in actions


def unsafe_replacements(document: dict) -> list[str]:
    """Addresses of the listeners and target groups of CodeDeploy deployment groups that the plan replaces,
    each with the attributes that force it (Terraform's `replace_paths`)."""
    used = _used_by_deployment_groups(document)
    found = []
    for change in document.get("resource_changes", []):
        if change["type"] in GUARDED_TYPES and replaced(change) and _identities(change) & used:
            forced = [".".join(str(step) for step in path) for path in change.get("replace_paths", [])]
            found.append(f"{change['address']} (replaced: {', '.join(forced) or 'a dependency is replaced'})")
    return found


def _identities(change: dict) -> set[str]:
    """What a deployment group may call the resource: its address, ARN or name (before the change)."""
    before = change.get("change", {}).get("before") or {}
    return {change["address"], *(str(before[key]) for key in ("arn", "name") if before.get(key))}


def _used_by_deployment_groups(document: dict) -> set[str]:
    """Listeners and target groups the plan's deployment groups name: by configuration reference, or by
    value (listener ARNs, target group names) when the values are known."""
    used: set[str] = set()
    for resource in document.get("configuration", {}).get("root_module", {}).get("resources", []):
        if resource["type"] == "aws_codedeploy_deployment_group":
            for expression in _pair_expressions(resource.get("expressions", {})):
                used.update(expression.get("references", []))
    for change in document.get("resource_changes", []):
        if change["type"] == "aws_codedeploy_deployment_group":
            for values in (change["change"].get("before"), change["change"].get("after")):
                used.update(_pair_values(values or {}))
    return used


def _pair_expressions(expressions: dict) -> Iterator[dict]:
    for pair in _nested(expressions, *_PAIR):
        for route in ("prod_traffic_route", "test_traffic_route"):
            yield from (route_block.get("listener_arns", {}) for route_block in _nested(pair, route))
        yield from (group.get("name", {}) for group in _nested(pair, "target_group"))


def _pair_values(values: dict) -> Iterator[str]:
    for pair in _nested(values, *_PAIR):
        for route in ("prod_traffic_route", "test_traffic_route"):
            for route_block in _nested(pair, route):
                yield from (arn for arn in route_block.get("listener_arns") or [] if arn)
        yield from (group["name"] for group in _nested(pair, "target_group") if group.get("name"))


def _nested(value, *path: str) -> list[dict]:
    """The blocks at `path` (plan JSON writes nested blocks as lists of objects)."""
    blocks = [value]
    for key in path:
        found = [block.get(key) for block in blocks]
        blocks = [
            item
            for items in found
            for item in (items if isinstance(items, list) else [items])
            if isinstance(item, dict)
        ]
    return blocks


REPLACEMENT_CHECK = (
    "DLP_REPLACE_1",
    "Ensure no plan replaces a listener or target group a CodeDeploy deployment group uses",
)


def replacement_findings(plan_files: dict[str, Path]) -> list[Finding]:
    """One FAILED gate finding per unsafe replacement in each stack's plan JSON (`{stack: path}`); plans
    without prior state (the PR gate's own) have none, HCP Terraform's (`--plans`, the run task) may."""
    check_id, name = REPLACEMENT_CHECK
    return [
        Finding(
            stack, "terraform_plan", check_id, name, address.split(" ", 1)[0], "FAILED", str(path), details=[address]
        )
        for stack, path in plan_files.items()
        for address in unsafe_replacements(json.loads(path.read_text()))
    ]
