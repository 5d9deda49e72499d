"""CKV_DLP_1 - IAM Allow statements name concrete actions: no wildcard of any form, no NotAction.

Why: a wildcard action grants every current and future action of a service (or of AWS), which
defeats least privilege and silently widens with each new API. Every wildcard counts: `*`, `s3:*`,
`*:*`, `s3:Put*`, `s3:Get?bject` each match actions nobody reviewed. NotAction in an Allow statement
grants everything except a list, which has the same effect.
"""

from dlp_base import PASSED, UNKNOWN, IamStatementCheck, has_wildcard, is_unresolved


class IamNoWildcardActions(IamStatementCheck):
    """IAM identity policies must not allow actions with a wildcard (`*`, `?`) or use NotAction in Allow."""

    ID = "CKV_DLP_1"
    NAME = "Ensure IAM policies allow no wildcard action ('*', 's3:*', 's3:Put*', '?') and no NotAction"

    def evaluate_statement(self, statement):
        if statement.not_actions:
            return self.fail("Allow statement uses NotAction")
        bad = [a for a in statement.actions if has_wildcard(a) and not is_unresolved(a)]
        if bad:
            return self.fail(f"wildcard action(s): {', '.join(bad)}")
        return UNKNOWN if any(is_unresolved(a) for a in statement.actions) else PASSED


check = IamNoWildcardActions()
document_check = check.document_check()
