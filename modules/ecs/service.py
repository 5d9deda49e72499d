"""A Fargate service behind the ALB's blue target group, its task definition from the release model,
least-privilege execution and task roles, and the deployment controller its strategy needs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.ecs_service import (
    EcsService,
    EcsServiceDeploymentCircuitBreaker,
    EcsServiceDeploymentController,
    EcsServiceLoadBalancer,
    EcsServiceNetworkConfiguration,
)
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinition, EcsTaskDefinitionRuntimePlatform
from cdktf_cdktf_provider_aws.lb_listener import LbListener
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from envconfig.account import Account
from modules.cdk.core import Construct, TerraformResourceLifecycle
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import Statement
from release.model import ReleaseSpec

# What CodeDeploy changes on a blue/green service: each release is a new task set (ecs:CreateTaskSet with the
# release's task definition, registered with the other target group) made primary (ecs:UpdateServicePrimaryTaskSet),
# so the service's task definition and load balancer follow the releases, not this configuration. ECS refuses to
# change those two on a CODE_DEPLOY service anyway; desired count, health check grace period and tags it does change
# (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html), and CodeDeploy never does, so
# Terraform keeps them. What the pipeline's ECS action changes on a rolling service: the task definition.
CODEDEPLOY_OWNED = ["task_definition", "load_balancer"]
PIPELINE_OWNED = ["task_definition"]


@dataclass(frozen=True)
class FargateServiceProps:
    release: ReleaseSpec  # task definition, container, roles and log group
    service_name: str  # also the prefix of the tasks' security group name
    cluster_arn: str
    account: Account
    vpc_id: str
    subnet_ids: tuple[str, ...]  # private: tasks get no public IP
    target_group_arn: str  # the blue target group, which the service registers with first
    alb_security_group_id: str  # the only source of traffic to the container port
    desired_count: int
    bootstrap_image: str  # runs until the pipeline's first deploy replaces it
    image_repository_arns: tuple[str, ...]  # repositories whose pipelines deploy here
    log_retention_days: int
    kms_key_arn: str  # encrypts the container log group
    blue_green: bool  # CodeDeploy controls deployments; otherwise ECS rolls with a circuit breaker


class FargateService(Construct):
    """`listeners`: those that attach `props.target_group_arn` to the load balancer; the service is created
    after them (ECS rejects a target group with no associated load balancer)."""

    def __init__(self, scope: Construct, id: str, props: FargateServiceProps, listeners: Sequence[LbListener]):
        super().__init__(scope, id)
        release = props.release
        self.log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=release.log_group,
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        task_source = props.account.arn("ecs", "*")
        self.execution_role = ServiceRole(
            self,
            "execution-role",
            ServiceRoleProps(
                name=release.execution_role_arn.split("/")[-1],
                service_principal="ecs-tasks.amazonaws.com",
                account=props.account,
                source_arn=task_source,
                statements=self.execution_statements(props),
                description=f"ECS agent for {props.service_name}: pull released images, write logs",
            ),
        )
        self.task_role = ServiceRole(
            self,
            "task-role",
            ServiceRoleProps(
                name=release.task_role_arn.split("/")[-1],
                service_principal="ecs-tasks.amazonaws.com",
                account=props.account,
                source_arn=task_source,
                statements=(),
                description=f"Application role of {props.service_name}: no AWS permissions until it needs some",
            ),
        )
        self.task_definition = EcsTaskDefinition(
            self,
            "task",
            family=release.family,
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            cpu=str(release.cpu),
            memory=str(release.memory),
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            container_definitions=json.dumps(release.container_definitions(props.bootstrap_image), sort_keys=True),
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            depends_on=[self.execution_role.policy],
        )
        self.security_group = SecurityGroup(
            self,
            "sg",
            name=f"{props.service_name}-tasks",
            vpc_id=props.vpc_id,
            description=f"{props.service_name} tasks: container port from the ALB only",
        )
        VpcSecurityGroupIngressRule(
            self,
            "from-alb",
            security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=release.container_port,
            to_port=release.container_port,
            referenced_security_group_id=props.alb_security_group_id,
            description="ALB to container port",
        )
        VpcSecurityGroupEgressRule(
            self,
            "alb-to-tasks",
            security_group_id=props.alb_security_group_id,
            ip_protocol="tcp",
            from_port=release.container_port,
            to_port=release.container_port,
            referenced_security_group_id=self.security_group.id,
            description="ALB to container port",
        )
        VpcSecurityGroupEgressRule(
            self,
            "https-out",
            security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
            description="image pulls, logs and AWS APIs through NAT",
        )
        controller = "CODE_DEPLOY" if props.blue_green else "ECS"
        self.service = EcsService(
            self,
            "service",
            name=props.service_name,
            cluster=props.cluster_arn,
            launch_type="FARGATE",
            task_definition=self.task_definition.arn,
            desired_count=props.desired_count,
            deployment_controller=EcsServiceDeploymentController(type=controller),
            deployment_circuit_breaker=None
            if props.blue_green
            else EcsServiceDeploymentCircuitBreaker(enable=True, rollback=True),
            network_configuration=EcsServiceNetworkConfiguration(
                subnets=list(props.subnet_ids), security_groups=[self.security_group.id], assign_public_ip=False
            ),
            load_balancer=[
                EcsServiceLoadBalancer(
                    target_group_arn=props.target_group_arn,
                    container_name=release.container_name,
                    container_port=release.container_port,
                )
            ],
            health_check_grace_period_seconds=60,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            wait_for_steady_state=False,
            depends_on=list(listeners),
            lifecycle=TerraformResourceLifecycle(
                ignore_changes=CODEDEPLOY_OWNED if props.blue_green else PIPELINE_OWNED
            ),
        )
        self.name = props.service_name

    @staticmethod
    def execution_statements(props: FargateServiceProps) -> tuple[Statement, ...]:
        """The ECS agent's: pull the released images, write the container log group."""
        log_group = props.account.log_group_arn(props.release.log_group)
        return (
            Statement(("ecr:GetAuthorizationToken",), ("*",), sid="LogInToRegistry"),
            Statement(
                ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                props.image_repository_arns,
                sid="PullReleasedImages",
            ),
            Statement(
                ("logs:CreateLogStream", "logs:PutLogEvents"), (f"{log_group}:log-stream:*",), sid="WriteContainerLogs"
            ),
        )
