"""A resource-level evaluator for IAM identity policies: does this set of policies allow one request?

It implements the part of AWS's policy evaluation logic
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html) that
identity policies of one account use: an explicit Deny wins, then any Allow, else the implicit deny.
A statement applies when its Action (or NotAction), its Resource (or NotResource) and every one of
its conditions match. Supported condition operators are the ones the project's policies use; any
other operator, or a policy variable, raises instead of guessing (`PolicyEvaluationError`).

Not modelled: resource policies, SCPs, permission boundaries and session policies (the project sets
none on these roles), and KMS grants.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from tooling.harness.planjson import as_list


class PolicyEvaluationError(ValueError):
    """A policy this evaluator cannot judge faithfully (unknown operator, policy variable, bad ARN)."""


@dataclass(frozen=True)
class Request:
    """One authorization request: `action` on `resource` ("*" for actions without a resource type),
    with the request context's condition keys (a value is a string, or a list for multivalued keys)."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # "allowed" | "explicit deny" | "implicit deny"
    statement: dict | None = None  # the statement that decided (the Deny, or one Allow)


@cache
def _glob(pattern: str, case_sensitive: bool, colon_free: bool = False) -> re.Pattern:
    """IAM wildcards: `*` any run of characters, `?` one character (within an ARN segment when
    `colon_free`)."""
    any_run, one = ("[^:]*", "[^:]") if colon_free else (".*", ".")
    parts = (any_run if c == "*" else one if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def string_like(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    return _glob(pattern, case_sensitive).fullmatch(value) is not None


def arn_like(pattern: str, arn: str) -> bool:
    """ARN matching as IAM does it for Resource and ArnLike: segment by segment (partition, service,
    region, account), wildcards inside a segment; the resource part (the rest) may hold `:` and `/`."""
    if pattern == "*":
        return True
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6 or pattern_parts[0] != "arn" or arn_parts[0] != "arn":
        return False
    segments = zip(pattern_parts[1:5], arn_parts[1:5], strict=True)
    return (
        all(_glob(p, True, colon_free=True).fullmatch(a) for p, a in segments)
        and _glob(pattern_parts[5], True).fullmatch(arn_parts[5]) is not None
    )


def action_matches(patterns: Iterable[str], action: str) -> bool:
    """Action names are case-insensitive; `*` and `?` wildcards (e.g. `s3:Get*`)."""
    return any(string_like(pattern, action, case_sensitive=False) for pattern in patterns)


def resource_matches(patterns: Iterable[str], resource: str) -> bool:
    for pattern in patterns:
        if "${" in pattern:
            raise PolicyEvaluationError(f"policy variables are not supported: {pattern!r}")
        if pattern == "*" or (resource != "*" and arn_like(pattern, resource)):
            return True
    return False


def _context_value(context: Mapping, key: str):
    """Condition keys are case-insensitive; None when the request does not carry the key."""
    lowered = key.lower()
    return next((value for name, value in context.items() if name.lower() == lowered), None)


def _bool(value: str) -> str:
    return str(value).lower()


# operator -> (how one context value matches one policy value)
_MATCHERS = {
    "StringEquals": lambda policy, actual: policy == actual,
    "StringNotEquals": lambda policy, actual: policy != actual,
    "StringEqualsIgnoreCase": lambda policy, actual: policy.lower() == actual.lower(),
    "StringLike": lambda policy, actual: string_like(policy, actual),
    "ArnEquals": lambda policy, actual: arn_like(policy, actual),
    "ArnLike": lambda policy, actual: arn_like(policy, actual),
    "Bool": lambda policy, actual: _bool(policy) == _bool(actual),
}
_NEGATED = {"StringNotEquals"}


def _condition_holds(operator: str, key: str, policy_values: list, context: Mapping) -> bool:
    for value in policy_values:
        if isinstance(value, str) and "${" in value:
            raise PolicyEvaluationError(f"policy variables are not supported: {key} {value!r}")
    actual = _context_value(context, key)
    if operator == "Null":
        (expected,) = {_bool(value) for value in policy_values}
        return (actual is None) == (expected == "true")
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in _MATCHERS or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise PolicyEvaluationError(f"condition operator {operator!r} is not supported")
    matcher = _MATCHERS[base]
    if actual is None:
        return if_exists or qualifier == "ForAllValues"
    values = [str(v) for v in policy_values]
    if qualifier == "ForAnyValue":
        return any(matcher(p, a) for a in as_list(actual) for p in values)
    if qualifier == "ForAllValues":
        return all(any(matcher(p, a) for p in values) for a in as_list(actual))
    if isinstance(actual, list):
        raise PolicyEvaluationError(f"{operator} on the multivalued key {key}: use ForAnyValue/ForAllValues")
    if base in _NEGATED:
        return all(matcher(p, actual) for p in values)
    return any(matcher(p, actual) for p in values)


def conditions_hold(conditions: Mapping, context: Mapping) -> bool:
    """Every operator, and within an operator every key, must hold (AND); a key's values are ORed."""
    return all(
        _condition_holds(operator, key, as_list(values), context)
        for operator, keys in (conditions or {}).items()
        for key, values in keys.items()
    )


def statement_applies(statement: Mapping, request: Request) -> bool:
    if "Action" in statement:
        if not action_matches(as_list(statement["Action"]), request.action):
            return False
    elif "NotAction" in statement:
        if action_matches(as_list(statement["NotAction"]), request.action):
            return False
    else:
        raise PolicyEvaluationError(f"statement without Action or NotAction: {statement}")
    if "Resource" in statement:
        if not resource_matches(as_list(statement["Resource"]), request.resource):
            return False
    elif "NotResource" in statement:
        if resource_matches(as_list(statement["NotResource"]), request.resource):
            return False
    else:
        raise PolicyEvaluationError(f"statement without Resource or NotResource: {statement}")
    return conditions_hold(statement.get("Condition", {}), request.context)


def statements_of(policies: Iterable[dict | str]) -> list[dict]:
    """The statements of policy documents (dicts or JSON strings)."""
    found = []
    for policy in policies:
        document = json.loads(policy) if isinstance(policy, str) else policy
        found += as_list(document.get("Statement"))
    return found


def evaluate(policies: Iterable[dict | str], request: Request) -> Decision:
    """The decision of the identity policies `policies` on `request`."""
    allow = None
    for statement in statements_of(policies):
        if not statement_applies(statement, request):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return Decision(False, "explicit deny", statement)
        if effect != "Allow":
            raise PolicyEvaluationError(f"statement with Effect {effect!r}")
        allow = allow or statement
    return Decision(True, "allowed", allow) if allow else Decision(False, "implicit deny")
