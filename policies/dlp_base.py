"""Shared bases and helpers for the project's checkov policies (this file defines no check).

Checkov hands a check the resource configuration with every value wrapped in a list, from two
sources: Terraform plan JSON (values resolved; IAM documents are JSON strings or already-parsed
dicts; values unknown until apply appear as a bare reference such as `aws_kms_key.k.arn`) and
cdktf's synthesized `cdk.tf.json` (values may be `${...}` interpolations). Helpers here unwrap
those values and report "unresolved" so that a check answers UNKNOWN (not reported) instead of a
false PASSED/FAILED.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from checkov.common.graph.graph_builder.graph_components.attribute_names import CustomAttributes
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

PASSED, FAILED, UNKNOWN = CheckResult.PASSED, CheckResult.FAILED, CheckResult.UNKNOWN

# A plan-JSON reference that stands in for a value unknown until apply, e.g. `aws_iam_role.r.arn`.
_PLAN_REFERENCE = re.compile(
    r"^(module\.[\w-]+(\[[^\]]*\])?\.)*(data\.)?aws_[a-z0-9_]+\.[\w-]+(\[[^\]]*\])?(\.[\w-]+)*$"
)
# Keys checkov adds to blocks: line numbers, and `references_` (CustomAttributes.REFERENCES: the plan's
# configuration references of the block's attributes, which are not attribute values).
_INTERNAL_KEYS = ("start_line", "end_line", CustomAttributes.REFERENCES)
# Data the app reads too (reference/ at the repository root); checkov's process reads it by path.
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"


def reference_data(name: str) -> Any:
    return json.loads((REFERENCE_DIR / name).read_text())


# ---------------------------------------------------------------------------- value helpers
def first(value: Any) -> Any:
    """Unwrap checkov's single-element list wrapping (repeatedly)."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def as_list(value: Any) -> list[Any]:
    """A flat list of the items of a (possibly doubly wrapped) list value; [] for None."""
    if value is None:
        return []
    if not isinstance(value, list):
        return [value]
    out: list[Any] = []
    for item in value:
        out.extend(as_list(item) if isinstance(item, list) else [item])
    return out


def is_unresolved(value: Any) -> bool:
    """True for a `${...}` interpolation or a plan-JSON reference placeholder."""
    return isinstance(value, str) and ("${" in value or bool(_PLAN_REFERENCE.match(value)))


def contains_unresolved(value: Any) -> bool:
    if isinstance(value, dict):
        return any(contains_unresolved(v) for k, v in value.items() if not _is_internal(k))
    if isinstance(value, list):
        return any(contains_unresolved(v) for v in value)
    return is_unresolved(value)


def _is_internal(key: str) -> bool:
    return key.startswith("__") or key in _INTERNAL_KEYS


def block(conf: Any, *path: str) -> Any:
    """Follow nested blocks (`block(conf, "a", "b")` ~ conf.a[0].b[0]); None when missing.

    Returns the unwrapped leaf value, which may be a dict, a scalar, a list or an unresolved string.
    """
    current = conf
    for key in path:
        current = first(current)
        if not isinstance(current, dict):
            return current if is_unresolved(current) else None
        current = current.get(key)
    return first(current)


def is_truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def combine(results: Iterable[CheckResult], unknown: bool = False) -> CheckResult:
    """FAILED if any result failed, else UNKNOWN if anything was unknown, else PASSED."""
    results = list(results)
    if FAILED in results:
        return FAILED
    if unknown or UNKNOWN in results:
        return UNKNOWN
    return PASSED


# ---------------------------------------------------------------------------- tags / tier
def tag(conf: dict[str, Any], key: str) -> Any:
    """Value of tag `key` from `tags` or `tags_all`: the string, None if absent, UNKNOWN if unresolved."""
    found_unresolved = False
    for attr in ("tags", "tags_all"):
        tags = first(conf.get(attr))
        if is_unresolved(tags):
            found_unresolved = True
        elif isinstance(tags, dict) and key in tags:
            value = first(tags[key])
            if is_unresolved(value):
                found_unresolved = True
            elif value is not None:
                return value
    return UNKNOWN if found_unresolved else None


def production(conf: dict[str, Any]) -> bool | None:
    """True when tagged tier=production, False when not, None when the tags are unresolved."""
    tier = tag(conf, "tier")
    if tier is UNKNOWN:
        return None
    return isinstance(tier, str) and tier.lower() == "production"


