"""The one reader of `terraform show -json` plan documents, shared by the plan harness, the policy gate
(broadening) and the plan-JSON tests: planned resources of the root and child modules, configuration
expressions, values unknown until apply, and every IAM policy document (identity, inline, trust,
resource) as a list of statements.

policies/dlp_base.py keeps its own reading: it runs inside checkov's process, on checkov's parse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# resource type -> (attribute holding a policy document, kind: identity | trust | resource)
POLICY_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "aws_iam_role": ("assume_role_policy", "trust"),
    "aws_iam_role_policy": ("policy", "identity"),
    "aws_iam_policy": ("policy", "identity"),
    "aws_iam_user_policy": ("policy", "identity"),
    "aws_iam_group_policy": ("policy", "identity"),
    "aws_kms_key": ("policy", "resource"),
    "aws_kms_key_policy": ("policy", "resource"),
    "aws_s3_bucket_policy": ("policy", "resource"),
    "aws_sns_topic": ("policy", "resource"),
    "aws_sns_topic_policy": ("policy", "resource"),
    "aws_sqs_queue_policy": ("policy", "resource"),
    "aws_ecr_repository_policy": ("policy", "resource"),
    "aws_ecr_registry_policy": ("policy", "resource"),
    "aws_secretsmanager_secret_policy": ("policy", "resource"),
}
INLINE_POLICY = "inline_policy"  # aws_iam_role's embedded identity policies


def as_list(value: Any) -> list:
    """A policy element as a list: None -> [], a list or tuple -> its items, anything else -> [value]."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def statements(policy: Any) -> list[dict] | None:
    """The statements of a policy document (a JSON string or a dict), always a list; None when it
    cannot be read (unknown until apply, or not a JSON object)."""
    if isinstance(policy, str):
        if not policy.strip():
            return []
        try:
            policy = json.loads(policy)
        except ValueError:
            return None
    if not isinstance(policy, dict):
        return None
    return [s for s in as_list(policy.get("Statement", [])) if isinstance(s, dict)]


@dataclass(frozen=True)
class PolicyDocument:
    """One policy document a planned resource carries."""

    resource: dict  # the planned resource (address, type, values)
    attribute: str  # where the document sits: policy, assume_role_policy or inline_policy
    kind: str  # identity | trust | resource
    value: Any  # as planned: a JSON string, a dict, or None (unknown until apply, or absent)

    @property
    def address(self) -> str:
        return self.resource["address"]

    @property
    def statements(self) -> list[dict] | None:
        return statements(self.value)


@dataclass
class Plan:
    """A plan document, with where it came from when the harness made it."""

    document: dict
    stack: str = ""
    directory: Path | None = None
    seconds: float = 0.0  # how long init + plan + show took

    @property
    def resources(self) -> list[dict]:
        """Every planned resource (root and child modules, managed and data) with its `values`."""
        found, modules = [], [self.document.get("planned_values", {}).get("root_module", {})]
        while modules:
            module = modules.pop()
            found += module.get("resources", [])
            modules += module.get("child_modules", [])
        return found

    @property
    def managed_resources(self) -> list[dict]:
        """The planned resources Terraform manages (no data sources)."""
        return [r for r in self.resources if r.get("mode", "managed") == "managed"]

    def of_type(self, resource_type: str) -> list[dict]:
        return [r for r in self.resources if r["type"] == resource_type]

    def managed_resource(self, address: str) -> dict | None:
        return next((r for r in self.managed_resources if r["address"] == address), None)

    def changes(self) -> list[dict]:
        return self.document.get("resource_changes", [])

    def unknown_after_apply(self, address: str, attribute: str) -> bool:
        """True when the attribute's value is known only after apply."""
        for change in self.changes():
            if change.get("address") == address:
                return bool((change.get("change", {}).get("after_unknown") or {}).get(attribute))
        return False

    def configuration_resources(self) -> Iterator[dict]:
        """The configuration's resources, the root module's first."""
        modules = [self.document.get("configuration", {}).get("root_module", {})]
        while modules:
            module = modules.pop()
            yield from module.get("resources", [])
            modules += [call.get("module", {}) for call in module.get("module_calls", {}).values()]

    def expression(self, address: str, attribute: str) -> dict | None:
        """The configuration expression of a resource's attribute (a dotted path through nested blocks);
        None when the configuration has no such resource."""
        for resource in self.configuration_resources():
            if resource.get("address") == address:
                expression = resource.get("expressions", {})
                for key in attribute.split("."):
                    expression = expression[0] if isinstance(expression, list) else expression
                    expression = expression.get(key, {})
                return expression
        return None

    def references(self, address: str, attribute: str) -> list[str]:
        """What a resource's attribute is wired to in the configuration: the way to check values that
        stay unknown until apply."""
        expression = self.expression(address, attribute)
        if expression is None:
            raise KeyError(address)
        return expression.get("references", [])

    def policies(self, *kinds: str) -> Iterator[PolicyDocument]:
        """Every policy document of the managed resources (of the given kinds; all without), in plan
        order: a role's trust policy, then its inline policies."""
        for resource in self.managed_resources:
            if resource["type"] not in POLICY_ATTRIBUTES:
                continue
            values = resource.get("values") or {}
            attribute, kind = POLICY_ATTRIBUTES[resource["type"]]
            found = [PolicyDocument(resource, attribute, kind, values.get(attribute))]
            if resource["type"] == "aws_iam_role":
                found += [
                    PolicyDocument(resource, INLINE_POLICY, "identity", inline.get("policy"))
                    for inline in as_list(values.get(INLINE_POLICY))
                    if isinstance(inline, dict)
                ]
            yield from (policy for policy in found if not kinds or policy.kind in kinds)


def plan_files(directory: Path) -> dict[str, Path]:
    """stack -> plan JSON file in a directory of `<stack>.json` or `<stack>/plan.json` (the former wins)."""
    files = {p.stem: p for p in sorted(Path(directory).glob("*.json"))}
    for path in sorted(Path(directory).glob("*/plan.json")):
        files.setdefault(path.parent.name, path)
    return files


def load_documents(directory: Path) -> dict[str, dict]:
    """stack -> plan document, for every plan JSON file in the directory (see plan_files)."""
    return {stack: json.loads(path.read_text()) for stack, path in plan_files(directory).items()}


def load_plans(directory: Path) -> dict[str, Plan]:
    """stack -> Plan from plan JSON files made earlier (the gate's, or a CI artifact)."""
    files = plan_files(directory)
    if not files:
        raise FileNotFoundError(f"no plan JSON in {directory} (expected <stack>.json or <stack>/plan.json)")
    return {stack: Plan(json.loads(path.read_text()), stack, path.parent) for stack, path in files.items()}
