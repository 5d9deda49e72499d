"""Helpers for the end-to-end tests: deploy an environment's stacks to a private emulator, query it,
destroy, and record how long each step took."""

from __future__ import annotations

import contextlib
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from envconfig.model import Environment
from tooling.deploy.stackrun import Applied, EmulatorTarget, apply, destroy, replan, state_addresses
from tooling.emulator.server import Emulator
from tooling.emulator.variant import STATE_KEY_ALIAS
from tooling.harness.terraform import terraform

TIMINGS: list[tuple[str, float]] = []  # ("apply dev-delivery", seconds), printed in the terminal summary


@dataclass
class Deployment:
    env: Environment
    emulator: Emulator
    target: EmulatorTarget
    stacks: list[str]
    applied: dict[str, Applied] = field(default_factory=dict)
    destroyed: bool = False

    def client(self, service: str):
        return self.emulator.boto3_client(service, region=self.env.region)

    def work_dir(self, stack: str) -> Path:
        return self.target.work_dir(stack)

    def config(self, stack: str) -> dict:
        """The configuration applied to the emulator (synthesized stack + emulator overlay)."""
        return json.loads((self.work_dir(stack) / "cdk.tf.json").read_text())

    def state(self, stack: str) -> list[dict]:
        document = json.loads(terraform(["show", "-json"], self.work_dir(stack)).stdout)
        return document.get("values", {}).get("root_module", {}).get("resources", [])

    def replan(self, stack: str):
        result = replan(self.work_dir(stack))
        TIMINGS.append((f"re-plan {stack}", result.seconds))
        return result

    def destroy_all(self) -> None:
        for stack in reversed(self.stacks):
            if state_addresses(self.work_dir(stack)):
                result = destroy(self.work_dir(stack))
                TIMINGS.append((f"destroy {stack}", result.seconds))
        self.destroyed = True


@contextmanager
def deployed(
    env: Environment, stacks: list[str], stack_dirs: dict[str, Path], work_root: Path, multi_account: bool = False
):
    """One emulator (the environment's account; `multi_account`: stacks assuming roles of other accounts act
    there), every stack applied in order; always torn down."""
    with Emulator.start(account_id=env.account_id, state_dir=work_root, multi_account=multi_account) as emulator:
        deployment = Deployment(env, emulator, EmulatorTarget(emulator.endpoint, work_root / "stacks"), stacks)
        try:
            for stack in stacks:
                work_dir = deployment.target.prepare(stack, stack_dirs[stack])
                start = time.monotonic()
                deployment.applied[stack] = apply(stack, work_dir)
                TIMINGS.append((f"apply {stack}", time.monotonic() - start))
            yield deployment
        finally:
            if not deployment.destroyed:
                # the emulator is stopped anyway; the test reports the failure
                with contextlib.suppress(Exception):
                    deployment.destroy_all()


def state_key_alias(deployment: Deployment) -> str:
    """The alias of the KMS key the emulator created for an s3 backend's state bucket."""
    kms_key_id = getattr(deployment.env.backend, "kms_key_id", "")
    return kms_key_id if kms_key_id.startswith("alias/") else STATE_KEY_ALIAS


def assert_nothing_left(deployment: Deployment) -> None:
    """After destroy the emulator's list calls are empty. Deletes that AWS only marks (ECS clusters go
    INACTIVE, task definitions are deregistered, KMS keys wait PendingDeletion) are checked as marked."""
    client, prefix = deployment.client, deployment.env.name_prefix
    assert client("ecr").describe_repositories()["repositories"] == []
    assert client("codepipeline").list_pipelines()["pipelines"] == []
    assert client("codebuild").list_projects()["projects"] == []
    assert [r["RoleName"] for r in client("iam").list_roles()["Roles"] if r["RoleName"].startswith(prefix)] == []
    # an s3 backend's state bucket holds the (now empty) state: it outlives the stacks, as on AWS
    state_bucket = getattr(deployment.env.backend, "bucket", None)
    assert [b["Name"] for b in client("s3").list_buckets()["Buckets"] if b["Name"] != state_bucket] == []
    assert client("sns").list_topics()["Topics"] == []
    assert client("logs").describe_log_groups()["logGroups"] == []
    assert client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert client("elbv2").describe_target_groups()["TargetGroups"] == []
    assert client("codedeploy").list_applications()["applications"] == []
    assert client("lambda").list_functions()["Functions"] == []
    ec2 = client("ec2")
    assert [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]] == []
    assert [n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"] == []
    assert ec2.describe_addresses()["Addresses"] == []
    assert client("eks").list_clusters()["clusters"] == []
    assert client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    ecs = client("ecs")
    clusters = ecs.list_clusters()["clusterArns"]
    if clusters:
        assert {c["status"] for c in ecs.describe_clusters(clusters=clusters)["clusters"]} == {"INACTIVE"}
    assert ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"] == []
    kms = client("kms")
    # an s3 backend's state key outlives the stacks with its bucket (tooling/emulator/variant.py creates both)
    aliases = [a for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")]
    state_keys = {a["TargetKeyId"] for a in aliases if state_bucket and a["AliasName"] == state_key_alias(deployment)}
    assert [a["AliasName"] for a in aliases if a.get("TargetKeyId") not in state_keys] == []
    states = {
        kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"]
        for k in kms.list_keys()["Keys"]
        if k["KeyId"] not in state_keys
    }
    assert states <= {"PendingDeletion"}, states
