"""The orchestrated ECS lifecycle's other branches, on a bare emulator with a hand-made blue/green service (seconds,
not a stack deploy): a linear configuration, a hook before Install (no rollback possible), a hook that never
reports, and the emulator patches the lifecycle stands on."""

from __future__ import annotations

import json

import boto3
import botocore.exceptions
import pytest
import yaml

from envconfig.account import Account
from tests.rehearsal_doubles import AdminActors, InstantClock, ListTimeline
from tooling.emulator.server import Emulator, free_port
from tooling.rehearsal.actors import set_enforcement
from tooling.rehearsal.codedeploy_ecs import HookServer, run_ecs_lifecycle

pytestmark = pytest.mark.e2e
REGION = "eu-west-1"
ACCOUNT = Account("111111111111", REGION)
ROLLBACK = {"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with Emulator.start(account_id=ACCOUNT.account_id, state_dir=tmp_path_factory.mktemp("emulator")) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def service(emulator):
    """A CODE_DEPLOY service behind two listeners and two target groups, as modules/ecs builds it."""
    client = lambda name: emulator.boto3_client(name, region=REGION)  # noqa: E731
    ec2, elbv2, ecs = client("ec2"), client("elbv2"), client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    alb = elbv2.create_load_balancer(Name="app", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    blue, green = (
        elbv2.create_target_group(
            Name=f"app-{colour}", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip", HealthCheckPath="/health"
        )["TargetGroups"][0]["TargetGroupArn"]
        for colour in ("blue", "green")
    )
    listeners = [
        elbv2.create_listener(
            LoadBalancerArn=alb,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": blue}],
        )["Listeners"][0]["ListenerArn"]
        for port in (80, 8080)
    ]
    ecs.create_cluster(clusterName="cluster")
    ecs.create_service(
        cluster="cluster",
        serviceName="app",
        taskDefinition=_task_definition(ecs, "app:1"),
        desiredCount=2,
        launchType="FARGATE",
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=[{"targetGroupArn": blue, "containerName": "app", "containerPort": 80}],
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets[:1], "securityGroups": [group]}},
    )
    client("codedeploy").create_application(applicationName="app", computePlatform="ECS")
    client("iam").create_role(RoleName="hooks", AssumeRolePolicyDocument="{}")
    for hook in ("BeforeInstall", "AfterAllowTestTraffic"):
        client("lambda").create_function(
            FunctionName=f"app-{hook}",
            Runtime="python3.12",
            Role=ACCOUNT.arn("iam", "role/hooks", regional=False),
            Handler="validate.handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
        )
    return {"listeners": listeners, "blue": blue, "green": green, "ecs": ecs, "elbv2": elbv2, "client": client}


def _task_definition(ecs, image: str) -> str:
    return ecs.register_task_definition(
        family="app",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": image, "portMappings": [{"containerPort": 80}]}],
    )["taskDefinition"]["taskDefinitionArn"]


def _deploy(service, group: str, config: str, hooks: list[str], image: str) -> str:
    """A deployment group of its own (with `config`), and a deployment of `image` with `hooks`."""
    codedeploy, (production, test) = service["client"]("codedeploy"), service["listeners"]
    codedeploy.create_deployment_group(
        applicationName="app",
        deploymentGroupName=group,
        deploymentConfigName=config,
        serviceRoleArn=ACCOUNT.arn("iam", "role/codedeploy", regional=False),
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 5}
        },
        ecsServices=[{"clusterName": "cluster", "serviceName": "app"}],
        autoRollbackConfiguration=ROLLBACK,
        loadBalancerInfo={
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": "app-blue"}, {"name": "app-green"}],
                    "prodTrafficRoute": {"listenerArns": [production]},
                    "testTrafficRoute": {"listenerArns": [test]},
                }
            ]
        },
    )
    appspec = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": _task_definition(service["ecs"], image),
                        "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 80},
                    },
                }
            }
        ],
        "Hooks": [{hook: f"app-{hook}"} for hook in hooks],
    }
    return codedeploy.create_deployment(
        applicationName="app",
        deploymentGroupName=group,
        revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": yaml.safe_dump(appspec)}},
    )["deploymentId"]


def _state(service) -> tuple[list[dict], list[dict]]:
    task_sets = service["ecs"].describe_services(cluster="cluster", services=["app"])["services"][0]["taskSets"]
    listeners = service["elbv2"].describe_listeners(ListenerArns=service["listeners"])["Listeners"]
    return task_sets, [listener["DefaultActions"][0] for listener in listeners]


def _weights(action: dict) -> dict[str, int]:
    groups = action.get("ForwardConfig", {}).get("TargetGroups") or [{"TargetGroupArn": action["TargetGroupArn"]}]
    return {g["TargetGroupArn"]: g.get("Weight", 1) for g in groups if g.get("Weight", 1)}


