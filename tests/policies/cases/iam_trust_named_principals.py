"""CKV_DLP_51 - Role trust policies trust named roles or users, never an account root or everyone."""

from tests.policies.builders import ACCOUNT, FAILED, PASSED, SYNTH, UNKNOWN, Case, Resource, document, policy, role

CHECK_ID = "CKV_DLP_51"
PIPELINE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/acme-prod-app-pipeline"


def assume(principal, condition=None) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return policy({**statement, "Condition": condition} if condition else statement)


CASES = [
    Case(
        role(
            "trustnamed_pipeline_role",
            assume=assume({"AWS": [PIPELINE_ROLE]}, {"ArnEquals": {"aws:PrincipalArn": [PIPELINE_ROLE]}}),
        ),
        PASSED,
    ),
    Case(role("trustnamed_user", assume=assume({"AWS": f"arn:aws:iam::{ACCOUNT}:user/ci"})), PASSED),
    Case(role("trustnamed_service_only"), PASSED),  # a service principal: CKV_DLP_4's concern
    Case(role("trustnamed_account_root", assume=assume({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})), FAILED),
    Case(
        role(
            "trustnamed_root_with_condition",
            assume=assume({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"ArnEquals": {"aws:PrincipalArn": PIPELINE_ROLE}}),
        ),
        FAILED,
    ),
    Case(role("trustnamed_bare_account", assume=assume({"AWS": ACCOUNT})), FAILED),
    Case(role("trustnamed_everyone", assume=assume("*")), FAILED),
    Case(
        role("trustnamed_one_of_two_root", assume=assume({"AWS": [PIPELINE_ROLE, f"arn:aws:iam::{ACCOUNT}:root"]})),
        FAILED,
    ),
    Case(
        document(
            "trustnamed_doc_root",
            {
                "actions": ["sts:AssumeRole"],
                "principals": [{"type": "AWS", "identifiers": [f"arn:aws:iam::{ACCOUNT}:root"]}],
            },
        ),
        FAILED,
    ),
    Case(
        Resource(
            "trustnamed_unresolved",
            "aws_iam_role",
            {"name": "r", "assume_role_policy": "${data.aws_iam_policy_document.t.json}"},
            frameworks=(SYNTH,),
        ),
        UNKNOWN,
    ),
]
