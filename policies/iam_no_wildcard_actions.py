"""CKV_DLP_1 - IAM Allow statements name concrete actions: no `*`, no `service:*`, no NotAction.

Why: a wildcard action grants every current and future action of a service (or of AWS), which
defeats least privilege and silently widens with each new API. NotAction in an Allow statement
grants everything except a list, which has the same effect.
"""
import re

from dlp_base import PASSED, UNKNOWN, IamStatementCheck, is_unresolved

_SERVICE_WILDCARD = re.compile(r"^(\*|[\w-]+:\*|\*:\*)$")


class IamNoWildcardActions(IamStatementCheck):
    """IAM identity policies must not allow `*` / `service:*` actions or use NotAction in Allow."""

    ID = "CKV_DLP_1"
    NAME = "Ensure IAM policies allow no '*' or 'service:*' action and no NotAction"

    def evaluate_statement(self, statement):
        if statement.not_actions:
            return self.fail("Allow statement uses NotAction")
        bad = [a for a in statement.actions if isinstance(a, str) and _SERVICE_WILDCARD.match(a.strip())]
        if bad:
            return self.fail(f"wildcard action(s): {', '.join(bad)}")
        return UNKNOWN if any(is_unresolved(a) for a in statement.actions) else PASSED


check = IamNoWildcardActions()
document_check = check.document_check()
