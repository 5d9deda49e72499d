"""CKV_DLP_5 - No AWS-managed AdministratorAccess or *FullAccess policy is attached."""

from tests.policies.builders import ACCOUNT, FAILED, PASSED, SYNTH, UNKNOWN, Case, Resource, role

CHECK_ID = "CKV_DLP_5"
MANAGED = "arn:aws:iam::aws:policy"

CASES = [
    Case(
        Resource(
            "attach_admin",
            "aws_iam_role_policy_attachment",
            {"role": "r", "policy_arn": f"{MANAGED}/AdministratorAccess"},
        ),
        FAILED,
    ),
    Case(
        Resource(
            "attach_full_access_user",
            "aws_iam_user_policy_attachment",
            {"user": "u", "policy_arn": f"{MANAGED}/AmazonEC2ContainerRegistryFullAccess"},
        ),
        FAILED,
    ),
    Case(
        Resource(
            "attach_full_access_group",
            "aws_iam_group_policy_attachment",
            {"group": "g", "policy_arn": f"{MANAGED}/AWSCodePipeline_FullAccess"},
        ),
        FAILED,
    ),
    Case(
        Resource(
            "attach_legacy_full_access",
            "aws_iam_policy_attachment",
            {"name": "a", "roles": ["r"], "policy_arn": f"{MANAGED}/AmazonS3FullAccess"},
        ),
        FAILED,
    ),
    Case(
        Resource(
            "attach_service_role_policy",
            "aws_iam_role_policy_attachment",
            {"role": "r", "policy_arn": f"{MANAGED}/service-role/AmazonECSTaskExecutionRolePolicy"},
        ),
        PASSED,
    ),
    Case(
        Resource(
            "attach_customer_full_access_name",
            "aws_iam_role_policy_attachment",
            {"role": "r", "policy_arn": f"arn:aws:iam::{ACCOUNT}:policy/TeamFullAccess"},
        ),
        PASSED,
    ),
    Case(role("role_managed_full_access", managed_policy_arns=[f"{MANAGED}/AmazonECS_FullAccess"]), FAILED),
    Case(role("role_managed_ok", managed_policy_arns=[f"{MANAGED}/AmazonEKSClusterPolicy"]), PASSED),
    Case(
        Resource(
            "attach_partition_admin",
            "aws_iam_role_policy_attachment",
            {"role": "r", "policy_arn": "arn:${data.aws_partition.p.partition}:iam::aws:policy/AdministratorAccess"},
            frameworks=(SYNTH,),
        ),
        FAILED,
    ),
    Case(
        Resource(
            "attach_unresolved",
            "aws_iam_role_policy_attachment",
            {"role": "r", "policy_arn": "${var.policy_arn}"},
            frameworks=(SYNTH,),
        ),
        UNKNOWN,
    ),
    Case(
        Resource(
            "trust_unresolved",
            "aws_iam_role",
            {"name": "r", "assume_role_policy": "${data.aws_iam_policy_document.t.json}"},
            frameworks=(SYNTH,),
        ),
        PASSED,
    ),
]
