"""Plan JSON of the multi-account fixtures (tests/fixtures): a delivery account (333333333333) whose pipeline
promotes into staging (444444444444, EKS target) and prod (555555555555, ECS blue/green), and the same with
staging in another region (us-east-1). What a cross-account promotion needs, resource by resource: the pipeline's
actions carry the target's deploy role (and region); the deploy role trusts the pipeline's role alone and holds
the deploy's rights; the delivery key, artifact buckets and image repositories grant those accounts' named roles
only; each region the pipeline acts in has an artifact store."""

from __future__ import annotations

import json

import pytest

from envconfig.eks_naming import EksNames
from envconfig.loader import load_environments
from envconfig.naming import EnvironmentNames, delivery_environment
from release.model import release_spec
from tooling import ROOT
from tooling.harness.planjson import as_list
from tooling.harness.synth import synthesize
from tooling.harness.terraform import plan_stacks
from tooling.iam.evaluator import Request, evaluate
from tooling.iam.sufficiency import calls_of, check_plans, table

FIXTURES = ROOT / "tests" / "fixtures"
DELIVERY, STAGING, PROD = "333333333333", "444444444444", "555555555555"
PLANNED = {
    "multi_account": ("prod-delivery", "prod-service", "staging-service", "staging-eks", "prod-bootstrap"),
    "cross_region": ("prod-delivery", "prod-delivery-us-east-1", "staging-service", "prod-bootstrap"),
}


@pytest.fixture(scope="session", params=sorted(PLANNED))
def layout(request, synthesis, tmp_path_factory):
    """(name, catalog, synthesis, plans) of one fixture set (after `synthesis`: the bindings load once)."""
    name = request.param
    catalog = load_environments(None, FIXTURES / name)
    synthesized = synthesize(catalog, outdir=tmp_path_factory.mktemp(f"{name}.out"))
    plans = plan_stacks(
        {stack: synthesized.stacks[stack] for stack in PLANNED[name]}, work_root=tmp_path_factory.mktemp(name)
    )
    return name, catalog, synthesized, plans


def resource(plan, resource_type: str, name_part: str = "") -> dict:
    found = [r for r in plan.of_type(resource_type) if name_part in r["address"]]
    assert len(found) == 1, f"{plan.stack}: {resource_type} *{name_part}*: {[r['address'] for r in found]}"
    return found[0]


def allowed(policy, action: str, resource_arn: str, principal: str, **context) -> bool:
    """A resource policy's decision; trust and repository policies name no Resource (it is the role, the
    repository itself), so their statements are read as applying to `resource_arn`."""
    statements = [{"Resource": resource_arn, **statement} for statement in policy["Statement"]]
    request = Request(action, resource_arn, {"aws:PrincipalArn": principal, **context})
    return evaluate([{"Statement": statements}], request).allowed


def deploy_role_arn(account: str, prefix: str) -> str:
    return f"arn:aws:iam::{account}:role/{prefix}-pipeline-deploy"


def test_each_stack_works_in_its_account_through_the_role_its_file_names(layout):
    _, catalog, synthesized, _ = layout
    expected = {
        "prod-delivery": (DELIVERY, "acme-delivery-terraform"),
        "prod-service": (PROD, "acme-prod-terraform"),
        "staging-service": (STAGING, "acme-stg-terraform"),
        "staging-eks": (STAGING, "acme-stg-terraform"),
        "prod-delivery-bootstrap": (DELIVERY, None),  # applied with the account's admin credentials
        "staging-bootstrap": (STAGING, None),
    }
    for stack, (account, role) in expected.items():
        (provider,) = synthesized.config(stack)["provider"]["aws"]
        assert provider["allowed_account_ids"] == [account], stack
        assumed = [block["role_arn"] for block in provider.get("assume_role", [])]
        assert assumed == ([f"arn:aws:iam::{account}:role/{role}"] if role else []), stack
    cloud = synthesized.config("prod-delivery")["terraform"]["cloud"]
    assert (cloud["organization"], cloud["workspaces"]) == ("acme", {"name": "platform-prod-delivery"}), (
        "the delivery stack keeps its environment's backend"
    )


