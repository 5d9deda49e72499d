"""`<env>-eks`: the environment's EKS cluster (AWS provider only, so it plans offline like every AWS
stack): its VPC, KMS key, control plane, node groups, access entries, and the CodeBuild project that
deploys to the cluster's deploy namespace from the cluster's private subnets."""

from __future__ import annotations

from envconfig.eks_naming import EksNames
from envconfig.loader import Catalog
from envconfig.model import Environment
from envconfig.naming import EnvironmentNames, delivery_environment
from modules.cdk.core import Construct, TerraformOutput
from modules.delivery.codebuild import ProjectVpc
from modules.eks.access import ClusterAccess, ClusterAccessProps, cluster_admins, namespace_editor
from modules.eks.cluster import EksControlPlane, EksControlPlaneProps
from modules.eks.deploy import (
    ArtifactSource,
    ClusterApiClient,
    ClusterApiClientProps,
    EksDeployProject,
    EksDeployProjectProps,
    eks_deploy_buildspec,
)
from modules.eks.nodes import NodeGroups, NodeGroupsProps
from modules.shared.encryption import EncryptionKey, EncryptionKeyProps
from modules.shared.network import Network, NetworkProps
from modules.shared.statements import KeyReference
from stacks.base import EnvironmentStack


class EksStack(EnvironmentStack):
    component = "eks"

    def __init__(self, scope: Construct, env: Environment, catalog: Catalog):
        super().__init__(scope, env)
        eks, names, account = env.eks, EksNames(self.names), self.names.account
        assert eks is not None, f"{env.name}: EksStack needs an eks block"
        self.key = EncryptionKey(
            self,
            "key",
            EncryptionKeyProps(
                alias=names.key_alias,
                account=self.account,
                admin_principal_arns=env.key_admin_principal_arns,
                description=f"{names.cluster}: Kubernetes secrets envelope encryption, control-plane and deploy logs",
                user_role_arns=(self.names.role_arn(names.cluster_role),),
                log_group_prefixes=names.log_group_prefixes,
            ),
        )
        self.network = Network(
            self,
            "network",
            NetworkProps(
                name=names.cluster,
                cidr=eks.vpc_cidr,
                availability_zones=env.network.availability_zones,
                nat_gateways=env.network.nat_gateways,
                account=self.account,
                flow_log_retention_days=env.log_retention_days,
                kms_key_arn=self.key.arn,
                flow_log_group=names.flow_log_group,
                subnet_layout="kubernetes",
                public_subnets=False,
                cluster_name=names.cluster,
            ),
        )
        self.control_plane = EksControlPlane(
            self,
            "cluster",
            EksControlPlaneProps(
                name=names.cluster,
                account=account,
                kubernetes_version=eks.kubernetes_version,
                role_name=names.cluster_role,
                vpc_id=self.network.vpc_id,
                subnet_ids=tuple(self.network.private_subnet_ids),
                log_group=names.cluster_log_group,
                log_retention_days=env.log_retention_days,
                kms_key_arn=self.key.arn,
                key=KeyReference(account, names.key_alias),
                public_access_cidrs=eks.endpoint_public_access_cidrs,
            ),
        )
        self.nodes = NodeGroups(
            self,
            "nodes",
            NodeGroupsProps(
                cluster_name=self.control_plane.name,
                account=account,
                role_name=names.node_role,
                subnet_ids=tuple(self.network.private_subnet_ids),
                security_group_id=self.control_plane.node_security_group.id,
                groups=eks.node_groups,
                group_names=tuple(names.node_group(group.name) for group in eks.node_groups),
            ),
        )
        self.deploy_network = ClusterApiClient(
            self,
            "deploy-network",
            ClusterApiClientProps(
                name=names.deploy_security_group,
                vpc_id=self.network.vpc_id,
                cluster_security_group_id=self.control_plane.cluster_security_group.id,
            ),
        )
        self.deploy = EksDeployProject(
            self,
            "deploy",
            EksDeployProjectProps(
                name=names.deploy_project,
                arn=names.deploy_project_arn,
                role_name=names.deploy_role,
                account=self.names.account,
                cluster_arn=names.cluster_arn,
                buildspec=eks_deploy_buildspec(
                    cluster=names.cluster,
                    namespace=eks.deploy_namespace,
                    image_placeholder=eks.image_placeholder,
                    placeholder_mode=eks.image_placeholder_mode,
                ),
                log_group=names.deploy_log_group,
                log_retention_days=env.log_retention_days,
                log_kms_key_arn=self.key.arn,
                artifact_key_alias_arn=self.names.arn("kms", self.names.delivery_key_alias),
                artifact_sources=tuple(
                    ArtifactSource(
                        source.artifact_store(env.region)[0],
                        tuple(source.artifact_prefixes().values()),
                        KeyReference(source.artifact_store(env.region)[1], source.delivery_key_alias),
                    )
                    for source in (EnvironmentNames(delivery_environment(s)) for s in catalog.promoting_into(env))
                ),
                vpc=ProjectVpc(
                    vpc_id=self.network.vpc_id,
                    subnet_ids=tuple(self.network.private_subnet_ids),
                    subnet_names=tuple(self.network.private_subnet_names),
                    security_group_id=self.deploy_network.security_group_id,
                    security_group_name=names.deploy_security_group,
                ),
            ),
        )
        self.access = ClusterAccess(
            self,
            "access",
            ClusterAccessProps(
                cluster_name=self.control_plane.name,
                account=account,
                grants=(
                    *cluster_admins(eks.admin_principal_arns),
                    namespace_editor("deployer", names.deploy_role_arn, eks.deploy_namespace),
                ),
            ),
            depends_on=[self.deploy.role.role],
        )
        TerraformOutput(self, "cluster-name", value=self.control_plane.name)
        TerraformOutput(self, "cluster-endpoint", value=self.control_plane.endpoint)
        TerraformOutput(self, "oidc-provider-arn", value=self.control_plane.oidc_provider_arn)
        TerraformOutput(self, "deploy-project", value=self.deploy.name)
