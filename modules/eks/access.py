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

from modules.cdk.core import Construct

CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
EDIT_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"


@dataclass(frozen=True)
class AccessGrant:
    id: str
    principal_arn: str
    policy_arn: str
    namespaces: tuple[str, ...] = ()  # empty: cluster scope

    @property
    def scope(self) -> EksAccessPolicyAssociationAccessScope:
        if self.namespaces:
            return EksAccessPolicyAssociationAccessScope(type="namespace", namespaces=list(self.namespaces))
        return EksAccessPolicyAssociationAccessScope(type="cluster")


@dataclass(frozen=True)
class ClusterAccessProps:
    cluster_name: str
    grants: tuple[AccessGrant, ...]


class ClusterAccess(Construct):
    def __init__(self, scope: Construct, id: str, props: ClusterAccessProps, depends_on: list | None = None):
        super().__init__(scope, id)
        self.entries = {}
        for grant in props.grants:
            entry = EksAccessEntry(self, f"{grant.id}-entry", cluster_name=props.cluster_name,
                                   principal_arn=grant.principal_arn, type="STANDARD", depends_on=depends_on)
            EksAccessPolicyAssociation(self, f"{grant.id}-policy", cluster_name=props.cluster_name,
                                       principal_arn=grant.principal_arn, policy_arn=grant.policy_arn,
                                       access_scope=grant.scope, depends_on=[entry])
            self.entries[grant.id] = entry


def cluster_admins(principal_arns: tuple[str, ...]) -> tuple[AccessGrant, ...]:
    return tuple(AccessGrant(f"admin-{index}", arn, CLUSTER_ADMIN_POLICY) for index, arn in enumerate(principal_arns))


def namespace_editor(id: str, principal_arn: str, namespace: str) -> AccessGrant:
    return AccessGrant(id, principal_arn, EDIT_POLICY, (namespace,))
