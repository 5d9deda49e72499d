"""Lambda functions for the appspec hooks that run the project's check: each GETs a path on one listener over
its own protocol (HTTP, or HTTPS with the certificate verified for the service's host name), compares the
status and reports to CodeDeploy; the role may report on one deployment group and nothing else. Hooks that run
the user's own functions need nothing here; with no built-in check this construct creates nothing.

The functions' settings (the listener to check) are not secret: they stay encrypted under Lambda's AWS
managed key. A customer key for them would need kms:Decrypt for the role and kms:Encrypt and
kms:CreateGrant for whoever deploys, for nothing to protect; the log groups use the service key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionVpcConfig,
)
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from envconfig.account import Account
from modules.cdk.assets import source_archive
from modules.cdk.core import Construct
from modules.ecs.load_balancer import ListenerReference
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import Statement
from release.model import ReleaseHook

HOOK_CODE = Path(__file__).resolve().parent / "hook_code"
# What Lambda does with the execution role to connect functions to the VPC
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html, AWSLambdaVPCAccessExecutionRole).
_ENI_ACTIONS = ("ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses")
_DESCRIBE_ACTIONS = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")  # no resource type: "*"


def _log_group(function: str) -> str:
    return f"/aws/lambda/{function}"


@dataclass(frozen=True)
class DeployHooksProps:
    security_group_name: str  # the functions' security group, by name and Name tag (which the role's policy names)
    role_name: str
    account: Account
    checks: tuple[ReleaseHook, ...]  # the hooks that run the built-in check (each with its `check`)
    deployment_group_arn: str  # the one deployment group the functions report to
    alb_dns_name: str
    alb_security_group_id: str
    alb_internal: bool  # the hooks reach an internal ALB by security group, an internet-facing one through NAT
    nat_public_ips: tuple[str, ...]  # an internet-facing ALB sees the hooks' traffic from these
    production_listener: ListenerReference
    test_listener: ListenerReference
    vpc_id: str
    subnet_ids: tuple[str, ...]
    subnet_names: tuple[str, ...]  # the Name tags of `subnet_ids` (ids are unknown until apply; names are not)
    log_retention_days: int
    kms_key_arn: str  # encrypts the functions' log groups
    host_name: str = ""  # default "": checks address the ALB by its DNS name; else this name (SNI, Host, certificate)


class DeployHooks(Construct):
    def __init__(self, scope: Construct, id: str, props: DeployHooksProps):
        super().__init__(scope, id)
        self.functions: dict[str, LambdaFunction] = {}
        self.function_arns: tuple[str, ...] = ()
        if not props.checks:
            return
        code = source_archive(self, "code", HOOK_CODE)
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=props.role_name,
                service_principal="lambda.amazonaws.com",
                account=props.account,
                statements=self.statements(props),
                description="CodeDeploy hooks: HTTP checks reported to one deployment group",
            ),
        )
        self.security_group = SecurityGroup(
            self,
            "sg",
            name=props.security_group_name,
            vpc_id=props.vpc_id,
            description="deploy hooks: listener checks and AWS APIs",
            tags={"Name": props.security_group_name},
        )
        for port in sorted({self.listener(props, hook).port for hook in props.checks}):
            self._allow_check(props, port)
        VpcSecurityGroupEgressRule(
            self,
            "https-out",
            security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
            description="CodeDeploy API through NAT",
        )
        for hook in props.checks:
            logs = CloudwatchLogGroup(
                self,
                f"{hook.event}-logs",
                name=_log_group(hook.function),
                retention_in_days=props.log_retention_days,
                kms_key_id=props.kms_key_arn,
            )
            self.functions[hook.event] = LambdaFunction(
                self,
                hook.event,
                function_name=hook.function,
                role=self.role.arn,
                runtime="python3.12",
                handler="validate.handler",
                filename=code.path,
                source_code_hash=code.asset_hash,
                timeout=120,
                memory_size=128,
                tracing_config=None,
                environment=LambdaFunctionEnvironment(variables=self.check_settings(props, hook)),
                vpc_config=LambdaFunctionVpcConfig(
                    subnet_ids=list(props.subnet_ids), security_group_ids=[self.security_group.id]
                ),
                depends_on=[logs, self.role.policy],
            )
        self.function_arns = tuple(props.account.arn("lambda", f"function:{hook.function}") for hook in props.checks)

    @staticmethod
    def listener(props: DeployHooksProps, hook: ReleaseHook) -> ListenerReference:
        return props.test_listener if hook.check.listener == "test" else props.production_listener

    @classmethod
    def check_settings(cls, props: DeployHooksProps, hook: ReleaseHook) -> dict[str, str]:
        """The hook code's settings: the URL of the hook's listener and path, as the listener's protocol and port
        and the certificate's host name say, and the expected status; with a host name, the ALB's DNS name to
        connect to (the certificate does not cover it)."""
        listener = cls.listener(props, hook)
        if listener.protocol == "HTTPS" and not props.host_name:
            raise ValueError(f"{hook.function}: an HTTPS listener's check needs the host name its certificate covers")
        url = f"{listener.protocol.lower()}://{props.host_name or props.alb_dns_name}:{listener.port}"
        settings = {"CHECK_URL": f"{url}{hook.check.path}", "CHECK_EXPECTED_STATUS": str(hook.check.expected_status)}
        if props.host_name:
            settings["CHECK_ADDRESS"] = props.alb_dns_name
        return settings

    @staticmethod
    def statements(props: DeployHooksProps) -> tuple[Statement, ...]:
        """Report to one deployment group, write the functions' own logs, run in the VPC's private subnets.

        Subnet and security group ids are unknown until apply, so their statements name them by Name tag;
        network interfaces are created by Lambda and have no id beforehand: any in this account and region.
        """
        account = props.account
        streams = tuple(f"{account.log_group_arn(_log_group(hook.function))}:log-stream:*" for hook in props.checks)
        interfaces = account.arn("ec2", "network-interface/*")
        return (
            Statement(
                ("codedeploy:PutLifecycleEventHookExecutionStatus",),
                (props.deployment_group_arn,),
                sid="ReportHookStatus",
            ),
            Statement(("logs:CreateLogStream", "logs:PutLogEvents"), streams, sid="WriteLogs"),
            Statement(("ec2:CreateNetworkInterface",), (interfaces,), sid="CreateInterfaces"),
            Statement(
                ("ec2:CreateNetworkInterface",),
                (account.arn("ec2", "subnet/*"),),
                {"StringEquals": {"aws:ResourceTag/Name": sorted(props.subnet_names)}},
                sid="InPrivateSubnets",
            ),
            Statement(
                ("ec2:CreateNetworkInterface",),
                (account.arn("ec2", "security-group/*"),),
                {"StringEquals": {"aws:ResourceTag/Name": props.security_group_name}},
                sid="WithHooksGroup",
            ),
            Statement(_ENI_ACTIONS, (interfaces,), sid="ManageInterfaces"),
            Statement(_DESCRIBE_ACTIONS, ("*",), sid="DescribeNetwork"),
        )

    def _allow_check(self, props: DeployHooksProps, port: int) -> None:
        """Hooks to listener: by security group inside the VPC, through the NAT addresses otherwise."""
        to_alb = (
            {"referenced_security_group_id": props.alb_security_group_id}
            if props.alb_internal
            else {"cidr_ipv4": "0.0.0.0/0"}
        )
        VpcSecurityGroupEgressRule(
            self,
            f"to-alb-{port}",
            security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description="listener check",
            **to_alb,
        )
        sources = (
            [{"referenced_security_group_id": self.security_group.id}]
            if props.alb_internal
            else [{"cidr_ipv4": f"{address}/32"} for address in props.nat_public_ips]
        )
        for index, source in enumerate(sources):
            VpcSecurityGroupIngressRule(
                self,
                f"alb-from-hooks-{port}-{index}",
                security_group_id=props.alb_security_group_id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description="deploy hook checks",
                **source,
            )
