"""The delivery stacks' plans: ECR, artifact bucket, KMS, CodeBuild and pipeline as configured."""

from __future__ import annotations

import json

import pytest
import yaml

from envconfig.eks_naming import EksNames
from envconfig.naming import EnvironmentNames

ENVIRONMENTS = ["dev", "staging", "prod"]
PIPELINE_ENVIRONMENTS = ["dev", "prod"]  # staging runs none: prod's pipeline is the one that deploys it


def only_resource(plan, resource_type):
    found = plan.of_type(resource_type)
    assert len(found) == 1, f"{plan.stack}: expected one {resource_type}, found {len(found)}"
    return found[0]


def only(plan, resource_type):
    return only_resource(plan, resource_type)["values"]


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_ecr_is_immutable_scanned_and_kms_encrypted(plans, env):
    repository = only(plans[f"{env}-delivery"], "aws_ecr_repository")
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"] == [{"scan_on_push": True}]
    assert repository["encryption_configuration"][0]["encryption_type"] == "KMS"
    policy = json.loads(only(plans[f"{env}-delivery"], "aws_ecr_lifecycle_policy")["policy"])
    assert [(rule["selection"]["tagStatus"], rule["selection"].get("tagPrefixList")) for rule in policy["rules"]] == [
        ("tagged", ["release-"]),
        ("tagged", ["build-"]),
        ("untagged", None),
    ]


def test_an_environment_promoted_through_runs_no_pipeline(plans):
    """One pipeline per deployment target: staging's services are deployed by prod's pipeline only."""
    plan = plans["staging-delivery"]
    for resource_type in ("aws_codepipeline", "aws_codebuild_project", "aws_ecr_repository", "aws_iam_role"):
        assert plan.of_type(resource_type) == [], resource_type
    assert only(plan, "aws_kms_alias")["name"] == "alias/acme-stg-delivery"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_artifact_bucket_is_private_versioned_encrypted_and_tls_only(plans, env):
    plan = plans[f"{env}-delivery"]
    assert only(plan, "aws_s3_bucket_versioning")["versioning_configuration"][0]["status"] == "Enabled"
    block = only(plan, "aws_s3_bucket_public_access_block")
    assert all(
        block[key]
        for key in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    rule = only(plan, "aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
    assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    policy = json.loads(only(plan, "aws_s3_bucket_policy")["policy"])
    deny = policy["Statement"][0]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_key_rotates_and_names_its_users(plans, catalog, env):
    plan = plans[f"{env}-delivery"]
    key = only(plan, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    assert "kms:Decrypt" not in statements["AdministratorsManageKey"]["Action"]
    named = statements.get("NamedRolesUseKey", {"Condition": {"ArnEquals": {"aws:PrincipalArn": []}}})
    users = named["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    roles = {role["values"]["name"] for role in plan.of_type("aws_iam_role")}
    # and the deploy project of each cluster this pipeline deploys into (eks.deploy_target = "eks")
    deployers = {
        EksNames(EnvironmentNames(target)).deploy_role
        for target in catalog.promotion_targets(catalog.by_name[env])
        if target.eks and target.eks.deploy_target == "eks"
    }
    assert {arn.split("/")[-1] for arn in users} == roles | deployers


@pytest.mark.parametrize("env", PIPELINE_ENVIRONMENTS)
def test_codebuild_is_encrypted_logged_and_sized_from_the_environment(plans, catalog, env):
    service = catalog.by_name[env].services[0]
    plan = plans[f"{env}-delivery"]
    name = EnvironmentNames(catalog.by_name[env]).service(service).build_project
    resource = next(r for r in plan.of_type("aws_codebuild_project") if r["values"]["name"] == name)
    project = resource["values"]
    key = only_resource(plan, "aws_kms_key")["address"]
    assert f"{key}.arn" in plan.references(resource["address"], "encryption_key")
    assert project["environment"][0]["compute_type"] == service.build.compute_type
    assert project["environment"][0]["privileged_mode"] is service.build.docker
    assert project["logs_config"][0]["cloudwatch_logs"][0]["status"] == "ENABLED"
    assert project["cache"][0]["type"] == {"s3": "S3", "local": "LOCAL", "none": "NO_CACHE"}[service.build.cache]
    buildspec = yaml.safe_load(project["source"][0]["buildspec"].replace("$${", "${"))
    assert buildspec["env"]["parameter-store"] == service.build.parameter_store
    assert "imagedefinitions.json" in buildspec["artifacts"]["files"]


def test_prod_pipeline_follows_the_promotion_order(plans):
    pipeline = only(plans["prod-delivery"], "aws_codepipeline")
    stages = [(stage["name"], [a["provider"] for a in stage["action"]]) for stage in pipeline["stage"]]
    assert stages == [
        ("Source", ["CodeStarSourceConnection"]),
        ("Build", ["CodeBuild"]),
        ("Deploy-staging", ["CodeBuild"]),  # staging's eks.deploy_target = "eks": kubectl from its cluster's project
        ("Approval-prod", ["Manual"]),
        ("Deploy-prod", ["CodeDeployToECS"]),
    ]
    assert pipeline["pipeline_type"] == "V2"
    assert pipeline["artifact_store"][0]["encryption_key"][0]["type"] == "KMS"


def test_dev_pipeline_deploys_with_the_ecs_action_and_no_approval(plans):
    """dev's container service (its function service: tests/plan/test_function_plan.py)."""
    (pipeline,) = [
        p["values"]
        for p in plans["dev-delivery"].of_type("aws_codepipeline")
        if p["values"]["name"] == "acme-dev-app-pipeline"
    ]
    deploy = pipeline["stage"][-1]["action"][0]
    assert [stage["name"] for stage in pipeline["stage"]] == ["Source", "Build", "Deploy-dev"]
    assert deploy["provider"] == "ECS"
    assert deploy["configuration"]["FileName"] == "imagedefinitions.json"


def test_codeartifact_repositories_follow_the_environment(plans, catalog):
    for env in ENVIRONMENTS:
        formats = catalog.by_name[env].delivery.codeartifact_formats
        repositories = {
            r["values"]["repository"] for r in plans[f"{env}-delivery"].of_type("aws_codeartifact_repository")
        }
        assert repositories == {f"{fmt}-{kind}" for fmt in formats for kind in ("store", "public")}


def test_codebuild_reads_codeartifact_only(plans):
    statements = [
        s
        for s in json.loads(
            next(
                r
                for r in plans["prod-delivery"].of_type("aws_iam_role_policy")
                if r["values"]["name"].endswith("codebuild-least-privilege")
            )["values"]["policy"]
        )["Statement"]
    ]
    bearer = next(s for s in statements if s.get("Sid") == "PackageBearer")
    assert bearer["Condition"] == {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}
    read = next(s for s in statements if s.get("Sid") == "ReadPackages")
    assert sorted(read["Action"]) == ["codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"]
