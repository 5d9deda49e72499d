"""CKV_DLP_5 - No AWS-managed AdministratorAccess or *FullAccess policy is attached.

Why: these managed policies grant whole services (or everything) on every resource, and AWS
widens them over time. Roles in this project get scoped inline or customer-managed policies.
"""

import re

from dlp_base import PASSED, UNKNOWN, DlpResourceCheck, as_list, combine

_BROAD = re.compile(r":iam::aws:policy/(.*/)?(AdministratorAccess[^/]*|[^/]*FullAccess[^/]*)$")


class IamNoBroadManagedPolicies(DlpResourceCheck):
    """Attachments and managed_policy_arns must not reference AdministratorAccess / *FullAccess."""

    ID = "CKV_DLP_5"
    NAME = "Ensure no AWS-managed AdministratorAccess or *FullAccess policy is attached"
    RESOURCES = (
        "aws_iam_role_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_iam_role",
        "aws_iam_role_policy_attachments_exclusive",
    )

    def evaluate(self, conf):
        arns = (
            as_list(conf.get("policy_arn"))
            + as_list(conf.get("managed_policy_arns"))
            + as_list(conf.get("policy_arns"))
        )
        broad = [a for a in arns if isinstance(a, str) and _BROAD.search(a)]
        if broad:
            return self.fail(f"broad AWS-managed policy attached: {', '.join(broad)}")
        return combine(UNKNOWN if isinstance(a, str) and "${" in a else PASSED for a in arns)


check = IamNoBroadManagedPolicies()
