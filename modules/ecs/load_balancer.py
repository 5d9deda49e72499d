"""An ALB with a production and a test listener and two target groups (blue, green) for
CodeDeploy blue/green; reachable only from the environment's allowed CIDRs."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import LbListener, LbListenerDefaultAction, LbListenerDefaultActionRedirect
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from envconfig.account import Account
from modules.delivery.artifact_store import ArtifactBucket, ArtifactBucketProps
from modules.cdk.core import Construct, TerraformResourceLifecycle

# Regions opened before August 2022 deliver ALB access logs from a regional ELB account.
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
    "eu-west-3": "009996457667", "eu-central-1": "054676820928", "eu-north-1": "897822967062",
    "ap-northeast-1": "582318560864", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
}
TARGET_GROUP_COLOURS = ("blue", "green")


@dataclass(frozen=True)
class LoadBalancerProps:
    name: str
    account_id: str
    region: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    allowed_cidrs: tuple[str, ...]
    container_port: int
    health_check_path: str
    test_listener_port: int
    certificate_arn: str = ""
    access_logs_bucket: str = ""  # empty: no access logs
    deletion_protection: bool = False
    internal: bool = False
    blue_green: bool = True  # CodeDeploy rewires the listeners: Terraform must not fight it

    @property
    def production_port(self) -> int:
        return 443 if self.certificate_arn else 80

    @property
    def listener_ports(self) -> tuple[int, ...]:
        return (80, 443, self.test_listener_port) if self.certificate_arn else (80, self.test_listener_port)

    def access_log_statements(self) -> tuple[dict, ...]:
        arn = f"arn:aws:s3:::{self.access_logs_bucket}/alb/AWSLogs/{self.account_id}/*"
        principal = ({"AWS": f"arn:aws:iam::{ELB_LOG_ACCOUNTS[self.region]}:root"}
                     if self.region in ELB_LOG_ACCOUNTS else
                     {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"})
        return ({"Sid": "AlbWritesAccessLogs", "Effect": "Allow", "Principal": principal,
                 "Action": "s3:PutObject", "Resource": arn},)


class LoadBalancer(Construct):
    def __init__(self, scope: Construct, id: str, props: LoadBalancerProps):
        super().__init__(scope, id)
        self.security_group = SecurityGroup(self, "sg", name=f"{props.name}-alb", vpc_id=props.vpc_id,
                                            description=f"{props.name} ALB: listener ports from allowed CIDRs")
        for port in props.listener_ports:
            for index, cidr in enumerate(props.allowed_cidrs):
                VpcSecurityGroupIngressRule(self, f"ingress-{port}-{index}", security_group_id=self.security_group.id,
                                            ip_protocol="tcp", from_port=port, to_port=port, cidr_ipv4=cidr,
                                            description=f"listener {port}")
        access_logs = None
        if props.access_logs_bucket:
            ArtifactBucket(self, "access-logs", ArtifactBucketProps(
                name=props.access_logs_bucket, account=Account(props.account_id, props.region),
                extra_policy_statements=props.access_log_statements()))
            access_logs = LbAccessLogs(bucket=props.access_logs_bucket, prefix="alb", enabled=True)
        self.alb = Lb(self, "alb", name=props.name, load_balancer_type="application", internal=props.internal,
                      security_groups=[self.security_group.id], subnets=list(props.subnet_ids),
                      drop_invalid_header_fields=True, enable_deletion_protection=props.deletion_protection,
                      access_logs=access_logs)
        self.target_groups = {colour: LbTargetGroup(
            self, colour, name=f"{props.name}-{colour}", port=props.container_port, protocol="HTTP",
            target_type="ip", vpc_id=props.vpc_id, deregistration_delay="30",
            health_check=LbTargetGroupHealthCheck(path=props.health_check_path, matcher="200-399", interval=15,
                                                  healthy_threshold=2, unhealthy_threshold=3))
            for colour in TARGET_GROUP_COLOURS}
        blue = self.target_groups["blue"]
        follow_codedeploy = TerraformResourceLifecycle(ignore_changes=["default_action"]) if props.blue_green else None
        if props.certificate_arn:
            LbListener(self, "http-redirect", load_balancer_arn=self.alb.arn, port=80, protocol="HTTP",
                       default_action=[LbListenerDefaultAction(type="redirect", redirect=LbListenerDefaultActionRedirect(
                           port="443", protocol="HTTPS", status_code="HTTP_301"))])
        secure = {"protocol": "HTTPS", "certificate_arn": props.certificate_arn,
                  "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"} if props.certificate_arn else {"protocol": "HTTP"}
        self.production_listener = LbListener(
            self, "production", load_balancer_arn=self.alb.arn, port=props.production_port, **secure,
            default_action=[LbListenerDefaultAction(type="forward", target_group_arn=blue.arn)],
            lifecycle=follow_codedeploy)
        self.test_listener = LbListener(
            self, "test", load_balancer_arn=self.alb.arn, port=props.test_listener_port, **secure,
            default_action=[LbListenerDefaultAction(type="forward", target_group_arn=blue.arn)],
            lifecycle=follow_codedeploy)
        self.production_port = props.production_port
        self.dns_name = self.alb.dns_name
        self.arn_suffix = self.alb.arn_suffix
