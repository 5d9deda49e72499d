"""CKV_DLP_1 - IAM Allow statements name concrete actions: no wildcard of any form, no NotAction."""

from tests.policies.builders import (
    ACCOUNT,
    CODEBUILD_TRUST,
    FAILED,
    PASSED,
    PASSED_TO_ECS_BLOCK,
    REPO_ARN,
    SYNTH,
    UNKNOWN,
    Case,
    Resource,
    allow,
    document,
    policy,
    role,
)
from tests.policies.wildcard_forms import WILDCARD_ACTIONS

CHECK_ID = "CKV_DLP_1"
CASES = [
    Case(
        Resource(
            "iam_specific_actions",
            "aws_iam_policy",
            {"name": "p", "policy": policy(allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], REPO_ARN))},
        ),
        PASSED,
    ),
    Case(
        Resource("iam_star_action", "aws_iam_role_policy", {"name": "p", "role": "r", "policy": policy(allow("*"))}),
        FAILED,
    ),
    Case(
        Resource(
            "iam_service_star_action",
            "aws_iam_user_policy",
            {"name": "p", "user": "u", "policy": policy(allow("s3:*", "arn:aws:s3:::bucket/*"))},
        ),
        FAILED,
    ),
    Case(
        Resource(
            "iam_deny_star",
            "aws_iam_group_policy",
            {"name": "p", "group": "g", "policy": policy({"Effect": "Deny", "Action": "*", "Resource": "*"})},
        ),
        PASSED,
    ),
    Case(
        role(
            "iam_role_inline_not_action", inline=policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": REPO_ARN})
        ),
        FAILED,
    ),
    Case(role("iam_role_inline_ok", inline=policy(allow("ecr:GetAuthorizationToken"))), PASSED),
    Case(document("iam_doc_service_star", {"effect": "Allow", "actions": ["ecr:*"], "resources": [REPO_ARN]}), FAILED),
    Case(
        document(
            "iam_doc_key_policy",  # a resource policy (it has principals): not an identity policy
            {
                "effect": "Allow",
                "actions": ["kms:*"],
                "resources": ["*"],
                "principals": [{"type": "AWS", "identifiers": [f"arn:aws:iam::{ACCOUNT}:root"]}],
            },
        ),
        PASSED,
    ),
    Case(
        Resource(
            "iam_star_resource_unlisted",
            "aws_iam_policy",
            {"name": "p", "policy": policy(allow(["ecr:GetAuthorizationToken", "ecr:PutImage"]))},
        ),
        PASSED,
    ),
    Case(
        document(
            "iam_doc_passrole_variable",
            {"actions": ["iam:PassRole"], "resources": ["${var.role_arn}"], "condition": PASSED_TO_ECS_BLOCK},
            frameworks=(SYNTH,),
        ),
        PASSED,
    ),
    Case(
        document(
            "trust_doc_no_condition",
            {
                "actions": ["sts:AssumeRole"],
                "principals": [{"type": "Service", "identifiers": ["codedeploy.amazonaws.com"]}],
            },
        ),
        PASSED,
    ),
    Case(
        Resource(
            "iam_policy_unresolved",
            "aws_iam_policy",
            {"name": "p", "policy": "${data.aws_iam_policy_document.x.json}"},
            frameworks=(SYNTH,),
        ),
        UNKNOWN,
    ),
    Case(
        Resource(
            "iam_role_inline_unresolved",
            "aws_iam_role",
            {
                "name": "r",
                "assume_role_policy": CODEBUILD_TRUST,
                "inline_policy": [{"name": "i", "policy": "${jsonencode({Statement = []})}"}],
            },
            frameworks=(SYNTH,),
        ),
        UNKNOWN,
    ),
]

# Every form of wildcard action fails (tests/policies/wildcard_forms.py).
CASES += [
    Case(
        Resource(
            f"wild_action_{form}",
            "aws_iam_policy",
            {"name": "p", "policy": policy(allow(action, "arn:aws:s3:::acme-artifacts/*"))},
        ),
        FAILED,
    )
    for form, action in WILDCARD_ACTIONS.items()
]