class DlpResourceCheck(BaseResourceCheck):
    """Base for the project's resource checks: subclasses set ID, NAME, RESOURCES and define evaluate()."""

    ID = ""
    NAME = ""
    RESOURCES: tuple[str, ...] = ()
    CATEGORY = CheckCategories.GENERAL_SECURITY

    def __init__(self) -> None:
        super().__init__(name=self.NAME, id=self.ID, categories=(self.CATEGORY,), supported_resources=self.RESOURCES)

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        return self.evaluate(conf)

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:  # pragma: no cover - overridden
        raise NotImplementedError

    def fail(self, reason: str) -> CheckResult:
        self.details.append(reason)
        return FAILED


class ProductionResourceCheck(DlpResourceCheck):
    """Base for checks that only apply to resources tagged tier=production (others pass)."""

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        is_production = production(conf)
        if is_production is None:
            return UNKNOWN
        return self.evaluate_production(conf) if is_production else PASSED

    def evaluate_production(self, conf: dict[str, Any]) -> CheckResult:  # pragma: no cover
        raise NotImplementedError


# ---------------------------------------------------------------------------- wildcards
# Every wildcard counts (`*` and `?`, anywhere). The same scope rule as the app's Statement guard
# (modules/shared/statements.py, resource_scope_error), for checkov's runtime: a wildcard may stand in a
# resource ARN only below a named resource - never in the partition, service, region or account field,
# never in the resource type, after it only behind a literal name prefix (`log-group:/aws/lambda/x:*`); for
# ARNs that start with the name (S3, SNS, SQS, CodeCommit) never in that name (`arn:aws:s3:::bucket/*`);
# `<type>/*` alone only with the condition key that designates the resources instead
# (reference/resource_naming_conditions.json: KMS keys by kms:ResourceAliases), with literal values, or
# for the actions that create such resources (network interfaces Lambda creates).
WILDCARDS = ("*", "?")
NAME_FIRST_SERVICES = ("s3", "sns", "sqs", "codecommit")
_ARN = re.compile(
    r"^arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):"
    r"(?P<resource>.*)$",
    re.DOTALL,
)
_RESOURCE_PART = re.compile(r"^(?P<head>[^/:]*)[/:]?(?P<rest>.*)$", re.DOTALL)
_NAMED_PREFIX = re.compile(r"^[^*?]*[A-Za-z0-9]")
_DESIGNATIONS = {
    (entry["service"], entry["resource_type"]): entry
    for entry in reference_data("resource_naming_conditions.json")["types"]
}


def has_wildcard(value: Any) -> bool:
    return isinstance(value, str) and any(wildcard in value for wildcard in WILDCARDS)


def resource_scope_error(
    resource: str, condition_values: dict[str, list[Any]] | None = None, actions: Iterable[Any] = ()
) -> str:
    """Why `resource` is as broad as `*` ("" when it has no wildcard or one scoped below a named resource).

    `condition_values`: the statement's {lower-case condition key: values}; `actions`: its actions."""
    if not has_wildcard(resource):
        return ""
    arn = _ARN.match(resource)
    if not arn:
        return "a wildcard that is not inside an ARN"
    for part in ("partition", "service", "region", "account"):
        if has_wildcard(arn[part]):
            return f"a wildcard in the ARN's {part}"
    head, rest = _RESOURCE_PART.match(arn["resource"]).group("head", "rest")
    if has_wildcard(head) or not _NAMED_PREFIX.match(head):
        return (
            "a wildcard in the resource's name"
            if arn["service"] in NAME_FIRST_SERVICES
            else "a wildcard in the resource type"
        )
    if arn["service"] in NAME_FIRST_SERVICES or _NAMED_PREFIX.match(rest):
        return ""
    designation = _DESIGNATIONS.get((arn["service"], head), {})
    condition_key = designation.get("condition_key", "").lower()
    designated = (condition_values or {}).get(condition_key) if condition_key else None
    if designated and not any(has_wildcard(value) for value in designated):
        return ""
    actions = {str(action).lower() for action in actions}
    if actions and actions <= {action.lower() for action in designation.get("actions", ())}:
        return ""
    return f"no literal name before the wildcard after {head!r}"


