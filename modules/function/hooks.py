"""The built-in traffic hooks of a function service (hook_code/check.py): BeforeAllowTraffic invokes the new
version, AfterAllowTraffic the alias, and each reports to the one deployment group. Their role may read and report
on that group's deployments, invoke that one function, and write its own logs; nothing else. The functions run
outside any VPC: they call only AWS APIs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction, LambdaFunctionEnvironment

from envconfig.account import Account
from modules.cdk.assets import source_archive
from modules.cdk.core import Construct
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import Statement

HOOK_CODE = Path(__file__).resolve().parent / "hook_code"


def _log_group(function: str) -> str:
    return f"/aws/lambda/{function}"


@dataclass(frozen=True)
class TrafficHooksProps:
    role_name: str
    account: Account
    hooks: tuple[tuple[str, str], ...]  # (appspec hook, function name) of the built-in hooks
    deployment_group_arn: str  # the one deployment group the hooks read and report to
    function_name: str  # the function they check
    function_arns: tuple[str, ...]  # its ARN and its qualified ARNs (versions, alias), which they invoke
    alias: str
    check_payload: str  # the event they invoke it with
    log_retention_days: int
    kms_key_arn: str  # encrypts the hooks' log groups


class TrafficHooks(Construct):
    """`depends_on`: the function and alias the hooks check (named by the props), created first."""

    def __init__(self, scope: Construct, id: str, props: TrafficHooksProps, depends_on: Sequence = ()):
        super().__init__(scope, id)
        code = source_archive(self, "code", HOOK_CODE)
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=props.role_name,
                service_principal="lambda.amazonaws.com",
                account=props.account,
                statements=self.statements(props),
                description=f"traffic hooks of {props.function_name}: invoke it, report to its deployment group",
            ),
        )
        self.functions = {}
        for hook, function in props.hooks:
            logs = CloudwatchLogGroup(
                self,
                f"{hook}-logs",
                name=_log_group(function),
                retention_in_days=props.log_retention_days,
                kms_key_id=props.kms_key_arn,
            )
            self.functions[hook] = LambdaFunction(
                self,
                hook,
                function_name=function,
                role=self.role.arn,
                runtime="python3.12",
                handler="check.handler",
                filename=code.path,
                source_code_hash=code.asset_hash,
                timeout=60,
                memory_size=128,
                environment=LambdaFunctionEnvironment(
                    variables={
                        "HOOK": hook,
                        "FUNCTION_NAME": props.function_name,
                        "FUNCTION_ALIAS": props.alias,
                        "CHECK_PAYLOAD": props.check_payload,
                    }
                ),
                depends_on=[logs, self.role.policy, *depends_on],
            )

    @staticmethod
    def statements(props: TrafficHooksProps) -> tuple[Statement, ...]:
        account = props.account
        streams = tuple(f"{account.log_group_arn(_log_group(function))}:log-stream:*" for _, function in props.hooks)
        return (
            Statement(
                ("codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"),
                (props.deployment_group_arn,),
                sid="ReadAndReportDeployment",
            ),
            Statement(("lambda:InvokeFunction",), props.function_arns, sid="InvokeFunction"),
            Statement(("logs:CreateLogStream", "logs:PutLogEvents"), streams, sid="WriteLogs"),
        )
