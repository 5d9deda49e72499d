"""`prod-runtask`'s plan: the run task as a Lambda function from the stack's image, behind a NONE function URL
(the HMAC signature is the authentication), with its store, its secret and a role that reaches nothing else;
and, without `run_task.image_tag` (the first apply), everything but the function."""

from __future__ import annotations

import json

import pytest

from envconfig.naming import EnvironmentNames
from tests.plan.conftest import synthesize_variant

STACK = "prod-runtask"
SHIPPED_TAG = 'image_tag = "release-2026.11.30"'


@pytest.fixture(scope="module")
def plan(plans):
    return plans[STACK]


@pytest.fixture(scope="module")
def prod(catalog):
    return catalog.by_name["prod"]


@pytest.fixture(scope="module")
def names(prod):
    return EnvironmentNames(prod).run_task


def only(plan, resource_type) -> dict:
    found = plan.of_type(resource_type)
    assert len(found) == 1, f"{plan.stack}: expected one {resource_type}, found {len(found)}"
    return found[0]["values"]


def test_the_stack_is_these_resources_exactly(plan):
    counts = {}
    for resource in plan.managed_resources:
        counts[resource["type"]] = counts.get(resource["type"], 0) + 1
    assert counts == {
        "aws_kms_key": 1,
        "aws_kms_alias": 1,
        "aws_ecr_repository": 1,
        "aws_ecr_lifecycle_policy": 1,
        "aws_ecr_repository_policy": 1,
        "aws_s3_bucket": 1,
        "aws_s3_bucket_ownership_controls": 1,
        "aws_s3_bucket_public_access_block": 1,
        "aws_s3_bucket_versioning": 1,
        "aws_s3_bucket_server_side_encryption_configuration": 1,
        "aws_s3_bucket_lifecycle_configuration": 1,
        "aws_s3_bucket_policy": 1,
        "aws_secretsmanager_secret": 1,
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        "aws_cloudwatch_log_group": 1,
        "aws_lambda_function": 1,
        "aws_lambda_function_event_invoke_config": 1,
        "aws_lambda_function_url": 1,
        "aws_lambda_permission": 2,
    }


def test_the_function_runs_the_named_image_sized_for_hcp_terraforms_limits(plan, prod, names):
    function = only(plan, "aws_lambda_function")
    settings = prod.run_task
    assert (function["function_name"], function["package_type"]) == (names.function, "Image")
    assert function["image_uri"] == f"{names.repository_url}:{settings.image_tag}"
    assert (function["memory_size"], function["timeout"], function["reserved_concurrent_executions"]) == (
        settings.memory_mb,
        settings.timeout_seconds,
        settings.reserved_concurrency,
    )
    assert function["timeout"] <= 900, "Lambda's most: 15 minutes"
    assert function["environment"] == [
        {"variables": {"RUN_TASK_BUCKET": names.bucket, "RUN_TASK_SECRET_ID": names.secret}}
    ], "no secret in the function's settings: the key is read from Secrets Manager"
    invoke = only(plan, "aws_lambda_function_event_invoke_config")
    assert (invoke["maximum_retry_attempts"], invoke["maximum_event_age_in_seconds"]) == (0, 540)
    assert invoke["maximum_event_age_in_seconds"] < 600, "an event older than HCP Terraform's 10 minutes is dropped"


def test_the_url_is_public_and_the_hmac_signature_is_its_authentication(plan, names):
    assert only(plan, "aws_lambda_function_url")["authorization_type"] == "NONE"
    permissions = sorted(
        (p["values"]["action"], p["values"]["principal"], p["values"].get("function_url_auth_type"))
        for p in plan.of_type("aws_lambda_permission")
    )
    assert permissions == [("lambda:InvokeFunction", "*", None), ("lambda:InvokeFunctionUrl", "*", "NONE")]
    assert all(p["values"]["function_name"] == names.function for p in plan.of_type("aws_lambda_permission"))


