"""CKV_DLP_52 - KMS key, S3 bucket and ECR repository policies grant an account only through named roles."""

from tests.policies.builders import ACCOUNT, FAILED, PASSED, SYNTH, UNKNOWN, Case, Resource, policy

CHECK_ID = "CKV_DLP_52"
OTHER = "444455556666"
DEPLOY_ROLE = f"arn:aws:iam::{OTHER}:role/acme-stg-pipeline-deploy"
BUCKET = "arn:aws:s3:::acme-prod-artifacts-111122223333"


def grant(principal, actions, resource=None, condition=None) -> dict:
    statement = {"Effect": "Allow", "Principal": principal, "Action": actions}
    if resource is not None:
        statement["Resource"] = resource
    return {**statement, "Condition": condition} if condition else statement


NAMED = {"ArnEquals": {"aws:PrincipalArn": [DEPLOY_ROLE]}}
ROOT = {"AWS": f"arn:aws:iam::{OTHER}:root"}


def key(name, *statements) -> Resource:
    return Resource(name, "aws_kms_key", {"description": "k", "policy": policy(*statements)})


def bucket_policy(name, *statements) -> Resource:
    return Resource(name, "aws_s3_bucket_policy", {"bucket": "b", "policy": policy(*statements)})


def repository_policy(name, *statements) -> Resource:
    return Resource(name, "aws_ecr_repository_policy", {"repository": "r", "policy": policy(*statements)})


CASES = [
    Case(key("rpnamed_key_named_roles", grant(ROOT, ["kms:Decrypt"], "*", NAMED)), PASSED),
    Case(key("rpnamed_key_admin_roles", grant({"AWS": [DEPLOY_ROLE]}, ["kms:DescribeKey"], "*")), PASSED),
    Case(key("rpnamed_key_whole_account", grant(ROOT, ["kms:Decrypt"], "*")), FAILED),
    Case(
        key(
            "rpnamed_key_role_of_another_account",
            grant(ROOT, ["kms:Decrypt"], "*", {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/x"}}),
        ),
        FAILED,
    ),
    Case(
        key(
            "rpnamed_key_wildcard_role",
            grant(ROOT, ["kms:Decrypt"], "*", {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER}:role/*"}}),
        ),
        FAILED,
    ),
    Case(
        bucket_policy("rpnamed_bucket_named", grant(ROOT, ["s3:GetObject"], f"{BUCKET}/acme-prod-app-pipeli/*", NAMED)),
        PASSED,
    ),
    Case(bucket_policy("rpnamed_bucket_everyone", grant("*", ["s3:GetObject"], f"{BUCKET}/*")), FAILED),
    Case(
        bucket_policy(
            "rpnamed_bucket_deny_everyone",
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": [BUCKET]},
        ),
        PASSED,
    ),
    Case(
        bucket_policy(
            "rpnamed_bucket_alb_log_delivery",
            grant({"AWS": "arn:aws:iam::156460612806:root"}, ["s3:PutObject"], f"{BUCKET}/alb/*"),
        ),
        PASSED,
    ),
    Case(repository_policy("rpnamed_repository_named", grant(ROOT, ["ecr:BatchGetImage"], None, NAMED)), PASSED),
    Case(repository_policy("rpnamed_repository_bare_account", grant({"AWS": OTHER}, ["ecr:BatchGetImage"])), FAILED),
    Case(
        Resource(
            "rpnamed_key_unresolved",
            "aws_kms_key",
            {"policy": "${data.aws_iam_policy_document.k.json}"},
            frameworks=(SYNTH,),
        ),
        UNKNOWN,
    ),
]