def test_deploy_actions_assume_the_target_deploy_role_and_the_pipeline_may_only_assume_them(layout):
    name, catalog, _, plans = layout
    pipeline = resource(plans["prod-delivery"], "aws_codepipeline")["values"]
    actions = {action["name"]: action for stage in pipeline["stage"] for action in stage["action"]}
    assert actions["Kubernetes-staging"]["role_arn"] == deploy_role_arn(STAGING, "acme-stg")
    assert (actions["Kubernetes-staging"].get("region") or "") == ("us-east-1" if name == "cross_region" else "")
    assert actions["BlueGreen-prod"]["role_arn"] == deploy_role_arn(PROD, "acme-prod")
    for in_delivery_account in ("Github", "BuildAndTest", "Approve-prod"):
        assert not actions[in_delivery_account].get("role_arn"), in_delivery_account
    role = next(
        r
        for r in plans["prod-delivery"].of_type("aws_iam_role_policy")
        if r["values"]["name"].endswith("app-pipeline-least-privilege")
    )
    policy = json.loads(role["values"]["policy"])
    assumable = sorted(
        r for s in policy["Statement"] if "sts:AssumeRole" in as_list(s["Action"]) for r in as_list(s["Resource"])
    )
    assert assumable == sorted([deploy_role_arn(STAGING, "acme-stg"), deploy_role_arn(PROD, "acme-prod")])
    granted = {a for s in policy["Statement"] for a in as_list(s["Action"])}
    assert not granted & {"codedeploy:CreateDeployment", "iam:PassRole", "ecs:RegisterTaskDefinition"}, (
        "the deploy rights belong to the targets' deploy roles"
    )


def test_the_deploy_role_trusts_the_pipeline_role_only_and_holds_the_deploy_rights(layout):
    name, catalog, _, plans = layout
    pipeline_role = f"arn:aws:iam::{DELIVERY}:role/acme-prod-app-pipeline"
    stacks = {"staging-service": "acme-stg", "prod-service": "acme-prod"}
    for stack, prefix in stacks.items():
        if stack not in plans:
            continue
        role = resource(plans[stack], "aws_iam_role", "pipeline-deploy")["values"]
        trust = json.loads(role["assume_role_policy"])
        (statement,) = trust["Statement"]
        assert statement["Principal"] == {"AWS": [pipeline_role]}, stack
        assert statement["Condition"]["ArnEquals"]["aws:PrincipalArn"] == [pipeline_role]
        assert allowed(trust, "sts:AssumeRole", "*", pipeline_role)
        for stranger in (f"arn:aws:iam::{DELIVERY}:role/acme-prod-app-codebuild", f"arn:aws:iam::{DELIVERY}:root"):
            assert not allowed(trust, "sts:AssumeRole", "*", stranger), f"{stack}: {stranger} may assume"
        policies = [
            json.loads(r["values"]["policy"])
            for r in plans[stack].of_type("aws_iam_role_policy")
            if r["values"]["name"].startswith(f"{prefix}-pipeline-deploy")
        ]
        region = catalog.by_name[stack.split("-")[0]].region
        bucket = "acme-prod-artifacts-333333333333" + ("" if region == "eu-west-1" else f"-{region}")
        artifact = f"arn:aws:s3:::{bucket}/acme-prod-app-pipeli/BuildOutput/x.zip"

        def may(action, arn, policies=policies, **context):
            return evaluate(policies, Request(action, arn, context)).allowed

        assert may("s3:GetObject", artifact)
        assert not may("s3:PutObject", artifact)
        assert not may("s3:GetObject", f"arn:aws:s3:::{bucket}/other-pipeline/x.zip")
        key = f"arn:aws:kms:{region}:{DELIVERY}:key/1234"
        assert may("kms:Decrypt", key, **{"kms:ResourceAliases": ["alias/acme-prod-delivery"]})
        if stack == "staging-service":  # the EKS target: the pipeline runs the cluster's kubectl project
            project = f"arn:aws:codebuild:{region}:{STAGING}:project/acme-stg-eks-deploy"
            assert may("codebuild:StartBuild", project)
        else:
            target = catalog.by_name["prod"]
            names = EnvironmentNames(target).service(target.services[0])
            release = release_spec(target, target.services[0])
            assert may("codedeploy:CreateDeployment", names.deployment_group_arn)
            assert may("iam:PassRole", release.task_role_arn, **{"iam:PassedToService": "ecs-tasks.amazonaws.com"})
            assert not may("iam:PassRole", release.task_role_arn, **{"iam:PassedToService": "lambda.amazonaws.com"})
            assert not may("codedeploy:CreateDeployment", names.deployment_group_arn.replace(PROD, STAGING))


