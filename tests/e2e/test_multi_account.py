"""Three accounts on one emulator (tests/fixtures/multi_account): the delivery stack in the delivery account
(333333333333), staging's and prod's service stacks in theirs (444444444444, 555555555555). moto keeps one backend
per account, and each stack's provider assumes the role its file names through the emulator's STS, whose
credentials act in the role's account. Applied in order (delivery first: the deploy roles trust the pipeline role
by ARN), re-planned (empty), then checked through the API of each account: it holds only its own resources, and
the cross-account trust, key, bucket and repository policies are the planned ones."""

from __future__ import annotations

import json

import boto3
import pytest

from envconfig.loader import load_environments
from envconfig.naming import delivery_environment
from tests.e2e.deployment import deployed
from tooling import ROOT
from tooling.harness.synth import synthesize

pytestmark = pytest.mark.e2e
DELIVERY, STAGING, PROD = "333333333333", "444444444444", "555555555555"
STACKS = ["prod-delivery", "staging-service", "prod-service"]  # the EKS stacks: tests/e2e/test_staging_blue_green


@pytest.fixture(scope="module")
def accounts(synthesis, tmp_path_factory):
    """(deployment, client(account, service)) after the three stacks are applied (`synthesis`: bindings loaded)."""
    catalog = load_environments(None, ROOT / "tests" / "fixtures" / "multi_account")
    synthesized = synthesize(catalog, outdir=tmp_path_factory.mktemp("multi-account.out"))
    delivery = delivery_environment(catalog.by_name["prod"])
    work_root = tmp_path_factory.mktemp("e2e-multi-account")
    with deployed(delivery, STACKS, synthesized.stacks, work_root, multi_account=True) as deployment:

        def client(account: str, service: str):
            """A client acting in `account`: credentials of a role there, from the emulator's STS."""
            credentials = deployment.client("sts").assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/e2e-inspector", RoleSessionName="e2e"
            )["Credentials"]
            return boto3.client(
                service,
                endpoint_url=deployment.emulator.endpoint,
                region_name="eu-west-1",
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )

        yield deployment, client


def planned(deployment, stack: str, resource_type: str, name_part: str = "") -> dict:
    found = [
        values
        for address, values in deployment.config(stack)["resource"].get(resource_type, {}).items()
        if name_part in address
    ]
    assert len(found) == 1, f"{stack} {resource_type} {name_part}: {len(found)}"
    return found[0]


def test_second_plan_is_empty(accounts):
    deployment, _ = accounts
    for stack in deployment.stacks:
        result = deployment.replan(stack)
        changes = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("#")]
        assert result.returncode == 0, f"{stack} drifts after apply:\n" + "\n".join(changes)


def test_each_account_holds_only_its_own_resources(accounts):
    _, client = accounts
    for account in (DELIVERY, STAGING, PROD):
        assert client(account, "sts").get_caller_identity()["Account"] == account
    repositories = {
        a: [r["repositoryName"] for r in client(a, "ecr").describe_repositories()["repositories"]]
        for a in (DELIVERY, STAGING, PROD)
    }
    assert repositories == {DELIVERY: ["acme-prod-app"], STAGING: [], PROD: []}
    pipelines = {
        a: [p["name"] for p in client(a, "codepipeline").list_pipelines()["pipelines"]]
        for a in (DELIVERY, STAGING, PROD)
    }
    assert pipelines == {DELIVERY: ["acme-prod-app-pipeline"], STAGING: [], PROD: []}
    applications = {a: client(a, "codedeploy").list_applications()["applications"] for a in (DELIVERY, STAGING, PROD)}
    assert applications == {DELIVERY: [], STAGING: ["acme-stg-app"], PROD: ["acme-prod-app"]}
    roles = {a: {r["RoleName"] for r in client(a, "iam").list_roles()["Roles"]} for a in (DELIVERY, STAGING, PROD)}
    assert "acme-prod-app-pipeline" in roles[DELIVERY] and not roles[DELIVERY] & {
        "acme-stg-pipeline-deploy",
        "acme-prod-pipeline-deploy",
    }
    assert "acme-stg-pipeline-deploy" in roles[STAGING] and "acme-prod-app-pipeline" not in roles[STAGING]
    assert "acme-prod-pipeline-deploy" in roles[PROD] and "acme-prod-app-pipeline" not in roles[PROD]
    clusters = {a: client(a, "ecs").list_clusters()["clusterArns"] for a in (DELIVERY, STAGING, PROD)}
    assert clusters[DELIVERY] == [] and [c.split(":")[4] for c in clusters[STAGING] + clusters[PROD]] == [STAGING, PROD]


def test_cross_account_policies_are_the_planned_ones(accounts):
    deployment, client = accounts
    kms = client(DELIVERY, "kms")
    (alias,) = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/acme-prod-delivery"]
    key_policy = json.loads(kms.get_key_policy(KeyId=alias["TargetKeyId"], PolicyName="default")["Policy"])
    assert key_policy == json.loads(planned(deployment, "prod-delivery", "aws_kms_key")["policy"])
    assert any(s.get("Sid", "").startswith("OtherAccountRolesDecrypt") for s in key_policy["Statement"])
    bucket = "acme-prod-artifacts-333333333333"
    bucket_policy = json.loads(client(DELIVERY, "s3").get_bucket_policy(Bucket=bucket)["Policy"])
    assert bucket_policy == json.loads(
        planned(deployment, "prod-delivery", "aws_s3_bucket_policy", "artifacts")["policy"]
    )
    repository_policy = json.loads(
        client(DELIVERY, "ecr").get_repository_policy(repositoryName="acme-prod-app")["policyText"]
    )
    assert repository_policy == json.loads(planned(deployment, "prod-delivery", "aws_ecr_repository_policy")["policy"])
    for account, stack, role in (
        (STAGING, "staging-service", "acme-stg-pipeline-deploy"),
        (PROD, "prod-service", "acme-prod-pipeline-deploy"),
    ):
        trust = client(account, "iam").get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust == json.loads(planned(deployment, stack, "aws_iam_role", "pipeline-deploy")["assume_role_policy"])
        assert trust["Statement"][0]["Principal"] == {"AWS": [f"arn:aws:iam::{DELIVERY}:role/acme-prod-app-pipeline"]}
    action_roles = {
        action["name"]: action.get("roleArn")
        for stage in client(DELIVERY, "codepipeline").get_pipeline(name="acme-prod-app-pipeline")["pipeline"]["stages"]
        for action in stage["actions"]
    }
    assert action_roles["Kubernetes-staging"] == f"arn:aws:iam::{STAGING}:role/acme-stg-pipeline-deploy"
    assert action_roles["BlueGreen-prod"] == f"arn:aws:iam::{PROD}:role/acme-prod-pipeline-deploy"


def test_destroy_leaves_nothing_in_any_account(accounts):
    deployment, client = accounts
    deployment.destroy_all()
    for account in (DELIVERY, STAGING, PROD):
        assert client(account, "ecr").describe_repositories()["repositories"] == [], account
        assert client(account, "codepipeline").list_pipelines()["pipelines"] == [], account
        assert client(account, "codedeploy").list_applications()["applications"] == [], account
        roles = [r["RoleName"] for r in client(account, "iam").list_roles()["Roles"]]
        assert [name for name in roles if name.startswith("acme-")] == [], account
