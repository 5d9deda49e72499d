"""IAM policy statements as data, checked when they are written.

A construct that asks for a wildcard action, a wildcard resource outside the reviewed allow-list
(`reference/wildcard_resource_actions.json`) or a wildcard condition fails synthesis instead of reaching a
plan. Every wildcard counts: `*` and `?` anywhere (`s3:Put*`, `arn:aws:s3:::*`, `arn:aws:*:*:*:*`). Plain
Python (no cdktf), so models and tests build statements without loading the CDK.

The scope rule for a resource pattern (`resource_scope_error`; policies/dlp_base.py holds the same rule for
checkov): a wildcard may only stand where the construct named the resource first, i.e.
  - inside an ARN, never in its partition, service, region or account field;
  - never in the resource type (`log-group`, `task-set`, ...), and after the type only behind a literal name
    prefix (`log-group:/aws/lambda/x:*`, `task-set/cluster/service/*`, `report-group/project-*`);
  - for ARNs whose resource part starts with the name itself (S3, SNS, SQS, CodeCommit), never in that name
    (`arn:aws:s3:::bucket/prefix/*`: object keys under a named bucket);
  - `<type>/*` alone only where `reference/resource_naming_conditions.json` names a condition key that
    designates the resources instead (KMS keys by `kms:ResourceAliases`), present with literal values.
Anything else with a wildcard is as broad as `*`: only allow-listed actions may use it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from envconfig.account import Account
from reference import resource_naming_conditions, wildcard_resource_actions

WILDCARDS = ("*", "?")
# Services whose ARN resource part begins with the resource's own name, not a resource type.
NAME_FIRST_SERVICES = ("s3", "sns", "sqs", "codecommit")
_ARN = re.compile(
    r"^arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):"
    r"(?P<resource>.*)$",
    re.DOTALL,
)
_RESOURCE_PART = re.compile(r"^(?P<head>[^/:]*)[/:]?(?P<rest>.*)$", re.DOTALL)  # resource type (or name), the rest
_NAMED_PREFIX = re.compile(r"^[^*?]*[A-Za-z0-9]")  # a literal name (some letter or digit) before any wildcard


def has_wildcard(text: str) -> bool:
    return any(wildcard in text for wildcard in WILDCARDS)


def condition_values(conditions: dict) -> dict[str, list[str]]:
    """{condition key: its values} over every operator of a Condition block."""
    found: dict[str, list[str]] = {}
    for keys in conditions.values():
        for key, values in keys.items():
            found.setdefault(key, []).extend(values if isinstance(values, list) else [values])
    return found


def resource_scope_error(resource: str, conditions: dict | None = None, actions: tuple[str, ...] = ()) -> str:
    """Why `resource` is as broad as `*` ("" when it has no wildcard or one scoped below a named resource).

    `conditions` and `actions`: the statement's, for the designations of reference/resource_naming_conditions.json."""
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
    designation = resource_naming_conditions().get((arn["service"], head), {})
    condition_key = designation.get("condition_key")
    designated = condition_values(conditions or {}).get(condition_key) if condition_key else None
    if designated and not any(has_wildcard(str(value)) for value in designated):
        return ""
    if actions and set(actions) <= set(designation.get("actions", ())):
        return ""
    return f"no literal name before the wildcard after {head!r}" + (
        f" (and no literal {condition_key} condition)" if condition_key else ""
    )


def source_arn_error(value: str) -> str:
    """Why an aws:SourceArn value does not pin the account ("" when its partition, service, region and account
    fields are literal; the resource part may be a pattern, as AWS documents `arn:aws:ecs:<region>:<account>:*`)."""
    arn = _ARN.match(value)
    if not arn:
        return f"{value!r} is not an ARN"
    wild = [part for part in ("partition", "service", "region", "account") if has_wildcard(arn[part])]
    return f"a wildcard in the ARN's {', '.join(wild)}" if wild else ""


class PolicyError(ValueError):
    """A statement that would break the project's least-privilege rules."""


