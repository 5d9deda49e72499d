"""Least-privilege IAM: policy statements as data, service roles with confused-deputy guards.

Statements are checked when they are written, so a construct that asks for `*` actions or `*`
resources outside the reviewed allow-list fails synthesis instead of reaching a plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy

from modules.core import Construct
from policies.wildcard_resource_actions import WILDCARD_RESOURCE_ACTIONS


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
            broad = sorted(set(self.actions) - set(WILDCARD_RESOURCE_ACTIONS))
            if broad:
                raise PolicyError(f"statement {self.sid!r}: {broad} on '*' are not in the allow-list "
                                  "(policies/wildcard_resource_actions.py)")
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


def key_usage(key_arn_pattern: str, alias: str, actions: tuple[str, ...], sid: str = "UseKey") -> Statement:
    """KMS key ids are random, so the key is named by its alias: known at plan time, still one key."""
    return Statement(actions, (key_arn_pattern,),
                     {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [alias]}}, sid)


ENCRYPT_DECRYPT = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom",
                   "kms:ReEncryptTo")
DECRYPT = ("kms:Decrypt", "kms:DescribeKey")


@dataclass(frozen=True)
class ServiceRoleProps:
    name: str
    service_principal: str
    account_id: str
    statements: tuple[Statement, ...]
    source_arn: str = ""
    description: str = ""

    def trust_policy(self) -> str:
        condition = {"StringEquals": {"aws:SourceAccount": self.account_id}}
        if self.source_arn:
            condition["ArnLike"] = {"aws:SourceArn": self.source_arn}
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": self.service_principal},
            "Action": "sts:AssumeRole",
            "Condition": condition,
        }]}, sort_keys=True)


class ServiceRole(Construct):
    """A role one AWS service assumes for one resource, with one inline least-privilege policy
    (none when the role needs no AWS permissions yet)."""

    def __init__(self, scope: Construct, id: str, props: ServiceRoleProps):
        super().__init__(scope, id)
        self.role = IamRole(self, "role", name=props.name, description=props.description or None,
                            assume_role_policy=props.trust_policy(), max_session_duration=3600)
        self.policy = IamRolePolicy(self, "policy", name=f"{props.name}-least-privilege", role=self.role.name,
                                    policy=policy_document(list(props.statements))) if props.statements else None
        self.arn = self.role.arn
        self.name = self.role.name
