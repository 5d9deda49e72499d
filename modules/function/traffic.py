"""CodeDeploy for a function service (compute platform Lambda): the application, the deployment group that shifts
the `live` alias, a custom time-based config when the traffic shape is no predefined one, the alarms that stop a
bad release, and the group's role: AWS's `AWSCodeDeployRoleForLambda` scoped to this one function, its alarms and
its hooks (the managed policy grants them on "*"; reference/service_calls.json lists what this role omits)."""

from __future__ import annotations

from collections.abc import Sequence
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
    CodedeployDeploymentGroupDeploymentStyle,
)

from envconfig.account import Account
from envconfig.model import Deployment
from modules.cdk.core import Construct
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import Statement
from release.deployment_config import predefined_config

ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
# (alarm suffix, Lambda metric, what it means): any of them during a shift stops it and moves the alias back.
ALARM_METRICS = (
    ("errors", "Errors", "invocations of the alias end in a function error"),
    ("throttles", "Throttles", "invocations of the alias are throttled"),
)


@dataclass(frozen=True)
class FunctionTrafficProps:
    application: str
    deployment_group: str  # also the prefix of the alarms' and the role's names
    deployment_config_name: str  # predefined, or the custom config this construct creates for `deployment`
    deployment: Deployment  # the traffic shape
    account: Account
    function_name: str
    function_arn: str
    alias: str
    alias_arn: str
    hook_function_arns: tuple[str, ...]  # the functions the AppSpec's hooks name, which CodeDeploy invokes


class FunctionTraffic(Construct):
    """`depends_on`: the function and alias the group shifts and the alarms watch (named by the props), created
    first."""

    def __init__(self, scope: Construct, id: str, props: FunctionTrafficProps, depends_on: Sequence = ()):
        super().__init__(scope, id)
        self.alarms = self._alarms(props, depends_on)
        self.application = CodedeployApp(self, "application", name=props.application, compute_platform="Lambda")
        custom_config = [] if predefined_config(props.deployment, "Lambda") else [self._custom_config(props)]
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=f"{props.deployment_group}-codedeploy",
                service_principal="codedeploy.amazonaws.com",
                account=props.account,
                statements=self.statements(props),
                description=f"CodeDeploy traffic shifting for {props.function_name}:{props.alias}",
            ),
        )
        self.group = CodedeployDeploymentGroup(
            self,
            "group",
            app_name=self.application.name,
            deployment_group_name=props.deployment_group,
            deployment_config_name=props.deployment_config_name,
            service_role_arn=self.role.arn,
            # what CodeDeploy uses (and returns) for every Lambda deployment group
            deployment_style=CodedeployDeploymentGroupDeploymentStyle(
                deployment_type="BLUE_GREEN", deployment_option="WITH_TRAFFIC_CONTROL"
            ),
            auto_rollback_configuration=CodedeployDeploymentGroupAutoRollbackConfiguration(
                enabled=True, events=ROLLBACK_EVENTS
            ),
            alarm_configuration=CodedeployDeploymentGroupAlarmConfiguration(
                enabled=True, alarms=[alarm.alarm_name for alarm in self.alarms]
            ),
            depends_on=[self.role.policy, *custom_config, *depends_on],
        )
        self.deployment_group_name = props.deployment_group

    @staticmethod
    def alarm_names(props: FunctionTrafficProps) -> tuple[str, ...]:
        return tuple(f"{props.deployment_group}-{suffix}" for suffix, _, _ in ALARM_METRICS)

    @classmethod
    def statements(cls, props: FunctionTrafficProps) -> tuple[Statement, ...]:
        """Move this alias between versions, read its alarms, run its hooks."""
        account = props.account
        statements = [
            Statement(
                ("lambda:GetAlias", "lambda:UpdateAlias"), (props.function_arn, props.alias_arn), sid="ShiftAlias"
            ),
            Statement(("lambda:GetProvisionedConcurrencyConfig",), (props.alias_arn,), sid="ReadAliasConcurrency"),
            Statement(
                ("cloudwatch:DescribeAlarms",),
                tuple(account.arn("cloudwatch", f"alarm:{name}") for name in cls.alarm_names(props)),
                sid="WatchAlarms",
            ),
        ]
        if props.hook_function_arns:
            statements.append(Statement(("lambda:InvokeFunction",), props.hook_function_arns, sid="RunHooks"))
        return tuple(statements)

    def _alarms(self, props: FunctionTrafficProps, depends_on: Sequence) -> list[CloudwatchMetricAlarm]:
        """Errors and throttles of the alias (metric dimension Resource = <function>:<alias>): during a shift the
        alias serves both versions, so the new version's failures show here at its share of the traffic."""
        return [
            CloudwatchMetricAlarm(
                self,
                suffix,
                alarm_name=name,
                namespace="AWS/Lambda",
                metric_name=metric,
                statistic="Sum",
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                evaluation_periods=1,
                period=60,
                treat_missing_data="notBreaching",
                dimensions={"FunctionName": props.function_name, "Resource": f"{props.function_name}:{props.alias}"},
                alarm_description=description,
                depends_on=list(depends_on),
            )
            for (suffix, metric, description), name in zip(ALARM_METRICS, self.alarm_names(props), strict=True)
        ]

    def _custom_config(self, props: FunctionTrafficProps) -> CodedeployDeploymentConfig:
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
            compute_platform="Lambda",
            traffic_routing_config=routing,
        )
