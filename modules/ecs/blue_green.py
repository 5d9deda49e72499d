"""CodeDeploy ECS blue/green: application, deployment group, the alarms that stop a bad release,
and a custom time-based traffic config when the environment's shape is not a predefined one."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.codedeploy_app import CodedeployApp
from cdktf_cdktf_provider_aws.codedeploy_deployment_config import (
    CodedeployDeploymentConfig,
    CodedeployDeploymentConfigTrafficRoutingConfig,
    CodedeployDeploymentConfigTrafficRoutingConfigTimeBasedCanary,
    CodedeployDeploymentConfigTrafficRoutingConfigTimeBasedLinear,
)
from cdktf_cdktf_provider_aws.codedeploy_deployment_group import (
    CodedeployDeploymentGroup,
    CodedeployDeploymentGroupAlarmConfiguration,
    CodedeployDeploymentGroupAutoRollbackConfiguration,
    CodedeployDeploymentGroupBlueGreenDeploymentConfig,
    CodedeployDeploymentGroupBlueGreenDeploymentConfigDeploymentReadyOption,
    CodedeployDeploymentGroupBlueGreenDeploymentConfigTerminateBlueInstancesOnDeploymentSuccess,
    CodedeployDeploymentGroupDeploymentStyle,
    CodedeployDeploymentGroupEcsService,
    CodedeployDeploymentGroupLoadBalancerInfo,
    CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfo,
    CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfoProdTrafficRoute,
    CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroup,
    CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfoTestTrafficRoute,
)

from envconfig.account import Account
from envconfig.model import Deployment
from modules.cdk.core import Construct
from modules.ecs.load_balancer import TARGET_GROUP_COLOURS, TargetGroupReference
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import Statement, pass_role
from release.deployment_config import predefined_config

ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]


@dataclass(frozen=True)
class DeployedService:
    """The ECS service a deployment group deploys, as attributes of the cluster and service resources: the group
    and the alarms that name it are then created after it (CodeDeploy rejects a service that does not exist)."""

    cluster_name: str
    service_name: str


@dataclass(frozen=True)
class BlueGreenDeploymentProps:
    application: str
    deployment_group: str  # also the prefix of the alarms' and the CodeDeploy role's names
    deployment_config_name: str  # predefined, or the custom config this construct creates for `deployment`
    deployment: Deployment  # traffic shape and how long the old tasks stay after a release
    account: Account
    cluster_name: str  # deterministic names, for the role's policy (known at plan time)
    service_name: str
    service: DeployedService  # the same service, as the resources' attributes
    alb_name: str
    alb_arn_suffix: str
    blue_target_group: TargetGroupReference  # serves production before the first deployment
    green_target_group: TargetGroupReference
    production_listener_arn: str
    test_listener_arn: str
    hook_function_arns: tuple[str, ...]  # Lambda functions the appspec hooks invoke
    task_role_arns: tuple[str, ...]  # roles the new task definitions name, which CodeDeploy passes to ECS


class BlueGreenDeployment(Construct):
    def __init__(self, scope: Construct, id: str, props: BlueGreenDeploymentProps):
        super().__init__(scope, id)
        self.alarms = self._alarms(props)
        self.application = CodedeployApp(self, "application", name=props.application, compute_platform="ECS")
        custom_config = [] if predefined_config(props.deployment) else [self._custom_config(props)]
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=f"{props.deployment_group}-codedeploy",
                service_principal="codedeploy.amazonaws.com",
                account=props.account,
                statements=self.statements(props),
                description=f"CodeDeploy blue/green for {props.service_name}",
            ),
        )
        blue_green = props.deployment
        self.group = CodedeployDeploymentGroup(
            self,
            "group",
            app_name=self.application.name,
            deployment_group_name=props.deployment_group,
            deployment_config_name=props.deployment_config_name,
            service_role_arn=self.role.arn,
            deployment_style=CodedeployDeploymentGroupDeploymentStyle(
                deployment_type="BLUE_GREEN", deployment_option="WITH_TRAFFIC_CONTROL"
            ),
            blue_green_deployment_config=CodedeployDeploymentGroupBlueGreenDeploymentConfig(
                deployment_ready_option=CodedeployDeploymentGroupBlueGreenDeploymentConfigDeploymentReadyOption(
                    action_on_timeout="CONTINUE_DEPLOYMENT"
                ),
                terminate_blue_instances_on_deployment_success=(
                    CodedeployDeploymentGroupBlueGreenDeploymentConfigTerminateBlueInstancesOnDeploymentSuccess(
                        action="TERMINATE", termination_wait_time_in_minutes=blue_green.termination_wait_minutes
                    )
                ),
            ),
            ecs_service=CodedeployDeploymentGroupEcsService(
                cluster_name=props.service.cluster_name, service_name=props.service.service_name
            ),
            load_balancer_info=CodedeployDeploymentGroupLoadBalancerInfo(
                target_group_pair_info=CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfo(
                    prod_traffic_route=CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfoProdTrafficRoute(
                        listener_arns=[props.production_listener_arn]
                    ),
                    test_traffic_route=CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfoTestTrafficRoute(
                        listener_arns=[props.test_listener_arn]
                    ),
                    target_group=[
                        CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroup(name=name)
                        for name in (props.blue_target_group.name, props.green_target_group.name)
                    ],
                )
            ),
            auto_rollback_configuration=CodedeployDeploymentGroupAutoRollbackConfiguration(
                enabled=True, events=ROLLBACK_EVENTS
            ),
            alarm_configuration=CodedeployDeploymentGroupAlarmConfiguration(
                enabled=True, alarms=[alarm.alarm_name for alarm in self.alarms]
            ),
            depends_on=[self.role.policy, *custom_config],
        )
        self.deployment_group_name = props.deployment_group

    @staticmethod
    def alarm_names(props: BlueGreenDeploymentProps) -> tuple[str, ...]:
        """5xx and unhealthy hosts of each target group, and service CPU: any of them stops and rolls back a release.

        Both target groups, because they swap roles: after a release the group that was green serves production
        and the next release's tasks register with the other one.
        """
        per_target_group = tuple(
            f"{props.deployment_group}-{colour}-{metric}"
            for colour in TARGET_GROUP_COLOURS
            for metric in ("5xx", "unhealthy")
        )
        return (*per_target_group, f"{props.deployment_group}-cpu-high")

    @classmethod
    def statements(cls, props: BlueGreenDeploymentProps) -> tuple[Statement, ...]:
        """What CodeDeploy does to this one service, its load balancer and its hooks: AWSCodeDeployRoleForECS
        scoped to them (reference/codedeploy_ecs_managed_policy_review.json: its actions this role omits, and why)."""
        account, cluster, service = props.account, props.cluster_name, props.service_name
        statements = [
            Statement(
                ("ecs:CreateTaskSet", "ecs:DeleteTaskSet", "ecs:DescribeServices", "ecs:UpdateServicePrimaryTaskSet"),
                (
                    account.arn("ecs", f"service/{cluster}/{service}"),
                    account.arn("ecs", f"task-set/{cluster}/{service}/*"),
                ),
                sid="ShiftTaskSets",
            ),
            Statement(
                (
                    "elasticloadbalancing:DescribeListeners",
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetGroups",
                ),
                ("*",),
                sid="ReadLoadBalancing",
            ),
            Statement(
                ("elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"),
                (
                    account.arn("elasticloadbalancing", f"listener/app/{props.alb_name}/*"),
                    account.arn("elasticloadbalancing", f"listener-rule/app/{props.alb_name}/*"),
                ),
                sid="ShiftTraffic",
            ),
            Statement(
                ("cloudwatch:DescribeAlarms",),
                tuple(account.arn("cloudwatch", f"alarm:{name}") for name in cls.alarm_names(props)),
                sid="WatchAlarms",
            ),
            pass_role(list(props.task_role_arns), "ecs-tasks.amazonaws.com", sid="PassTaskRoles"),
        ]
        if props.hook_function_arns:
            statements.append(Statement(("lambda:InvokeFunction",), props.hook_function_arns, sid="RunHooks"))
        return tuple(statements)

    def _alarms(self, props: BlueGreenDeploymentProps) -> list[CloudwatchMetricAlarm]:
        names = iter(self.alarm_names(props))
        common = {"evaluation_periods": 2, "period": 60, "treat_missing_data": "notBreaching"}
        alarms = []
        target_groups = {"blue": props.blue_target_group, "green": props.green_target_group}
        for colour in TARGET_GROUP_COLOURS:
            dimensions = {"TargetGroup": target_groups[colour].arn_suffix, "LoadBalancer": props.alb_arn_suffix}
            alarms += [
                CloudwatchMetricAlarm(
                    self,
                    f"{colour}-5xx",
                    alarm_name=next(names),
                    namespace="AWS/ApplicationELB",
                    metric_name="HTTPCode_Target_5XX_Count",
                    statistic="Sum",
                    threshold=5,
                    comparison_operator="GreaterThanOrEqualToThreshold",
                    dimensions=dimensions,
                    alarm_description=f"tasks behind the {colour} target group answer with server errors",
                    **common,
                ),
                CloudwatchMetricAlarm(
                    self,
                    f"{colour}-unhealthy",
                    alarm_name=next(names),
                    namespace="AWS/ApplicationELB",
                    metric_name="UnHealthyHostCount",
                    statistic="Maximum",
                    threshold=1,
                    comparison_operator="GreaterThanOrEqualToThreshold",
                    dimensions=dimensions,
                    alarm_description=f"tasks behind the {colour} target group fail their health check",
                    **common,
                ),
            ]
        alarms.append(
            CloudwatchMetricAlarm(
                self,
                "cpu-high",
                alarm_name=next(names),
                namespace="AWS/ECS",
                metric_name="CPUUtilization",
                statistic="Average",
                threshold=90,
                comparison_operator="GreaterThanThreshold",
                dimensions={"ClusterName": props.service.cluster_name, "ServiceName": props.service.service_name},
                alarm_description="the service saturates its CPU",
                **common,
            )
        )
        return alarms

    def _custom_config(self, props: BlueGreenDeploymentProps) -> CodedeployDeploymentConfig:
        shape = props.deployment
        if shape.traffic == "canary":
            routing = CodedeployDeploymentConfigTrafficRoutingConfig(
                type="TimeBasedCanary",
                time_based_canary=CodedeployDeploymentConfigTrafficRoutingConfigTimeBasedCanary(
                    interval=shape.interval_minutes, percentage=shape.percent
                ),
            )
        else:
            routing = CodedeployDeploymentConfigTrafficRoutingConfig(
                type="TimeBasedLinear",
                time_based_linear=CodedeployDeploymentConfigTrafficRoutingConfigTimeBasedLinear(
                    interval=shape.interval_minutes, percentage=shape.percent
                ),
            )
        return CodedeployDeploymentConfig(
            self,
            "config",
            deployment_config_name=props.deployment_config_name,
            compute_platform="ECS",
            traffic_routing_config=routing,
        )