def source_arn_error(value: Any) -> str:
    """Why an aws:SourceArn value does not pin the account ("" when its partition, service, region and
    account fields are literal; the resource part may be a pattern, as AWS documents `arn:aws:ecs:r:a:*`)."""
    if is_unresolved(value):
        return ""
    arn = _ARN.match(value) if isinstance(value, str) else None
    if not arn:
        return f"{value!r} is not an ARN"
    wild = [part for part in ("partition", "service", "region", "account") if has_wildcard(arn[part])]
    return f"a wildcard in the ARN's {', '.join(wild)}" if wild else ""


def source_condition_error(condition_values: dict[str, list[Any]]) -> str:
    """Why a statement that lets a service principal act for this account does not pin the account with a
    literal aws:SourceAccount or aws:SourceArn ("" when it does). `condition_values`: {lower-case key: values}."""
    accounts, arns = condition_values.get("aws:sourceaccount"), condition_values.get("aws:sourcearn")
    if accounts and not any(has_wildcard(account) for account in accounts):
        return ""
    if arns and not any(source_arn_error(arn) for arn in arns):
        return ""
    if accounts or arns:
        return f"a wildcard source condition: {', '.join(map(str, (accounts or []) + (arns or [])))}"
    return "no aws:SourceAccount/aws:SourceArn"


# ---------------------------------------------------------------------------- IAM statements
class Statement:
    """One IAM statement, normalised from policy JSON or an aws_iam_policy_document block."""

    def __init__(
        self,
        effect: Any,
        actions: Any,
        not_actions: Any,
        resources: Any,
        not_resources: Any,
        principals: dict[str, list[Any]] | None,
        conditions: list[tuple[Any, Any, list[Any]]],
    ) -> None:
        self.effect = first(effect) if effect is not None else "Allow"
        self.actions = as_list(actions)
        self.not_actions = as_list(not_actions)
        self.resources = as_list(resources)
        self.not_resources = as_list(not_resources)
        self.principals = principals or {}
        self.conditions = conditions

    @property
    def allows(self) -> bool:
        return isinstance(self.effect, str) and self.effect.lower() == "allow"

    @property
    def has_principal(self) -> bool:
        return bool(self.principals)

    def condition_keys(self) -> set[str]:
        return {key.lower() for _, key, _ in self.conditions if isinstance(key, str)}

    def condition_values(self) -> dict[str, list[Any]]:
        """{lower-case condition key: its values} over every operator."""
        found: dict[str, list[Any]] = {}
        for _, key, values in self.conditions:
            if isinstance(key, str):
                found.setdefault(key.lower(), []).extend(values)
        return found

    def may_allow(self, action: str) -> bool | None:
        """Whether this statement's Action/NotAction can grant `action` (None if unresolved)."""
        if self.not_actions:
            if any(is_unresolved(a) for a in self.not_actions):
                return None
            return not any(fnmatch.fnmatchcase(action.lower(), str(a).lower()) for a in self.not_actions)
        if any(
            isinstance(a, str) and not is_unresolved(a) and fnmatch.fnmatchcase(action.lower(), a.lower())
            for a in self.actions
        ):
            return True
        return None if any(is_unresolved(a) for a in self.actions) else False

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Statement:
        principal = raw.get("Principal")
        principals: dict[str, list[Any]] = {}
        if principal == "*":
            principals = {"*": ["*"]}
        elif isinstance(principal, dict):
            principals = {k: as_list(v) for k, v in principal.items()}
        for k, v in (raw.get("NotPrincipal") or {}).items() if isinstance(raw.get("NotPrincipal"), dict) else []:
            principals.setdefault(k, []).extend(as_list(v))
        conditions = []
        condition = raw.get("Condition")
        if isinstance(condition, dict):
            for operator, keys in condition.items():
                if isinstance(keys, dict):
                    conditions.extend((operator, key, as_list(values)) for key, values in keys.items())
        return cls(
            raw.get("Effect"),
            raw.get("Action"),
            raw.get("NotAction"),
            raw.get("Resource"),
            raw.get("NotResource"),
            principals,
            conditions,
        )

    @classmethod
    def from_document_block(cls, raw: dict[str, Any]) -> Statement:
        principals: dict[str, list[Any]] = {}
        for key in ("principals", "not_principals"):
            for p in as_list(raw.get(key)):
                if isinstance(p, dict):
                    principals.setdefault(str(first(p.get("type"))), []).extend(as_list(p.get("identifiers")))
        conditions = [
            (first(c.get("test")), first(c.get("variable")), as_list(c.get("values")))
            for c in as_list(raw.get("condition"))
            if isinstance(c, dict)
        ]
        return cls(
            raw.get("effect"),
            raw.get("actions"),
            raw.get("not_actions"),
            raw.get("resources"),
            raw.get("not_resources"),
            principals,
            conditions,
        )