def test_the_role_reads_its_secret_uses_its_store_invokes_itself_and_writes_its_logs(plan, names, prod):
    role = only(plan, "aws_iam_role")
    assert role["name"] == names.role
    trust = json.loads(role["assume_role_policy"])["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": prod.account_id}},
        }
    ]
    account = EnvironmentNames(prod).account
    statements = json.loads(only(plan, "aws_iam_role_policy")["policy"])["Statement"]
    assert statements == [
        {
            "Sid": "ReadHmacKey",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [names.secret_arn_pattern],
        },
        {"Sid": "FindStoredObjects", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [names.bucket_arn]},
        {
            "Sid": "UseStore",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": [f"{names.bucket_arn}/*"],
        },
        {
            "Sid": "UseStackKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [account.key_arn_pattern],
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [names.key_alias]}},
        },
        {
            "Sid": "InvokeItself",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [names.function_arn],
        },
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{account.log_group_arn(names.log_group)}:log-stream:*"],
        },
    ]


def test_the_image_repository_is_immutable_scanned_encrypted_and_pulled_by_the_function_only(plan, names):
    repository = only(plan, "aws_ecr_repository")
    assert repository["name"] == names.repository
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"] == [{"scan_on_push": True}]
    assert repository["encryption_configuration"][0]["encryption_type"] == "KMS"
    (statement,) = json.loads(only(plan, "aws_ecr_repository_policy")["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert statement["Condition"] == {"ArnLike": {"aws:SourceArn": [names.function_arn, f"{names.function_arn}:*"]}}


def test_the_store_is_private_versioned_encrypted_and_tls_only(plan, names):
    assert only(plan, "aws_s3_bucket")["bucket"] == names.bucket
    assert only(plan, "aws_s3_bucket_versioning")["versioning_configuration"][0]["status"] == "Enabled"
    block = only(plan, "aws_s3_bucket_public_access_block")
    assert all(
        block[k] for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    (rule,) = only(plan, "aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    (deny,) = json.loads(only(plan, "aws_s3_bucket_policy")["policy"])["Statement"]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_the_hmac_key_secret_has_no_value_in_state_and_only_admins_put_one(plan, names, prod):
    secret = only(plan, "aws_secretsmanager_secret")
    assert secret["name"] == names.secret
    assert plan.references(plan.of_type("aws_secretsmanager_secret")[0]["address"], "kms_key_id"), "the stack's key"
    assert plan.of_type("aws_secretsmanager_secret_version") == [], "no value in the plan or the state"
    policy = json.loads(only(plan, "aws_kms_key")["policy"])
    writers = next(s for s in policy["Statement"] if s["Sid"] == "NamedPrincipalsPutSecretValues")
    assert writers["Condition"]["ArnEquals"] == {"aws:PrincipalArn": sorted(prod.key_admin_principal_arns)}
    assert writers["Condition"]["StringLike"] == {"kms:EncryptionContext:SecretARN": [names.secret_arn_pattern]}
    assert writers["Condition"]["StringEquals"] == {"kms:ViaService": f"secretsmanager.{prod.region}.amazonaws.com"}
    users = next(s for s in policy["Statement"] if s["Sid"] == "NamedRolesUseKey")
    assert users["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [names.role_arn]}}


def test_the_logs_are_encrypted_and_kept_as_the_environment_says(plan, names, prod):
    group = only(plan, "aws_cloudwatch_log_group")
    assert (group["name"], group["retention_in_days"]) == (names.log_group, prod.log_retention_days)
    assert plan.references(plan.of_type("aws_cloudwatch_log_group")[0]["address"], "kms_key_id")


def test_the_task_url_is_an_output(plan):
    outputs = plan.document["configuration"]["root_module"]["outputs"]
    assert set(outputs) == {"task-url", "repository-url", "store-bucket", "hmac-key-secret"}


def test_the_first_apply_creates_everything_the_image_needs_and_no_function(tmp_path_factory, synthesis):
    """Without image_tag, the stack holds the repository to push to, the store, the key and the secret."""
    _, variant = synthesize_variant(tmp_path_factory, "runtask-first", [("prod", SHIPPED_TAG, "")])
    config = variant.config(STACK)
    assert set(config["resource"]) == {
        "aws_kms_key",
        "aws_kms_alias",
        "aws_ecr_repository",
        "aws_ecr_lifecycle_policy",
        "aws_ecr_repository_policy",
        "aws_s3_bucket",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_policy",
        "aws_secretsmanager_secret",
    }
    assert set(config["output"]) == {"repository-url", "store-bucket", "hmac-key-secret"}
