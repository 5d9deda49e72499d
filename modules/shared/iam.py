"""Service roles with confused-deputy guards and one least-privilege inline policy
(statements: `modules.shared.statements`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment

from envconfig.account import Account
from modules.cdk.core import Construct
from modules.shared.statements import PolicyError, Statement, policy_document, source_arn_error


@dataclass(frozen=True)
class ServiceRoleProps:
    name: str
    service_principal: str  # the one service that may assume the role, e.g. "ecs-tasks.amazonaws.com"
    statements: tuple[Statement, ...]  # the inline policy; empty: the role has no policy yet
    account: Account  # the account the service must act for (aws:SourceAccount)
    source_arn: str = ""  # default "": no aws:SourceArn condition, the account condition alone
    description: str = ""  # default "": no description


class ServiceRole(Construct):
    """A role one AWS service assumes for one resource, with one inline least-privilege policy
    (none when the role needs no AWS permissions yet)."""

    def __init__(self, scope: Construct, id: str, props: ServiceRoleProps):
        super().__init__(scope, id)
        self.role = IamRole(
            self,
            "role",
            name=props.name,
            description=props.description or None,
            assume_role_policy=self.trust_policy(props),
            max_session_duration=3600,
        )
        self.policy = (
            IamRolePolicy(
                self,
                "policy",
                name=f"{props.name}-least-privilege",
                role=self.role.name,
                policy=policy_document(list(props.statements)),
            )
            if props.statements
            else None
        )
        self.arn = self.role.arn
        self.name = self.role.name

    @staticmethod
    def trust_policy(props: ServiceRoleProps) -> str:
        """Only the service, and only on behalf of this account (and resource, given `source_arn`)."""
        condition = {"StringEquals": {"aws:SourceAccount": props.account.account_id}}
        if props.source_arn and source_arn_error(props.source_arn):
            raise PolicyError(f"role {props.name!r}: aws:SourceArn {source_arn_error(props.source_arn)}")
        if props.source_arn:
            condition["ArnLike"] = {"aws:SourceArn": props.source_arn}
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": props.service_principal},
                        "Action": "sts:AssumeRole",
                        "Condition": condition,
                    }
                ],
            },
            sort_keys=True,
        )


@dataclass(frozen=True)
class CrossAccountRoleProps:
    name: str
    trusted_principal_arns: tuple[str, ...]  # roles or users by ARN; an account root is refused
    description: str
    external_id: str = ""  # default "": no sts:ExternalId condition (CodePipeline passes none)
    policies: tuple[tuple[str, tuple[Statement, ...]], ...] = ()  # (name, statements) inline; default none
    managed_policy_arns: tuple[str, ...] = ()  # default none
    path: str = "/"  # default: no path


class CrossAccountRole(Construct):
    """A role that named principals (of another account, typically) assume: trusted by their ARNs, never by an
    account root, and pinned to them again by `aws:PrincipalArn` (a principal recreated under the same name gets
    a new unique id, which the ARN principal then no longer matches, while the condition keeps naming it)."""

    def __init__(self, scope: Construct, id: str, props: CrossAccountRoleProps):
        super().__init__(scope, id)
        self.role = IamRole(
            self,
            "role",
            name=props.name,
            path=props.path,
            description=props.description,
            assume_role_policy=self.trust_policy(props),
            max_session_duration=3600,
        )
        for name, statements in props.policies:
            IamRolePolicy(
                self, f"policy-{name}", name=name, role=self.role.name, policy=policy_document(list(statements))
            )
        for index, arn in enumerate(props.managed_policy_arns):
            IamRolePolicyAttachment(self, f"managed-{index}", role=self.role.name, policy_arn=arn)
        self.arn = self.role.arn
        self.name = self.role.name

    @staticmethod
    def trust_policy(props: CrossAccountRoleProps) -> str:
        principals = sorted(props.trusted_principal_arns)
        roots = [arn for arn in principals if not re.search(r":(role|user)/", arn)]
        if not principals or roots:
            raise PolicyError(f"role {props.name!r}: trust named roles or users only, not {roots or 'nobody'}")
        condition: dict = {"ArnEquals": {"aws:PrincipalArn": principals}}
        if props.external_id:
            condition["StringEquals"] = {"sts:ExternalId": props.external_id}
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": principals},
                        "Action": "sts:AssumeRole",
                        "Condition": condition,
                    }
                ],
            },
            sort_keys=True,
        )