def parse_policy(value: Any) -> list[Statement] | None:
    """Statements of a policy given as a dict or JSON string; None when it cannot be read (unresolved)."""
    value = first(value)
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    statements = value.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return None
    return [Statement.from_json(s) for s in statements if isinstance(s, dict)]


def document_statements(conf: dict[str, Any]) -> tuple[list[Statement], bool]:
    """Statements of an aws_iam_policy_document data source; (statements, anything_unresolved)."""
    raw = conf.get("statement")
    unresolved = any(is_unresolved(s) for s in as_list(raw))
    return [Statement.from_document_block(s) for s in as_list(raw) if isinstance(s, dict)], unresolved


IAM_PERMISSION_RESOURCES = (
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role",
)


def permission_policies(conf: dict[str, Any], resource_type: str) -> Iterator[Any]:
    """The identity-policy values a resource carries (aws_iam_role: its inline_policy blocks)."""
    if resource_type == "aws_iam_role":
        for inline in as_list(conf.get("inline_policy")):
            if isinstance(inline, dict):
                yield inline.get("policy")
            elif is_unresolved(inline):
                yield inline
    else:
        yield conf.get("policy")


class IamStatementCheck(BaseResourceCheck):
    """Base for checks judging IAM statements one by one.

    The same check object covers the identity-policy resources and, through a twin data check with
    the same ID (see `document_check()`), aws_iam_policy_document data sources in synthesized JSON.
    Subclasses set ID and NAME and define `applies(statement)` and `evaluate_statement(statement)`.
    """

    ID = ""
    NAME = ""
    RESOURCES: tuple[str, ...] = IAM_PERMISSION_RESOURCES

    def __init__(self) -> None:
        super().__init__(
            name=self.NAME, id=self.ID, categories=(CheckCategories.IAM,), supported_resources=self.RESOURCES
        )

    def statements(self, conf: dict[str, Any]) -> tuple[list[Statement], bool]:
        found: list[Statement] = []
        unresolved = False
        for policy in permission_policies(conf, self.entity_type):
            parsed = parse_policy(policy)
            if parsed is None:
                unresolved = True
            else:
                found.extend(parsed)
        return found, unresolved

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        statements, unresolved = self.statements(conf)
        return self.judge(statements, unresolved)

    def judge(self, statements: list[Statement], unresolved: bool) -> CheckResult:
        results = []
        for statement in statements:
            if self.applies(statement):
                result = self.evaluate_statement(statement)
                results.append(result)
        return combine(results, unresolved)

    def applies(self, statement: Statement) -> bool:
        """Default: Allow statements of identity policies (no Principal)."""
        return statement.allows and not statement.has_principal

    def evaluate_statement(self, statement: Statement) -> CheckResult:  # pragma: no cover
        raise NotImplementedError

    def fail(self, reason: str) -> CheckResult:
        self.details.append(reason)
        return FAILED

    def document_check(self) -> PolicyDocumentCheck:
        return PolicyDocumentCheck(self)


class PolicyDocumentCheck(BaseDataCheck):
    """Runs an IamStatementCheck on aws_iam_policy_document data sources, under the same ID."""

    def __init__(self, twin: IamStatementCheck) -> None:
        self.twin = twin
        super().__init__(
            name=twin.name, id=twin.id, categories=twin.categories, supported_data=("aws_iam_policy_document",)
        )

    def scan_data_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        self.twin.details = self.details
        statements, unresolved = document_statements(conf)
        return self.twin.judge(statements, unresolved)


class ProductionEcsDeploymentGroupCheck(ProductionResourceCheck):
    """Base for checks on aws_codedeploy_deployment_group for ECS (has ecs_service) in production."""

    RESOURCES = ("aws_codedeploy_deployment_group",)

    def evaluate_production(self, conf: dict[str, Any]) -> CheckResult:
        if not as_list(conf.get("ecs_service")):
            return PASSED
        return self.evaluate_group(conf)

    def evaluate_group(self, conf: dict[str, Any]) -> CheckResult:  # pragma: no cover
        raise NotImplementedError