def test_the_service_starts_with_its_primary_task_set_on_blue(service):
    (task_set,), _ = _state(service)
    assert task_set["status"] == "PRIMARY" and task_set["loadBalancers"][0]["targetGroupArn"] == service["blue"]


def test_hook_before_install_fails_without_rollback_or_replacement(emulator, service):
    before, listeners_before = _state(service)
    deployment = _deploy(service, "before-install", "CodeDeployDefault.ECSAllAtOnce", ["BeforeInstall"], "app:2")
    timeline = ListTimeline()
    with HookServer() as server:
        server.healthy = False
        outcome = run_ecs_lifecycle(AdminActors(emulator, REGION), timeline, InstantClock(), deployment, server.url)
    assert (outcome.status, outcome.failed_step) == ("Failed", "BeforeInstall")
    assert not any(a.startswith(("Install", "Rollback")) for a in timeline.actions())
    assert _state(service) == (before, listeners_before)


@pytest.mark.parametrize(
    ("config", "waits"),
    [("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", [1] * 9 + [5]), ("CodeDeployDefault.ECSAllAtOnce", [5])],
)
def test_a_release_shifts_traffic_in_its_configuration_steps(emulator, service, config, waits):
    (original,), _ = _state(service)
    deployment = _deploy(service, config.split(".")[-1], config, ["AfterAllowTestTraffic"], f"app:{config}")
    timeline, clock = ListTimeline(), InstantClock()
    with HookServer() as server:
        outcome = run_ecs_lifecycle(AdminActors(emulator, REGION), timeline, clock, deployment, server.url)
    assert outcome.status == "Succeeded", outcome
    assert clock.waits == waits  # every interval, then the termination wait
    shifts = [a for a in timeline.actions() if a.startswith("AllowTraffic")]
    assert len(shifts) == len(waits)
    (replacement,), (production, test) = _state(service)
    green = replacement["loadBalancers"][0]["targetGroupArn"]
    assert replacement["id"] != original["id"] and green != original["loadBalancers"][0]["targetGroupArn"]
    assert _weights(production) == {green: 100} and _weights(test) == {green: 1}


class _UnreachableHooks(AdminActors):
    """The hooks' credentials point at a closed port: the hook code cannot report."""

    def credentials(self, role: str) -> dict[str, str]:
        credentials = super().credentials(role)
        return (
            {**credentials, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"} if role == "hooks" else credentials
        )


def test_a_hook_that_never_reports_fails_its_event_and_rolls_back(emulator, service):
    (original,), listeners_before = _state(service)
    deployment = _deploy(service, "silent", "CodeDeployDefault.ECSAllAtOnce", ["AfterAllowTestTraffic"], "app:3")
    with HookServer() as server:
        outcome = run_ecs_lifecycle(
            _UnreachableHooks(emulator, REGION), ListTimeline(), InstantClock(), deployment, server.url
        )
    assert (outcome.status, outcome.failed_step) == ("Failed", "AfterAllowTestTraffic")
    assert "did not report" in outcome.reason and "could not report" in outcome.reason
    (after,), (production, test) = _state(service)
    blue = original["loadBalancers"][0]["targetGroupArn"]
    assert after["id"] == original["id"] and _weights(production) == {blue: 100} and _weights(test) == {blue: 1}


def test_enforced_iam_checks_iams_action_names(emulator, service):
    """Patch `iam-enforcement-action-names`: with enforcement on, a role allowed `cloudwatch:DescribeAlarms` and
    `lambda:InvokeFunction` (IAM's names) may make those calls, which moto checked as `monitoring:DescribeAlarms`
    and `lambda:Invoke`; an action it is not allowed is still denied."""
    iam = service["client"]("iam")
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "codedeploy.amazonaws.com"}, "Action": "*"}]}
    iam.create_role(RoleName="checked", AssumeRolePolicyDocument=json.dumps(trust))
    allowed = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["cloudwatch:DescribeAlarms"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": "*"},
        ],
    }
    iam.put_role_policy(RoleName="checked", PolicyName="p", PolicyDocument=json.dumps(allowed))
    keys = service["client"]("sts").assume_role(
        RoleArn=ACCOUNT.arn("iam", "role/checked", regional=False), RoleSessionName="checked"
    )["Credentials"]
    session = boto3.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
        region_name=REGION,
    )
    role = lambda name: session.client(name, endpoint_url=emulator.endpoint)  # noqa: E731
    set_enforcement(emulator.endpoint, True)
    try:
        assert role("cloudwatch").describe_alarms()["MetricAlarms"] is not None
        role("lambda").invoke(FunctionName="app-BeforeInstall", InvocationType="DryRun")
        with pytest.raises(botocore.exceptions.ClientError):
            role("ecs").list_clusters()
    finally:
        set_enforcement(emulator.endpoint, False)
