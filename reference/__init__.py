"""Reference data that the app, the checkov policies and the tests all read.

Plain JSON next to this file: checkov runs the policies in its own environment and reads these files
by path (`policies/dlp_base.py`), the app and the tests through the functions here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent


def _load(name: str) -> dict:
    return json.loads((REFERENCE_DIR / name).read_text())


@cache
def wildcard_resource_actions() -> dict[str, str]:
    """Actions allowed on `"Resource": "*"`, each with the reason AWS leaves no narrower resource."""
    return _load("wildcard_resource_actions.json")["actions"]


@cache
def resource_naming_conditions() -> dict[tuple[str, str], dict]:
    """(service, resource type) -> how a `<type>/*` resource is designated when the ARN cannot name it: a
    `condition_key`, or the `actions` that create such resources (reference/resource_naming_conditions.json)."""
    entries = _load("resource_naming_conditions.json")["types"]
    return {(entry["service"], entry["resource_type"]): entry for entry in entries}


@cache
def iam_reference_exceptions() -> dict[str, dict]:
    """action -> where AWS's service authorization reference and the service's documentation disagree."""
    return _load("iam_reference_exceptions.json")["exceptions"]


@cache
def service_calls() -> dict:
    """The API calls each role's service makes on its behalf (`samples` and `roles`)."""
    return _load("service_calls.json")


@cache
def codedeploy_ecs_managed_policy_review() -> dict:
    """AWSCodeDeployRoleForECS, action by action: granted to the CodeDeploy role, or not needed and why."""
    return _load("codedeploy_ecs_managed_policy_review.json")


@cache
def ecs_lifecycle_hooks() -> dict[str, tuple[str, ...]]:
    """ECS deployment lifecycle event -> the listeners that route to the replacement task set when its hook runs,
    in AWS's run order (reference/ecs_lifecycle_hooks.json, with the documentation it comes from)."""
    return {
        entry["event"]: tuple(entry["listeners_on_replacement"])
        for entry in _load("ecs_lifecycle_hooks.json")["events"]
    }


def elb_log_delivery_accounts() -> dict[str, str]:
    """region -> the AWS-owned Elastic Load Balancing account that delivers ALB access logs there."""
    return _load("elb_log_delivery_accounts.json")["accounts"]
