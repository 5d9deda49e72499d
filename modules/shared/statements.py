"""IAM policy statements as data, checked when they are written.

A construct that asks for a wildcard action, or `*` resources outside the reviewed allow-list
(`reference/wildcard_resource_actions.json`), fails synthesis instead of reaching a plan. Plain
Python (no cdktf), so models and tests build statements without loading the CDK.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from envconfig.account import Account
from reference import wildcard_resource_actions


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
            if not service or not name or "*" in action:
                raise PolicyError(f"statement {self.sid!r}: action {action!r} must name one API call")
        if "*" in self.resources:
            broad = sorted(set(self.actions) - set(wildcard_resource_actions()))
            if broad:
                raise PolicyError(f"statement {self.sid!r}: {broad} on '*' are not in the allow-list "
                                  "(reference/wildcard_resource_actions.json)")
        if "iam:PassRole" in self.actions and "iam:PassedToService" not in json.dumps(self.conditions):
            raise PolicyError(f"statement {self.sid!r}: iam:PassRole needs an iam:PassedToService condition")

    def to_json(self) -> dict:
        document = {"Effect": "Allow", "Action": sorted(self.actions), "Resource": sorted(self.resources)}
        if self.sid:
            document["Sid"] = self.sid
        if self.conditions:
            document["Condition"] = self.conditions
        return document


def policy_document(statements: list[Statement]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [s.to_json() for s in statements]},
                      sort_keys=True)


def pass_role(role_arns: list[str], to_service: str, sid: str = "PassRolesToService") -> Statement:
    return Statement(("iam:PassRole",), tuple(role_arns),
                     {"StringEquals": {"iam:PassedToService": to_service}}, sid)


@dataclass(frozen=True)
class KeyReference:
    """A customer managed KMS key named by its alias: key ids are random, the alias is known at plan
    time and still designates one key (`kms:ResourceAliases`)."""

    account: Account
    alias: str

    @property
    def arn_pattern(self) -> str:
        return self.account.key_arn_pattern

    def usage(self, actions: tuple[str, ...], sid: str = "UseKey") -> Statement:
        """The statement that lets a role use this key (and no other) for `actions`."""
        return Statement(actions, (self.arn_pattern,),
                         {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [self.alias]}}, sid)


ENCRYPT_DECRYPT = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom",
                   "kms:ReEncryptTo")
DECRYPT = ("kms:Decrypt", "kms:DescribeKey")
