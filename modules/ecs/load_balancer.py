"""An ALB with a production and a test listener and two target groups (blue, green) for
CodeDeploy blue/green. The production ports are reachable from the environment's allowed CIDRs; the
test listener, which serves a release before it takes production traffic, only from the testers'
CIDRs (and the deploy hooks, which open their own way in)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import LbListener, LbListenerDefaultAction, LbListenerDefaultActionRedirect
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from envconfig.account import Account
from modules.cdk.core import Construct, TerraformResourceLifecycle
from modules.delivery.artifact_store import ArtifactBucket, ArtifactBucketProps

TARGET_GROUP_COLOURS = ("blue", "green")


@dataclass(frozen=True)
class TargetGroupReference:
    """What CodeDeploy (by name) and CloudWatch alarms (by ARN suffix) know a target group by."""

    name: str
    arn_suffix: str


@dataclass(frozen=True)
class ListenerReference:
    """What a client of a listener needs: where (port) and how (HTTP or HTTPS)."""

    port: int
    protocol: str


# The description of the test listener's ingress rules (the policy CKV_DLP_36 also recognises them by it).
TEST_LISTENER_INGRESS = "test listener"


@dataclass(frozen=True)
class LoadBalancerProps:
    name: str  # of the ALB; its security group and target groups (<name>-blue, <name>-green) derive from it
    account: Account
    vpc_id: str
    subnet_ids: tuple[str, ...]
    allowed_cidrs: tuple[str, ...]  # may reach the production listener (and the HTTP redirect)
    container_port: int  # the target groups' port
    health_check_path: str
    test_listener_port: int
    test_listener_cidrs: tuple[str, ...] = ()  # default (): nobody but the deploy hooks reaches the test listener
    certificate_arn: str = ""  # default "": HTTP on 80, no HTTPS; otherwise HTTPS on 443 and 80 redirects
    access_logs_bucket: str = ""  # default "": no access logs; otherwise this bucket is created for them
    deletion_protection: bool = False  # default False
    internal: bool = False  # default False: internet-facing
    blue_green: bool = True  # default True: CodeDeploy rewires the listeners, Terraform must not fight it


class LoadBalancer(Construct):
    def __init__(self, scope: Construct, id: str, props: LoadBalancerProps):
        super().__init__(scope, id)
        self.security_group = SecurityGroup(
            self,
            "sg",
            name=f"{props.name}-alb",
            vpc_id=props.vpc_id,
            description=f"{props.name} ALB: listener ports from allowed CIDRs",
        )
        protocol = "HTTPS" if props.certificate_arn else "HTTP"
        self.production = ListenerReference(443 if props.certificate_arn else 80, protocol)
        self.test = ListenerReference(props.test_listener_port, protocol)
        for port in sorted({80, self.production.port}):
            self._ingress(port, props.allowed_cidrs, f"listener {port}")
        self._ingress(self.test.port, props.test_listener_cidrs, f"{TEST_LISTENER_INGRESS} {self.test.port}")
        access_logs, logs_policy = None, None
        if props.access_logs_bucket:
            logs = ArtifactBucket(
                self,
                "access-logs",
                ArtifactBucketProps(
                    name=props.access_logs_bucket,
                    account=props.account,
                    extra_policy_statements=self.access_log_statements(props),
                ),
            )
            access_logs = LbAccessLogs(bucket=logs.bucket.bucket, prefix="alb", enabled=True)
            logs_policy = [logs.policy]  # ELB checks it may write when the ALB is created: after the policy lets it
        self.alb = Lb(
            self,
            "alb",
            name=props.name,
            load_balancer_type="application",
            internal=props.internal,
            security_groups=[self.security_group.id],
            subnets=list(props.subnet_ids),
            drop_invalid_header_fields=True,
            enable_deletion_protection=props.deletion_protection,
            access_logs=access_logs,
            depends_on=logs_policy,
        )
        self.target_groups = {
            colour: LbTargetGroup(
                self,
                colour,
                name=f"{props.name}-{colour}",
                port=props.container_port,
                protocol="HTTP",
                target_type="ip",
                vpc_id=props.vpc_id,
                deregistration_delay="30",
                health_check=LbTargetGroupHealthCheck(
                    path=props.health_check_path,
                    matcher="200-399",
                    interval=15,
                    healthy_threshold=2,
                    unhealthy_threshold=3,
                ),
            )
            for colour in TARGET_GROUP_COLOURS
        }
        self.target_group_references = {
            colour: TargetGroupReference(group.name, group.arn_suffix) for colour, group in self.target_groups.items()
        }
        blue = self.target_groups["blue"]
        # CodeDeploy points the listeners at whichever group holds the release. Port, protocol and certificate
        # changes modify a listener in place (ModifyListener) and keep that forward; a replaced listener would
        # forward to blue again, so tooling/gate/replacements.py refuses plans that replace these listeners or the
        # target groups.
        follow_codedeploy = TerraformResourceLifecycle(ignore_changes=["default_action"]) if props.blue_green else None
        if props.certificate_arn:
            redirect = LbListenerDefaultActionRedirect(port="443", protocol="HTTPS", status_code="HTTP_301")
            LbListener(
                self,
                "http-redirect",
                load_balancer_arn=self.alb.arn,
                port=80,
                protocol="HTTP",
                default_action=[LbListenerDefaultAction(type="redirect", redirect=redirect)],
            )
        secure = {"protocol": protocol}
        if props.certificate_arn:
            secure.update(certificate_arn=props.certificate_arn, ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06")
        self.production_listener = LbListener(
            self,
            "production",
            load_balancer_arn=self.alb.arn,
            port=self.production.port,
            **secure,
            default_action=[LbListenerDefaultAction(type="forward", target_group_arn=blue.arn)],
            lifecycle=follow_codedeploy,
        )
        self.test_listener = LbListener(
            self,
            "test",
            load_balancer_arn=self.alb.arn,
            port=self.test.port,
            **secure,
            default_action=[LbListenerDefaultAction(type="forward", target_group_arn=blue.arn)],
            lifecycle=follow_codedeploy,
        )
        # What attaches the blue target group to the ALB: ECS rejects a target group no listener forwards to.
        self.forwarding_listeners = (self.production_listener, self.test_listener)
        self.dns_name = self.alb.dns_name
        self.arn_suffix = self.alb.arn_suffix

    def _ingress(self, port: int, cidrs: tuple[str, ...], description: str) -> None:
        for index, cidr in enumerate(cidrs):
            VpcSecurityGroupIngressRule(
                self,
                f"ingress-{port}-{index}",
                security_group_id=self.security_group.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_ipv4=cidr,
                description=description,
            )

    @staticmethod
    def access_log_statements(props: LoadBalancerProps) -> tuple[dict, ...]:
        """The bucket policy statement that lets Elastic Load Balancing deliver this account's logs."""
        account = props.account
        return (
            {
                "Sid": "AlbWritesAccessLogs",
                "Effect": "Allow",
                "Principal": account.elb_log_delivery_principal,
                "Action": "s3:PutObject",
                "Resource": account.bucket_arn(props.access_logs_bucket, f"alb/AWSLogs/{account.account_id}/*"),
            },
        )
