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

from envconfig.model import Deployment
from modules.cdk.core import Construct
from release.deployment_config import predefined_config
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import Statement, pass_role

ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]


@dataclass(frozen=True)
class BlueGreenProps:
    application: str
    deployment_group: str
    deployment_config_name: str
    deployment: Deployment
    account_id: str
    region: str
    cluster_name: str
    service_name: str
    alb_name: str
    alb_arn_suffix: str
    target_groups: tuple[tuple[str, str], ...]  # (name, ARN suffix): blue, then green
    production_listener_arn: str
    test_listener_arn: str
    hook_function_arns: tuple[str, ...]
    task_role_arns: tuple[str, ...]

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    @property
    def alarm_names(self) -> tuple[str, ...]:
        return tuple(f"{self.deployment_group}-{suffix}" for suffix in ("green-5xx", "green-unhealthy", "cpu-high"))

    def statements(self) -> tuple[Statement, ...]:
        """What CodeDeploy does to this one service, its load balancer and its hooks (cf. AWSCodeDeployRoleForECS)."""
        service_arn = self.arn("ecs", f"service/{self.cluster_name}/{self.service_name}")
        statements = [
            Statement(("ecs:CreateTaskSet", "ecs:DeleteTaskSet", "ecs:DescribeServices",
                       "ecs:UpdateServicePrimaryTaskSet"),
                      (service_arn, self.arn("ecs", f"task-set/{self.cluster_name}/{self.service_name}/*")),
                      sid="ShiftTaskSets"),
            Statement(("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
                       "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"),
                      ("*",), sid="ReadLoadBalancing"),
            Statement(("elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"),
                      (self.arn("elasticloadbalancing", f"listener/app/{self.alb_name}/*"),
                       self.arn("elasticloadbalancing", f"listener-rule/app/{self.alb_name}/*")),
                      sid="ShiftTraffic"),
            Statement(("cloudwatch:DescribeAlarms",), tuple(self.arn("cloudwatch", f"alarm:{name}")
                                                            for name in self.alarm_names), sid="WatchAlarms"),
            pass_role(list(self.task_role_arns), "ecs-tasks.amazonaws.com", sid="PassTaskRoles"),
        ]
        if self.hook_function_arns:
            statements.append(Statement(("lambda:InvokeFunction",), self.hook_function_arns, sid="RunHooks"))
        return tuple(statements)


class BlueGreenDeployment(Construct):
    def __init__(self, scope: Construct, id: str, props: BlueGreenProps):
        super().__init__(scope, id)
        self.alarms = self._alarms(props)
        self.application = CodedeployApp(self, "application", name=props.application, compute_platform="ECS")
        custom_config = [] if predefined_config(props.deployment) else [self._custom_config(props)]
        self.role = ServiceRole(self, "role", ServiceRoleProps(
            name=f"{props.deployment_group}-codedeploy", service_principal="codedeploy.amazonaws.com",
            account_id=props.account_id, statements=props.statements(),
            description=f"CodeDeploy blue/green for {props.service_name}"))
        blue_green = props.deployment
        self.group = CodedeployDeploymentGroup(
            self, "group", app_name=self.application.name, deployment_group_name=props.deployment_group,
            deployment_config_name=props.deployment_config_name, service_role_arn=self.role.arn,
            deployment_style=CodedeployDeploymentGroupDeploymentStyle(
                deployment_type="BLUE_GREEN", deployment_option="WITH_TRAFFIC_CONTROL"),
            blue_green_deployment_config=CodedeployDeploymentGroupBlueGreenDeploymentConfig(
                deployment_ready_option=CodedeployDeploymentGroupBlueGreenDeploymentConfigDeploymentReadyOption(
                    action_on_timeout="CONTINUE_DEPLOYMENT"),
                terminate_blue_instances_on_deployment_success=(
                    CodedeployDeploymentGroupBlueGreenDeploymentConfigTerminateBlueInstancesOnDeploymentSuccess(
                        action="TERMINATE", termination_wait_time_in_minutes=blue_green.termination_wait_minutes))),
            ecs_service=CodedeployDeploymentGroupEcsService(cluster_name=props.cluster_name,
                                                           service_name=props.service_name),
            load_balancer_info=CodedeployDeploymentGroupLoadBalancerInfo(
                target_group_pair_info=CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfo(
                    prod_traffic_route=CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfoProdTrafficRoute(
                        listener_arns=[props.production_listener_arn]),
                    test_traffic_route=CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfoTestTrafficRoute(
                        listener_arns=[props.test_listener_arn]),
                    target_group=[CodedeployDeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroup(name=name)
                                  for name, _ in props.target_groups])),
            auto_rollback_configuration=CodedeployDeploymentGroupAutoRollbackConfiguration(
                enabled=True, events=ROLLBACK_EVENTS),
            alarm_configuration=CodedeployDeploymentGroupAlarmConfiguration(
                enabled=True, alarms=[alarm.alarm_name for alarm in self.alarms]),
            depends_on=[self.role.policy, *custom_config])
        self.deployment_group_name = props.deployment_group

    def _alarms(self, props: BlueGreenProps) -> list[CloudwatchMetricAlarm]:
        _, green_suffix = props.target_groups[1]
        target_group = {"TargetGroup": green_suffix, "LoadBalancer": props.alb_arn_suffix}
        five_xx, unhealthy, cpu = props.alarm_names
        common = {"evaluation_periods": 2, "period": 60, "treat_missing_data": "notBreaching"}
        return [
            CloudwatchMetricAlarm(self, "green-5xx", alarm_name=five_xx, namespace="AWS/ApplicationELB",
                                  metric_name="HTTPCode_Target_5XX_Count", statistic="Sum", threshold=5,
                                  comparison_operator="GreaterThanOrEqualToThreshold", dimensions=target_group,
                                  alarm_description="new tasks answer with server errors", **common),
            CloudwatchMetricAlarm(self, "green-unhealthy", alarm_name=unhealthy, namespace="AWS/ApplicationELB",
                                  metric_name="UnHealthyHostCount", statistic="Maximum", threshold=1,
                                  comparison_operator="GreaterThanOrEqualToThreshold", dimensions=target_group,
                                  alarm_description="new tasks fail their health check", **common),
            CloudwatchMetricAlarm(self, "cpu-high", alarm_name=cpu, namespace="AWS/ECS", metric_name="CPUUtilization",
                                  statistic="Average", threshold=90, comparison_operator="GreaterThanThreshold",
                                  dimensions={"ClusterName": props.cluster_name, "ServiceName": props.service_name},
                                  alarm_description="the service saturates its CPU", **common),
        ]

    def _custom_config(self, props: BlueGreenProps) -> CodedeployDeploymentConfig:
        shape = props.deployment
        if shape.traffic == "canary":
            routing = CodedeployDeploymentConfigTrafficRoutingConfig(
                type="TimeBasedCanary", time_based_canary=CodedeployDeploymentConfigTrafficRoutingConfigTimeBasedCanary(
                    interval=shape.interval_minutes, percentage=shape.percent))
        else:
            routing = CodedeployDeploymentConfigTrafficRoutingConfig(
                type="TimeBasedLinear", time_based_linear=CodedeployDeploymentConfigTrafficRoutingConfigTimeBasedLinear(
                    interval=shape.interval_minutes, percentage=shape.percent))
        return CodedeployDeploymentConfig(
            self, "config", deployment_config_name=props.deployment_config_name, compute_platform="ECS",
            traffic_routing_config=routing)
