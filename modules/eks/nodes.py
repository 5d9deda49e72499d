"""EKS managed node groups: one node role, a launch template per group (IMDSv2 only, hop limit 1 so
pods cannot reach the node's credentials, encrypted gp3 root volume, the node security group), sizes
and instance types from the environment.

Managed policies: EKS requires these AWS-managed policies on a managed node group's role (the node
group will not create without them), and AWS maintains them as the kubelet and VPC CNI change:
  AmazonEKSWorkerNodePolicy           kubelet: describe the cluster/instances, join the cluster
  AmazonEKS_CNI_Policy                VPC CNI: attach ENIs and assign pod IPs on the node
  AmazonEC2ContainerRegistryReadOnly  pull images (ECR and the EKS add-on images)
None of them grants write access beyond the node's own ENIs; no inline statements are added.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.eks_node_group import (
    EksNodeGroup,
    EksNodeGroupLaunchTemplate,
    EksNodeGroupScalingConfig,
    EksNodeGroupUpdateConfig,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.launch_template import (
    LaunchTemplate,
    LaunchTemplateBlockDeviceMappings,
    LaunchTemplateBlockDeviceMappingsEbs,
    LaunchTemplateMetadataOptions,
    LaunchTemplateTagSpecifications,
)

from envconfig.account import Account
from envconfig.kubernetes import NodeGroup
from modules.cdk.core import Construct, Token
from modules.eks.cluster import service_trust_policy

NODE_MANAGED_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")


@dataclass(frozen=True)
class NodeGroupsProps:
    cluster_name: str
    account: Account  # the partition of the managed policy ARNs
    role_name: str
    subnet_ids: tuple[str, ...]  # private subnets
    security_group_id: str  # the control plane's node security group
    groups: tuple[NodeGroup, ...]
    group_names: tuple[str, ...]  # deterministic names, one per group, in the same order


class NodeGroups(Construct):
    def __init__(self, scope: Construct, id: str, props: NodeGroupsProps):
        super().__init__(scope, id)
        self.role = IamRole(
            self,
            "role",
            name=props.role_name,
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
            description=f"EKS {props.cluster_name} managed nodes",
            max_session_duration=3600,
        )
        attachments = [
            IamRolePolicyAttachment(
                self, f"managed-{name}", role=self.role.name, policy_arn=props.account.managed_policy_arn(name)
            )
            for name in NODE_MANAGED_POLICIES
        ]
        self.node_groups: dict[str, EksNodeGroup] = {}
        for group, name in zip(props.groups, props.group_names, strict=True):
            template = LaunchTemplate(
                self,
                f"{group.name}-template",
                name=name,
                update_default_version=True,
                vpc_security_group_ids=[props.security_group_id],
                metadata_options=LaunchTemplateMetadataOptions(
                    http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
                ),
                block_device_mappings=[
                    LaunchTemplateBlockDeviceMappings(
                        device_name="/dev/xvda",
                        ebs=LaunchTemplateBlockDeviceMappingsEbs(
                            volume_size=group.disk_size_gib,
                            volume_type="gp3",
                            encrypted="true",
                            delete_on_termination="true",
                        ),
                    )
                ],
                tag_specifications=[LaunchTemplateTagSpecifications(resource_type="instance", tags={"Name": name})],
            )
            self.node_groups[group.name] = EksNodeGroup(
                self,
                f"{group.name}-group",
                cluster_name=props.cluster_name,
                node_group_name=name,
                node_role_arn=self.role.arn,
                subnet_ids=list(props.subnet_ids),
                instance_types=list(group.instance_types),
                capacity_type=group.capacity_type,
                ami_type=group.ami_type,
                scaling_config=EksNodeGroupScalingConfig(
                    min_size=group.min_size, desired_size=group.desired_size, max_size=group.max_size
                ),
                update_config=EksNodeGroupUpdateConfig(max_unavailable=1),
                launch_template=EksNodeGroupLaunchTemplate(
                    id=template.id, version=Token.as_string(template.latest_version)
                ),
                labels={"node-group": group.name},
                depends_on=attachments,
            )
        self.role_arn = self.role.arn
