"""CKV_DLP_2 - `"Resource": "*"`, or any pattern as broad, only for actions on the project allow-list."""

from tests.policies.builders import (
    ACCOUNT,
    FAILED,
    PASSED,
    PASSED_TO_ECS,
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
from tests.policies.wildcard_forms import (
    BROAD_RESOURCES,
    EVERY_KEY,
    KEY_BY_ALIAS,
    KEY_BY_ALIAS_PATTERN,
    SCOPED_RESOURCES,
)

CHECK_ID = "CKV_DLP_2"
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
        Resource(
            "iam_star_resource_listed",
            "aws_iam_policy",
            {"name": "p", "policy": policy(allow(["ecr:GetAuthorizationToken", "sts:GetServiceBearerToken"]))},
        ),
        PASSED,
    ),
    Case(
        Resource(
            "iam_star_resource_unlisted",
            "aws_iam_policy",
            {"name": "p", "policy": policy(allow(["ecr:GetAuthorizationToken", "ecr:PutImage"]))},
        ),
        FAILED,
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
        PASSED,
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
        Resource(
            "iam_not_resource",
            "aws_iam_policy",
            {"name": "p", "policy": policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": REPO_ARN})},
        ),
        FAILED,
    ),
    Case(
        Resource(
            "iam_passrole_star",
            "aws_iam_policy",
            {"name": "p", "policy": policy(allow("iam:PassRole", "*", Condition=PASSED_TO_ECS))},
        ),
        FAILED,
    ),
    Case(role("iam_role_inline_ok", inline=policy(allow("ecr:GetAuthorizationToken"))), PASSED),
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
    Case(document("iam_doc_star_resource_unlisted", {"actions": ["logs:CreateLogStream"], "resources": ["*"]}), FAILED),
    Case(
        document(
            "iam_doc_interpolated_resource",
            {"actions": ["ecr:PutImage"], "resources": ["${aws_ecr_repository.app.arn}"]},
            frameworks=(SYNTH,),
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
]


def _reads(name: str, resource: str, conditions: dict | None = None) -> Resource:
    extra = {"Condition": conditions} if conditions else {}
    return Resource(name, "aws_iam_policy", {"name": "p", "policy": policy(allow("s3:GetObject", resource, **extra))})


# Every pattern as broad as "*" fails for an action outside the allow-list; the scoped ones the constructs
# write pass (tests/policies/wildcard_forms.py).
CASES += [Case(_reads(f"wild_resource_{form}", resource), FAILED) for form, resource in BROAD_RESOURCES.items()]
CASES += [Case(_reads(f"scoped_resource_{form}", resource), PASSED) for form, resource in SCOPED_RESOURCES.items()]
CASES += [
    Case(_reads("key_by_alias", EVERY_KEY, KEY_BY_ALIAS), PASSED),
    Case(_reads("key_by_alias_pattern", EVERY_KEY, KEY_BY_ALIAS_PATTERN), FAILED),
]
