"""An EKS control plane: private API endpoint by default, secrets envelope-encrypted with KMS, every
control-plane log type to a log group created first (with retention), API-only authentication
(access entries, no aws-auth ConfigMap), an OIDC provider for IRSA, and the cluster/node security
groups.

Managed policies: EKS requires its cluster role to carry the AWS-managed `AmazonEKSClusterPolicy`
(the service calls EC2/ELB APIs on the account's behalf; AWS maintains the list as EKS evolves and
documents no supported inline equivalent). It is the only managed policy here; the KMS use for
secrets encryption is an inline least-privilege statement on the one key (by alias).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.eks_cluster import (
    EksCluster,
    EksClusterAccessConfig,
    EksClusterEncryptionConfig,
    EksClusterEncryptionConfigProvider,
    EksClusterVpcConfig,
)
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from envconfig.account import Account
from modules.cdk.core import Construct
from modules.shared.statements import KeyReference, policy_document

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
CLUSTER_MANAGED_POLICIES = ("AmazonEKSClusterPolicy",)
# EKS secrets encryption: the cluster role uses the key (AWS documents these four actions).
SECRETS_KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ListGrants")


def service_trust_policy(service: str) -> str:
    """Trust for eks/ec2 principals. No aws:SourceAccount/SourceArn: EKS documents its cluster role
    trust without them and EC2 instance profiles do not send them (see policies/
    iam_service_trust_source_condition.py, SOURCE_CONDITION_EXEMPT_SERVICES); iam:PassRole guards these."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        },
        sort_keys=True,
    )


@dataclass(frozen=True)
class EksControlPlaneProps:
    name: str
    account: Account  # the partition of the managed policy ARNs
    kubernetes_version: str
    role_name: str
    vpc_id: str
    subnet_ids: tuple[str, ...]  # private subnets: the control plane's ENIs
    log_group: str  # the name EKS writes control-plane logs to, created here first with retention
    log_retention_days: int
    kms_key_arn: str  # encrypts Kubernetes secrets and the log group
    key: KeyReference  # the same key by alias, for the cluster role's policy
    public_access_cidrs: tuple[str, ...] = ()  # default (): the API endpoint is private only


class EksControlPlane(Construct):
    def __init__(self, scope: Construct, id: str, props: EksControlPlaneProps):
        super().__init__(scope, id)
        self.log_group = CloudwatchLogGroup(
            self, "logs", name=props.log_group, retention_in_days=props.log_retention_days, kms_key_id=props.kms_key_arn
        )
        self.role = IamRole(
            self,
            "role",
            name=props.role_name,
            assume_role_policy=service_trust_policy("eks.amazonaws.com"),
            description=f"EKS cluster {props.name} control plane",
            max_session_duration=3600,
        )
        self.role_policy = IamRolePolicy(
            self,
            "secrets-key",
            name=f"{props.role_name}-least-privilege",
            role=self.role.name,
            policy=policy_document([props.key.usage(SECRETS_KEY_ACTIONS, sid="EncryptSecrets")]),
        )
        self.managed_policies = [
            IamRolePolicyAttachment(
                self, f"managed-{name}", role=self.role.name, policy_arn=props.account.managed_policy_arn(name)
            )
            for name in CLUSTER_MANAGED_POLICIES
        ]
        self.cluster_security_group = SecurityGroup(
            self,
            "cluster-sg",
            name=f"{props.name}-cluster",
            vpc_id=props.vpc_id,
            description=f"EKS {props.name} control plane ENIs: API from nodes only",
            tags={"Name": f"{props.name}-cluster"},
        )
        self.node_security_group = SecurityGroup(
            self,
            "node-sg",
            name=f"{props.name}-node",
            vpc_id=props.vpc_id,
            description=f"EKS {props.name} nodes",
            tags={"Name": f"{props.name}-node", f"kubernetes.io/cluster/{props.name}": "owned"},
        )
        self._security_group_rules()
        public_endpoint = bool(props.public_access_cidrs)
        self.cluster = EksCluster(
            self,
            "cluster",
            name=props.name,
            version=props.kubernetes_version,
            role_arn=self.role.arn,
            vpc_config=EksClusterVpcConfig(
                subnet_ids=list(props.subnet_ids),
                security_group_ids=[self.cluster_security_group.id],
                endpoint_private_access=True,
                endpoint_public_access=public_endpoint,
                public_access_cidrs=list(props.public_access_cidrs) if public_endpoint else None,
            ),
            encryption_config=EksClusterEncryptionConfig(
                resources=["secrets"], provider=EksClusterEncryptionConfigProvider(key_arn=props.kms_key_arn)
            ),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            access_config=EksClusterAccessConfig(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False
            ),
            depends_on=[self.log_group, self.role_policy, *self.managed_policies],
        )
        issuer = self.cluster.identity.get(0).oidc.get(0).issuer
        # thumbprint_list is optional since AWS provider 5.x: IAM trusts the EKS issuer's CA itself.
        self.oidc_provider = IamOpenidConnectProvider(self, "oidc", url=issuer, client_id_list=["sts.amazonaws.com"])
        self.name = self.cluster.name
        self.arn = self.cluster.arn
        self.endpoint = self.cluster.endpoint
        self.oidc_provider_arn = self.oidc_provider.arn

    def _security_group_rules(self) -> None:
        cluster, node = self.cluster_security_group.id, self.node_security_group.id
        VpcSecurityGroupIngressRule(
            self,
            "cluster-from-nodes-443",
            security_group_id=cluster,
            referenced_security_group_id=node,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="Kubernetes API from nodes",
        )
        VpcSecurityGroupEgressRule(
            self,
            "cluster-to-nodes-kubelet",
            security_group_id=cluster,
            referenced_security_group_id=node,
            ip_protocol="tcp",
            from_port=10250,
            to_port=10250,
            description="kubelet (logs, exec, metrics)",
        )
        VpcSecurityGroupEgressRule(
            self,
            "cluster-to-nodes-webhooks",
            security_group_id=cluster,
            referenced_security_group_id=node,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="admission webhooks served by pods",
        )
        VpcSecurityGroupIngressRule(
            self,
            "nodes-from-cluster-kubelet",
            security_group_id=node,
            referenced_security_group_id=cluster,
            ip_protocol="tcp",
            from_port=10250,
            to_port=10250,
            description="kubelet from the control plane",
        )
        VpcSecurityGroupIngressRule(
            self,
            "nodes-from-cluster-webhooks",
            security_group_id=node,
            referenced_security_group_id=cluster,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="admission webhooks from the control plane",
        )
        VpcSecurityGroupIngressRule(
            self,
            "nodes-from-nodes",
            security_group_id=node,
            referenced_security_group_id=node,
            ip_protocol="-1",
            description="pod-to-pod and DNS between nodes",
        )
        VpcSecurityGroupEgressRule(
            self,
            "nodes-egress",
            security_group_id=node,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="-1",
            description="image pulls, AWS APIs (through NAT)",
        )
