"""CKV_DLP_51 - Role trust policies trust named roles or users, never an account root or everyone.

Why: a trust policy naming another account's root (or "*", or a bare account id) lets every principal that
account's administrators allow sts:AssumeRole assume the role - the delivery account's build projects, anyone
with an IAM policy there. The deploy role a pipeline assumes across accounts, and the role Terraform runs
through, name the roles (or users) that may assume them, so no one else in that account can.
"""

import re

from dlp_base import PASSED, UNKNOWN, IamStatementCheck, as_list, first, is_unresolved, parse_policy

NAMED_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")


class IamTrustNamedPrincipals(IamStatementCheck):
    """Allow statements of a trust policy with AWS principals must name each role or user by ARN."""

    ID = "CKV_DLP_51"
    NAME = "Ensure role trust policies trust named roles or users, not an account root or everyone"
    RESOURCES = ("aws_iam_role",)

    def statements(self, conf):
        parsed = parse_policy(conf.get("assume_role_policy"))
        return (parsed, False) if parsed is not None else ([], True)

    def applies(self, statement):
        is_trust = any(str(a).lower().startswith("sts:") for a in statement.actions)
        return statement.allows and is_trust and ("AWS" in statement.principals or "*" in statement.principals)

    def evaluate_statement(self, statement):
        principals = [first(p) for p in as_list(statement.principals.get("AWS")) + statement.principals.get("*", [])]
        if any(is_unresolved(p) for p in principals):
            return UNKNOWN
        unnamed = [str(p) for p in principals if not NAMED_PRINCIPAL.match(str(p))]
        return self.fail(f"trusts {', '.join(unnamed)}: name the roles or users") if unnamed else PASSED


check = IamTrustNamedPrincipals()
document_check = check.document_check()