@dataclass(frozen=True)
class Statement:
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: dict = field(default_factory=dict)
    sid: str = ""

    def __post_init__(self):
        for action in self.actions:
            service, _, name = action.partition(":")
            if not service or not name or has_wildcard(action):
                raise PolicyError(f"statement {self.sid!r}: action {action!r} must name one API call")
        broad = [
            resource for resource in self.resources if resource_scope_error(resource, self.conditions, self.actions)
        ]
        if broad:
            not_allowed = sorted(set(self.actions) - set(wildcard_resource_actions()))
            if not_allowed:
                reasons = "; ".join(f"{r!r}: {resource_scope_error(r, self.conditions, self.actions)}" for r in broad)
                raise PolicyError(
                    f"statement {self.sid!r}: {not_allowed} on resources as broad as '*' ({reasons}) "
                    "are not in the allow-list (reference/wildcard_resource_actions.json)"
                )
        for key, values in condition_values(self.conditions).items():
            for value in values:
                if has_wildcard(str(value)) and (not _ARN.match(str(value)) or resource_scope_error(str(value))):
                    raise PolicyError(f"statement {self.sid!r}: condition {key} {value!r} is a wildcard")
        if "iam:PassRole" in self.actions:
            if any(has_wildcard(resource) for resource in self.resources):
                raise PolicyError(f"statement {self.sid!r}: iam:PassRole must name each role, no wildcard")
            if not condition_values(self.conditions).get("iam:PassedToService"):
                raise PolicyError(f"statement {self.sid!r}: iam:PassRole needs an iam:PassedToService condition")

    def to_json(self) -> dict:
        document = {"Effect": "Allow", "Action": sorted(self.actions), "Resource": sorted(self.resources)}
        if self.sid:
            document["Sid"] = self.sid
        if self.conditions:
            document["Condition"] = self.conditions
        return document


def policy_document(statements: list[Statement]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [s.to_json() for s in statements]}, sort_keys=True)


def pass_role(role_arns: list[str], to_service: str, sid: str = "PassRolesToService") -> Statement:
    return Statement(("iam:PassRole",), tuple(role_arns), {"StringEquals": {"iam:PassedToService": to_service}}, sid)


@dataclass(frozen=True)
class KeyReference:
    """A customer managed KMS key named by its alias: key ids are random, the alias is known at plan
    time and still designates one key (`kms:ResourceAliases`)."""

    account: Account
    alias: str

    @property
    def arn_pattern(self) -> str:
        return self.account.key_arn_pattern

    @property
    def alias_arn(self) -> str:
        """The alias as an ARN, which services that take a key id accept (CodePipeline's artifact stores)."""
        return self.account.arn("kms", self.alias)

    def usage(self, actions: tuple[str, ...], sid: str = "UseKey") -> Statement:
        """The statement that lets a role use this key (and no other) for `actions`."""
        return Statement(
            actions, (self.arn_pattern,), {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [self.alias]}}, sid
        )


ENCRYPT_DECRYPT = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)
DECRYPT = ("kms:Decrypt", "kms:DescribeKey")


def named_role_grants(account: Account, role_arns: tuple[str, ...], actions: tuple[str, ...], resources, sid: str):
    """Resource-policy statements (KMS key, S3 bucket, ECR repository) for roles of other accounts, one per
    account: the account as principal, narrowed to the named roles by `aws:PrincipalArn`. The roles are named by
    condition because these policies come first (the delivery account deploys before the accounts it serves),
    and KMS, S3 and ECR reject a principal that does not exist yet; the condition still admits no other principal.
    `resources`: a list, "*" for a key policy (its key), None for a repository policy (its repository)."""
    by_account: dict[str, list[str]] = {}
    for arn in role_arns:
        by_account.setdefault(arn.split(":")[4], []).append(arn)
    statements = []
    for account_id, arns in sorted(by_account.items()):
        statement = {
            "Sid": f"{sid}{account_id}",
            "Effect": "Allow",
            "Principal": {"AWS": account.principal_root(account_id)},
            "Action": sorted(actions),
            "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted(set(arns))}},
        }
        if resources is not None:
            statement["Resource"] = resources
        statements.append(statement)
    return statements
