"""The EKS cluster's own VPC: private subnets (nodes, control-plane ENIs, internal load balancers)
in every availability zone, public subnets only to hold NAT gateways, NAT per `network.nat_gateways`;
flow logs (KMS-encrypted log group) and a default security group that allows nothing, as the ECS VPC.

Separate from the ECS network on purpose: the `<env>-eks` stack plans alone, with no lookup of
another stack's VPC, and the two platforms can be replaced independently.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc

from modules.core import Construct
from modules.network import vpc_flow_logs


@dataclass(frozen=True)
class EksNetworkProps:
    name: str
    cluster_name: str
    cidr: str
    availability_zones: tuple[str, ...]
    nat_gateways: str  # "none" | "single" | "per_az"
    account_id: str
    region: str
    flow_log_retention_days: int
    kms_key_arn: str  # the key's policy must let CloudWatch Logs use it for `flow_log_group`
    flow_log_group: str

    def subnet_cidrs(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(private, public): private subnets get a quarter of the VPC each (nodes and pod IPs, VPC CNI),
        public subnets a /28-ish slice of the last quarter."""
        network = ipaddress.IPv4Network(self.cidr)
        quarters = list(network.subnets(prefixlen_diff=2))
        private = [str(quarter) for quarter in quarters[:3]][:len(self.availability_zones)]
        if len(self.availability_zones) > 3:
            raise ValueError("at most 3 availability zones")
        public = [str(s) for s in quarters[3].subnets(prefixlen_diff=2)][:len(self.availability_zones)]
        return tuple(private), tuple(public)


class EksNetwork(Construct):
    def __init__(self, scope: Construct, id: str, props: EksNetworkProps):
        super().__init__(scope, id)
        cluster_tag = {f"kubernetes.io/cluster/{props.cluster_name}": "shared"}
        self.vpc = Vpc(self, "vpc", cidr_block=props.cidr, enable_dns_hostnames=True, enable_dns_support=True,
                       tags={"Name": props.name})
        DefaultSecurityGroup(self, "default-sg-denies-all", vpc_id=self.vpc.id, ingress=[], egress=[],
                             tags={"Name": f"{props.name}-unused"})
        vpc_flow_logs(self, self.vpc.id, name=props.name, log_group=props.flow_log_group, account_id=props.account_id,
                      region=props.region, retention_days=props.flow_log_retention_days, kms_key_arn=props.kms_key_arn)
        private_cidrs, public_cidrs = props.subnet_cidrs()
        self.private_subnets = [
            Subnet(self, f"private-{zone}", vpc_id=self.vpc.id, cidr_block=cidr, availability_zone=zone,
                   map_public_ip_on_launch=False,
                   tags={"Name": f"{props.name}-private-{zone}", "kubernetes.io/role/internal-elb": "1",
                         **cluster_tag})
            for zone, cidr in zip(props.availability_zones, private_cidrs)]
        self.nat_gateways: list[NatGateway] = []
        if props.nat_gateways != "none":
            gateway = InternetGateway(self, "igw", vpc_id=self.vpc.id, tags={"Name": props.name})
            public_table = RouteTable(self, "public", vpc_id=self.vpc.id, tags={"Name": f"{props.name}-public"})
            Route(self, "public-default", route_table_id=public_table.id, destination_cidr_block="0.0.0.0/0",
                  gateway_id=gateway.id)
            nat_zones = props.availability_zones if props.nat_gateways == "per_az" else props.availability_zones[:1]
            for zone, cidr in zip(props.availability_zones, public_cidrs):
                subnet = Subnet(self, f"public-{zone}", vpc_id=self.vpc.id, cidr_block=cidr,
                                availability_zone=zone, map_public_ip_on_launch=False,
                                tags={"Name": f"{props.name}-public-{zone}"})
                RouteTableAssociation(self, f"public-{zone}-routes", subnet_id=subnet.id,
                                      route_table_id=public_table.id)
                if zone in nat_zones:
                    address = Eip(self, f"nat-{zone}", domain="vpc", tags={"Name": f"{props.name}-nat-{zone}"})
                    self.nat_gateways.append(NatGateway(
                        self, f"nat-gateway-{zone}", allocation_id=address.id, subnet_id=subnet.id,
                        tags={"Name": f"{props.name}-{zone}"}, depends_on=[gateway]))
        for index, (zone, subnet) in enumerate(zip(props.availability_zones, self.private_subnets)):
            table = RouteTable(self, f"private-{zone}-table", vpc_id=self.vpc.id,
                               tags={"Name": f"{props.name}-private-{zone}"})
            RouteTableAssociation(self, f"private-{zone}-routes", subnet_id=subnet.id, route_table_id=table.id)
            if self.nat_gateways:
                nat = self.nat_gateways[index % len(self.nat_gateways)]
                Route(self, f"private-{zone}-default", route_table_id=table.id,
                      destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)
        self.vpc_id = self.vpc.id
        self.private_subnet_ids = [subnet.id for subnet in self.private_subnets]
