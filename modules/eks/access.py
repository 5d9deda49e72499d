"""EKS access entries (authentication_mode = API): who may call the Kubernetes API, and with which
EKS access policy at which scope. Cluster admins get AmazonEKSClusterAdminPolicy cluster-wide; a
deployer gets AmazonEKSEditPolicy in its namespaces only (no cluster-scoped writes, no RBAC edits)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.eks_access_entry import EksAccessEntry
from cdktf_cdktf_provider_aws.eks_access_policy_association import (
    EksAccessPolicyAssociation,
    EksAccessPolicyAssociationAccessScope,
)

from envconfig.account import Account
from modules.cdk.core import Construct

CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
EDIT_POLICY = "AmazonEKSEditPolicy"


@dataclass(frozen=True)
class AccessGrant:
    id: str
    principal_arn: str
    policy: str  # an EKS access policy's name, e.g. AmazonEKSEditPolicy
    namespaces: tuple[str, ...] = ()  # default (): cluster scope


@dataclass(frozen=True)
class ClusterAccessProps:
    cluster_name: str
    account: Account  # the partition of the access policy ARNs
    grants: tuple[AccessGrant, ...]


class ClusterAccess(Construct):
    def __init__(self, scope: Construct, id: str, props: ClusterAccessProps, depends_on: list | None = None):
        super().__init__(scope, id)
        self.entries = {}
        for grant in props.grants:
            entry = EksAccessEntry(
                self,
                f"{grant.id}-entry",
                cluster_name=props.cluster_name,
                principal_arn=grant.principal_arn,
                type="STANDARD",
                depends_on=depends_on,
            )
            EksAccessPolicyAssociation(
                self,
                f"{grant.id}-policy",
                cluster_name=props.cluster_name,
                principal_arn=grant.principal_arn,
                policy_arn=props.account.aws_owned_arn("eks", f"cluster-access-policy/{grant.policy}"),
                access_scope=access_scope(grant),
                depends_on=[entry],
            )
            self.entries[grant.id] = entry


def access_scope(grant: AccessGrant) -> EksAccessPolicyAssociationAccessScope:
    if grant.namespaces:
        return EksAccessPolicyAssociationAccessScope(type="namespace", namespaces=list(grant.namespaces))
    return EksAccessPolicyAssociationAccessScope(type="cluster")


def cluster_admins(principal_arns: tuple[str, ...]) -> tuple[AccessGrant, ...]:
    return tuple(AccessGrant(f"admin-{index}", arn, CLUSTER_ADMIN_POLICY) for index, arn in enumerate(principal_arns))


def namespace_editor(id: str, principal_arn: str, namespace: str) -> AccessGrant:
    return AccessGrant(id, principal_arn, EDIT_POLICY, (namespace,))
