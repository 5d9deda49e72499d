"""CKV_DLP_3 - iam:PassRole names specific role ARNs and is conditioned on iam:PassedToService."""

from tests.policies.builders import (
    ACCOUNT,
    FAILED,
    PASSED,
    PASSED_TO_ECS,
    PASSED_TO_ECS_BLOCK,
    REPO_ARN,
    SYNTH,
    UNKNOWN,
    Case,
    Resource,
    allow,
    document,
    policy,
)
from tests.policies.wildcard_forms import WILDCARD_PASSED_TO_SERVICE

CHECK_ID = "CKV_DLP_3"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app-task"

CASES = [
    Case(
        Resource(
            "iam_passrole_ok",
            "aws_iam_policy",
            {"name": "p", "policy": policy(allow("iam:PassRole", [ROLE_ARN], Condition=PASSED_TO_ECS))},
        ),
        PASSED,
    ),
    Case(
        Resource(
            "iam_passrole_star",
            "aws_iam_policy",
            {"name": "p", "policy": policy(allow("iam:PassRole", "*", Condition=PASSED_TO_ECS))},
        ),
        FAILED,
    ),
    Case(
        Resource(
            "iam_passrole_wildcard_name",
            "aws_iam_policy",
            {
                "name": "p",
                "policy": policy(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-*", Condition=PASSED_TO_ECS)),
            },
        ),
        FAILED,
    ),
    Case(
        Resource(
            "iam_passrole_no_condition",
            "aws_iam_policy",
            {"name": "p", "policy": policy(allow("iam:PassRole", ROLE_ARN))},
        ),
        FAILED,
    ),
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
        document(
            "iam_doc_passrole_reference",
            {"actions": ["iam:PassRole"], "resources": ["${aws_iam_role.task.arn}"], "condition": PASSED_TO_ECS_BLOCK},
            frameworks=(SYNTH,),
        ),
        PASSED,
    ),
    Case(
        document(
            "iam_doc_passrole_variable",
            {"actions": ["iam:PassRole"], "resources": ["${var.role_arn}"], "condition": PASSED_TO_ECS_BLOCK},
            frameworks=(SYNTH,),
        ),
        UNKNOWN,
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
]

# A PassedToService condition with a wildcard names no service (tests/policies/wildcard_forms.py).
CASES += [
    Case(
        Resource(
            f"passrole_to_{form}",
            "aws_iam_policy",
            {
                "name": "p",
                "policy": policy(
                    allow("iam:PassRole", [ROLE_ARN], Condition={"StringLike": {"iam:PassedToService": service}})
                ),
            },
        ),
        FAILED,
    )
    for form, service in WILDCARD_PASSED_TO_SERVICE.items()
]