# Blocks a deployment group for EC2/on-premises or ECS has; a Lambda group (it shifts an alias) has none of them.
_SERVER_OR_ECS_TARGETS = (
    "ecs_service",
    "load_balancer_info",
    "blue_green_deployment_config",
    "ec2_tag_filter",
    "ec2_tag_set",
    "autoscaling_groups",
    "on_premises_instance_tag_filter",
)


def is_lambda_deployment_group(conf: dict[str, Any]) -> bool | None:
    """A deployment group of the Lambda compute platform: blue/green with traffic control and no instances,
    task sets or load balancers to deploy to (None when its style is unresolved)."""
    style = block(conf, "deployment_style")
    if contains_unresolved(style):
        return None
    if not isinstance(style, dict) or (first(style.get("deployment_type")), first(style.get("deployment_option"))) != (
        "BLUE_GREEN",
        "WITH_TRAFFIC_CONTROL",
    ):
        return False
    return not any(item not in (None, "") for name in _SERVER_OR_ECS_TARGETS for item in as_list(conf.get(name)))


class LambdaDeploymentGroupCheck(DlpResourceCheck):
    """Base for checks on aws_codedeploy_deployment_group of the Lambda compute platform, in every tier."""

    RESOURCES = ("aws_codedeploy_deployment_group",)

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        is_lambda = is_lambda_deployment_group(conf)
        if is_lambda is None:
            return UNKNOWN
        return self.evaluate_group(conf) if is_lambda else PASSED

    def evaluate_group(self, conf: dict[str, Any]) -> CheckResult:  # pragma: no cover
        raise NotImplementedError


# ---------------------------------------------------------------------------- CodePipeline stages
def pipeline_stages(conf: dict[str, Any]) -> list[tuple[Any, list[dict[str, Any]]]] | None:
    """[(stage name, [action dicts with unwrapped scalar values])] in order; None if unresolved."""
    stages = []
    for stage in as_list(conf.get("stage")):
        if not isinstance(stage, dict):
            return None
        actions = []
        for action in as_list(stage.get("action")):
            if not isinstance(action, dict):
                return None
            actions.append({k: first(v) for k, v in action.items() if not _is_internal(k)})
        stages.append((first(stage.get("name")), actions))
    return stages


_PRODUCTION_NAME = re.compile(r"(?<!pre)(?<!pre-)(?<!pre_)prod", re.IGNORECASE)
_NON_PRODUCTION_NAME = re.compile(r"staging|dev|test|qa|sandbox|pre-?_?prod", re.IGNORECASE)


def is_production_deploy_stage(name: Any, actions: list[dict[str, Any]]) -> bool:
    """A stage deploying to production.

    Either a Deploy action whose stage or action name says prod (not preprod), or a CodeDeployToECS
    action whose stage and action names do not name a non-production environment (staging, dev,
    test, qa, sandbox, preprod): an unnamed blue/green deploy counts as production.
    """
    for action in actions:
        names = f"{name} {action.get('name')}"
        if action.get("category") == "Deploy" and _PRODUCTION_NAME.search(names):
            return True
        if action.get("provider") == "CodeDeployToECS" and not _NON_PRODUCTION_NAME.search(names):
            return True
    return False


class ProductionDeployStageCheck(DlpResourceCheck):
    """Base for aws_codepipeline checks on the stages before each production deploy stage."""

    RESOURCES = ("aws_codepipeline",)

    def evaluate(self, conf: dict[str, Any]) -> CheckResult:
        stages = pipeline_stages(conf)
        if stages is None:
            return UNKNOWN
        results = [
            self.evaluate_stage(index, stages)
            for index, (name, actions) in enumerate(stages)
            if is_production_deploy_stage(name, actions)
        ]
        shape = [(name, a.get("category"), a.get("provider")) for name, actions in stages for a in actions]
        return combine(results, contains_unresolved(shape))

    def evaluate_stage(self, index: int, stages: list[tuple[Any, list[dict[str, Any]]]]) -> CheckResult:
        raise NotImplementedError  # pragma: no cover
