"""CKV_DLP_4 - Service trust policies carry an aws:SourceAccount or aws:SourceArn condition."""

from tests.policies.builders import (
    ACCOUNT,
    CODEBUILD_TRUST,
    FAILED,
    PASSED,
    SYNTH,
    UNKNOWN,
    Case,
    Resource,
    document,
    policy,
    role,
    trust,
)
from tests.policies.wildcard_forms import WILDCARD_SOURCE_CONDITIONS

CHECK_ID = "CKV_DLP_4"
CODEDEPLOY_PRINCIPAL = [{"type": "Service", "identifiers": ["codedeploy.amazonaws.com"]}]

CASES = [
    Case(role("trust_codebuild_ok"), PASSED),
    Case(role("trust_codebuild_no_condition", assume=trust("codebuild.amazonaws.com")), FAILED),
    Case(
        role(
            "trust_source_arn_like",
            assume=trust(
                "codepipeline.amazonaws.com",
                {"ArnLike": {"aws:SourceArn": f"arn:aws:codepipeline:eu-west-1:{ACCOUNT}:*"}},
            ),
        ),
        PASSED,
    ),
    Case(role("trust_ec2_exempt", assume=trust("ec2.amazonaws.com")), PASSED),
    Case(role("trust_mixed_not_exempt", assume=trust(["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"])), FAILED),
    Case(
        role(
            "trust_account_principal",
            assume=policy(
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
            ),
        ),
        PASSED,
    ),
    Case(
        document("trust_doc_no_condition", {"actions": ["sts:AssumeRole"], "principals": CODEDEPLOY_PRINCIPAL}), FAILED
    ),
    Case(
        document(
            "trust_doc_ok",
            {
                "actions": ["sts:AssumeRole"],
                "principals": CODEDEPLOY_PRINCIPAL,
                "condition": [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": [ACCOUNT]}],
            },
        ),
        PASSED,
    ),
    Case(
        Resource(
            "trust_unresolved",
            "aws_iam_role",
            {"name": "r", "assume_role_policy": "${data.aws_iam_policy_document.t.json}"},
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
        PASSED,
    ),
]

# A source condition with a wildcard in the account guards nothing (tests/policies/wildcard_forms.py).
CASES += [
    Case(role(f"trust_source_{form}", assume=trust("codebuild.amazonaws.com", condition)), FAILED)
    for form, condition in WILDCARD_SOURCE_CONDITIONS.items()
]
