"""A VPC with private (and public) subnets across the environment's zones, NAT as configured, flow
logs, and a default security group that allows nothing. The ECS service stack and the EKS stack each
build their own from this construct, so each plans alone and either can be replaced independently."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc

from envconfig.account import Account
from envconfig.naming import private_subnet_name
from modules.cdk.core import Construct
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import Statement


@dataclass(frozen=True)
class NetworkProps:
    name: str  # Name tag of the VPC and prefix of its parts' Name tags
    cidr: str
    availability_zones: tuple[str, ...]  # one private (and public) subnet in each
    nat_gateways: Literal["none", "single", "per_az"]
    flow_log_retention_days: int
    kms_key_arn: str  # the key's policy must let CloudWatch Logs use it for the flow-log group
    account: Account  # the VPC's account and region (flow-log role and log group ARNs)
    flow_log_group: str = ""  # default "": /vpc/<name>/flow-logs
    # even (default): /+4 blocks, public first, private from the second half (stable as zones are added);
    # kubernetes: a quarter of the VPC per private subnet (pod IPs, VPC CNI), public slices of the last.
    subnet_layout: Literal["even", "kubernetes"] = "even"
    public_subnets: bool = True  # default True; without them, public subnets exist only to hold NAT gateways
    cluster_name: str = ""  # EKS: private subnets carry kubernetes.io/cluster/<name>; default "": no such tag


class Network(Construct):
    def __init__(self, scope: Construct, id: str, props: NetworkProps):
        super().__init__(scope, id)
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=props.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": props.name},
        )
        DefaultSecurityGroup(
            self,
            "default-sg-denies-all",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags={"Name": f"{props.name}-unused"},
        )
        public_cidrs, private_cidrs = self.subnet_cidrs(props)
        self.public_subnets, self.private_subnets, nats, self.nat_public_ips = [], [], [], []
        if props.public_subnets or props.nat_gateways != "none":
            gateway = InternetGateway(self, "igw", vpc_id=self.vpc.id, tags={"Name": props.name})
            public_routes = RouteTable(self, "public-routes", vpc_id=self.vpc.id, tags={"Name": f"{props.name}-public"})
            Route(
                self,
                "public-default",
                route_table_id=public_routes.id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=gateway.id,
            )
            for index, (zone, cidr) in enumerate(zip(props.availability_zones, public_cidrs, strict=True)):
                subnet = Subnet(
                    self,
                    f"public-{zone}",
                    vpc_id=self.vpc.id,
                    cidr_block=cidr,
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{props.name}-public-{zone}", "kubernetes.io/role/elb": "1"},
                )
                RouteTableAssociation(
                    self, f"public-{zone}-routes", subnet_id=subnet.id, route_table_id=public_routes.id
                )
                self.public_subnets.append(subnet)
                if props.nat_gateways == "per_az" or (props.nat_gateways == "single" and index == 0):
                    address = Eip(self, f"nat-{zone}-ip", domain="vpc", tags={"Name": f"{props.name}-nat-{zone}"})
                    nats.append(
                        NatGateway(
                            self,
                            f"nat-{zone}",
                            allocation_id=address.id,
                            subnet_id=subnet.id,
                            tags={"Name": f"{props.name}-{zone}"},
                            depends_on=[gateway],
                        )
                    )
                    self.nat_public_ips.append(address.public_ip)
        cluster_tag = {f"kubernetes.io/cluster/{props.cluster_name}": "shared"} if props.cluster_name else {}
        for index, (zone, cidr) in enumerate(zip(props.availability_zones, private_cidrs, strict=True)):
            subnet = Subnet(
                self,
                f"private-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                tags={
                    "Name": private_subnet_name(props.name, zone),
                    "kubernetes.io/role/internal-elb": "1",
                    **cluster_tag,
                },
            )
            routes = RouteTable(
                self, f"private-{zone}-routes", vpc_id=self.vpc.id, tags={"Name": f"{props.name}-private-{zone}"}
            )
            if nats:
                Route(
                    self,
                    f"private-{zone}-default",
                    route_table_id=routes.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nats[min(index, len(nats) - 1)].id,
                )
            RouteTableAssociation(self, f"private-{zone}-association", subnet_id=subnet.id, route_table_id=routes.id)
            self.private_subnets.append(subnet)
        self._flow_logs(props)
        self.vpc_id = self.vpc.id
        self.private_subnet_ids = [subnet.id for subnet in self.private_subnets]
        self.private_subnet_names = [private_subnet_name(props.name, zone) for zone in props.availability_zones]
        self.public_subnet_ids = [subnet.id for subnet in self.public_subnets]

    @staticmethod
    def subnet_cidrs(props: NetworkProps) -> tuple[list[str], list[str]]:
        """(public, private) CIDRs, one per zone, as `props.subnet_layout` lays them out."""
        zones = len(props.availability_zones)
        network = ipaddress.IPv4Network(props.cidr)
        if props.subnet_layout == "even":
            blocks = list(network.subnets(prefixlen_diff=4))
            return [str(b) for b in blocks[:zones]], [str(b) for b in blocks[8 : 8 + zones]]
        if zones > 3:
            raise ValueError("the kubernetes layout has room for at most 3 availability zones")
        quarters = list(network.subnets(prefixlen_diff=2))
        return (
            [str(s) for s in quarters[3].subnets(prefixlen_diff=2)][:zones],
            [str(quarter) for quarter in quarters[:zones]],
        )

    def _flow_logs(self, props: NetworkProps) -> None:
        """Flow logs (ALL traffic) into one KMS-encrypted log group, delivered by a role that may write
        to that group only."""
        name = props.flow_log_group or f"/vpc/{props.name}/flow-logs"
        group = CloudwatchLogGroup(
            self, "flow-logs", name=name, retention_in_days=props.flow_log_retention_days, kms_key_id=props.kms_key_arn
        )
        group_arn = props.account.log_group_arn(name)
        role = ServiceRole(
            self,
            "flow-logs-role",
            ServiceRoleProps(
                name=f"{props.name}-flow-logs",
                service_principal="vpc-flow-logs.amazonaws.com",
                account=props.account,
                description="VPC flow logs delivery to one log group",
                statements=(
                    Statement(
                        ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
                        (group_arn, f"{group_arn}:log-stream:*"),
                        sid="DeliverFlowLogs",
                    ),
                    # AWS documents it among the least the role needs; it has no resource type.
                    Statement(("logs:DescribeLogGroups",), ("*",), sid="FindLogGroup"),
                ),
            ),
        )
        FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
        )