def test_delivery_key_bucket_and_repository_grant_named_roles_of_the_targets_only(layout):
    name, catalog, _, plans = layout
    delivery = plans["prod-delivery"]
    key_policy = json.loads(resource(delivery, "aws_kms_key")["values"]["policy"])
    bucket_policy = json.loads(resource(delivery, "aws_s3_bucket_policy", "artifacts")["values"]["policy"])
    repository_policy = json.loads(resource(delivery, "aws_ecr_repository_policy")["values"]["policy"])
    prod = catalog.by_name["prod"]
    prod_release = release_spec(prod, prod.services[0])
    prod_roles = {
        "deploy": deploy_role_arn(PROD, "acme-prod"),
        "codedeploy": f"arn:aws:iam::{PROD}:role/acme-prod-app-codedeploy",
        "execution": prod_release.execution_role_arn,
        "task": prod_release.task_role_arn,
    }
    assert allowed(key_policy, "kms:Decrypt", "*", prod_roles["deploy"])
    assert allowed(key_policy, "kms:Decrypt", "*", prod_roles["codedeploy"])
    assert not allowed(key_policy, "kms:Encrypt", "*", prod_roles["deploy"])
    assert not allowed(key_policy, "kms:Decrypt", "*", prod_roles["task"])
    artifact = "arn:aws:s3:::acme-prod-artifacts-333333333333/acme-prod-app-pipeli/BuildOutput/x.zip"
    assert allowed(bucket_policy, "s3:GetObject", artifact, prod_roles["deploy"])
    assert not allowed(bucket_policy, "s3:PutObject", artifact, prod_roles["deploy"])
    assert not allowed(bucket_policy, "s3:GetObject", artifact, prod_roles["task"])
    assert not allowed(
        bucket_policy, "s3:GetObject", "arn:aws:s3:::acme-prod-artifacts-333333333333/cache/x", prod_roles["deploy"]
    )
    repository = "arn:aws:ecr:eu-west-1:333333333333:repository/acme-prod-app"
    assert allowed(repository_policy, "ecr:BatchGetImage", repository, prod_roles["execution"])
    assert not allowed(repository_policy, "ecr:PutImage", repository, prod_roles["execution"])
    assert not allowed(repository_policy, "ecr:BatchGetImage", repository, prod_roles["task"])
    node_role = EnvironmentNames(catalog.by_name["staging"]).role_arn(
        EksNames(EnvironmentNames(catalog.by_name["staging"])).node_role
    )
    assert allowed(repository_policy, "ecr:BatchGetImage", repository, node_role)
    staging_readers = [deploy_role_arn(STAGING, "acme-stg"), f"arn:aws:iam::{STAGING}:role/acme-stg-eks-deploy"]
    # staging's grants sit with the artifact store of its region: the main one, or the regional stack's
    store = plans["prod-delivery-us-east-1"] if name == "cross_region" else delivery
    store_key = json.loads(resource(store, "aws_kms_key")["values"]["policy"])
    store_bucket = json.loads(resource(store, "aws_s3_bucket_policy")["values"]["policy"])
    bucket = resource(store, "aws_s3_bucket")["values"]["bucket"]
    for reader in staging_readers:
        assert allowed(store_key, "kms:Decrypt", "*", reader)
        assert allowed(store_bucket, "s3:GetObject", f"arn:aws:s3:::{bucket}/acme-prod-app-pipeli/x", reader)
    for policy in (key_policy, bucket_policy, repository_policy, store_key, store_bucket):
        for statement in policy["Statement"]:
            principal = statement.get("Principal", {}).get("AWS")
            if statement["Effect"] == "Allow" and any(str(p).endswith(":root") for p in as_list(principal)):
                assert statement["Condition"]["ArnEquals"]["aws:PrincipalArn"], statement


