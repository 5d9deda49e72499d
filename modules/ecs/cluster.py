"""The environment's ECS cluster: Fargate only, Container Insights on."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ecs_cluster import EcsCluster, EcsClusterSetting
from cdktf_cdktf_provider_aws.ecs_cluster_capacity_providers import EcsClusterCapacityProviders

from modules.cdk.core import Construct


@dataclass(frozen=True)
class ClusterProps:
    name: str  # the environment's cluster name (envconfig.naming), which pipelines and alarms also use


class Cluster(Construct):
    def __init__(self, scope: Construct, id: str, props: ClusterProps):
        super().__init__(scope, id)
        self.cluster = EcsCluster(
            self, "cluster", name=props.name, setting=[EcsClusterSetting(name="containerInsights", value="enabled")]
        )
        EcsClusterCapacityProviders(
            self, "capacity", cluster_name=self.cluster.name, capacity_providers=["FARGATE", "FARGATE_SPOT"]
        )
        self.arn = self.cluster.arn
        self.name = props.name