def test_every_region_the_pipeline_acts_in_has_an_artifact_store(layout):
    name, catalog, _, plans = layout
    stores = resource(plans["prod-delivery"], "aws_codepipeline")["values"]["artifact_store"]
    if name == "multi_account":
        assert [(s["location"], s.get("region") or "") for s in stores] == [("acme-prod-artifacts-333333333333", "")]
        return
    assert sorted((s["location"], s["region"]) for s in stores) == [
        ("acme-prod-artifacts-333333333333", "eu-west-1"),
        ("acme-prod-artifacts-333333333333-us-east-1", "us-east-1"),
    ]
    regional = plans["prod-delivery-us-east-1"]
    assert resource(regional, "aws_kms_alias")["values"]["name"] == "alias/acme-prod-delivery"
    keys = {s["region"]: s["encryption_key"][0]["id"] for s in stores}
    assert keys == {region: f"arn:aws:kms:{region}:{DELIVERY}:alias/acme-prod-delivery" for region in keys}


def test_the_bootstrap_role_trusts_the_named_principals_with_the_files_policies(layout):
    _, _, _, plans = layout
    role = resource(plans["prod-bootstrap"], "aws_iam_role")["values"]
    assert role["name"] == "acme-prod-terraform"
    trust = json.loads(role["assume_role_policy"])
    assert allowed(trust, "sts:AssumeRole", "*", f"arn:aws:iam::{DELIVERY}:role/platform-ci")
    assert not allowed(trust, "sts:AssumeRole", "*", f"arn:aws:iam::{DELIVERY}:role/someone-else")
    assert [a["values"]["policy_arn"] for a in plans["prod-bootstrap"].of_type("aws_iam_role_policy_attachment")] == [
        f"arn:aws:iam::{PROD}:policy/acme-platform-terraform"
    ]


def test_the_delivery_view_is_the_delivery_account(layout):
    _, catalog, _, _ = layout
    view = delivery_environment(catalog.by_name["prod"])
    assert (view.account_id, view.key_admin_principal_arns[0]) == (
        DELIVERY,
        f"arn:aws:iam::{DELIVERY}:role/platform-admin",
    )


def test_the_cross_account_policies_pass_every_project_policy(layout, tmp_path):
    """checkov with the project's policies on the fixtures' plans: nothing fails, and the cross-account trust and
    grants were judged (CKV_DLP_51 on the deploy and bootstrap roles, CKV_DLP_52 on key, bucket, repository)."""
    from tests.policies.conftest import checkov_entries

    _, _, _, plans = layout
    args = []
    for stack, plan in plans.items():
        path = tmp_path / f"{stack}.json"
        path.write_text(json.dumps(plan.document))
        args += ["-f", str(path)]
    entries = checkov_entries(args, "terraform_plan")
    failed = [
        (e["check_id"], e["resource"], e.get("details")) for e in entries if e["check_result"]["result"] == "FAILED"
    ]
    assert not failed
    judged = {(e["check_id"], e["resource"].split(".")[0]) for e in entries if e["check_result"]["result"] == "PASSED"}
    assert ("CKV_DLP_51", "aws_iam_role") in judged
    assert {("CKV_DLP_52", kind) for kind in ("aws_kms_key", "aws_s3_bucket_policy")} <= judged


def test_every_call_of_every_role_is_allowed_across_accounts(layout):
    """Sufficiency (tooling/iam/sufficiency.py) on the fixtures: the pipeline role may assume each target's deploy
    role, and each deploy role may make the deploy's calls in its account and read the artifacts it deploys."""
    _, catalog, _, plans = layout
    results = check_plans(catalog, plans)
    findings = [str(finding) for result in results for finding in result.findings]
    assert not findings, "\n".join(findings) + "\n" + table(results)
    checked = {(r.role.stack, r.role.kind): r.checked for r in results}
    assert checked[("staging-service", "pipeline_deploy")]
    pipeline = next(r for r in results if r.role.kind == "pipeline")
    assumed = sorted(call.resource for call in calls_of(pipeline.role) if call.action == "sts:AssumeRole")
    assert assumed == sorted([deploy_role_arn(STAGING, "acme-stg"), deploy_role_arn(PROD, "acme-prod")])
