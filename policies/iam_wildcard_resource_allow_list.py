"""CKV_DLP_2 - `"Resource": "*"` only for actions on the project allow-list.

Why: `*` as resource grants an action on every resource of the account. It is only acceptable for
actions that AWS documents as having no resource type (e.g. ecr:GetAuthorizationToken). The list,
with a reason per action, lives in `reference/wildcard_resource_actions.json`, which the app code
also reads, so synthesis and this gate agree.
"""
from dlp_base import PASSED, UNKNOWN, IamStatementCheck, is_unresolved, reference_data

_ALLOWED = {action.lower() for action in reference_data("wildcard_resource_actions.json")["actions"]}


class IamWildcardResourceOnlyForAllowListedActions(IamStatementCheck):
    """IAM statements with Resource `*` (or NotResource) may only grant allow-listed actions."""

    ID = "CKV_DLP_2"
    NAME = "Ensure IAM policies use Resource '*' only for actions without resource-level permissions"

    def evaluate_statement(self, statement):
        if statement.not_resources:
            return self.fail("Allow statement uses NotResource")
        if "*" not in [str(r).strip() for r in statement.resources]:
            unresolved = any(is_unresolved(r) and not str(r).startswith(("${aws_", "${data.aws_"))
                             for r in statement.resources)
            return UNKNOWN if unresolved else PASSED
        if statement.not_actions:
            return self.fail("NotAction on Resource '*'")
        if any(is_unresolved(a) for a in statement.actions):
            return UNKNOWN
        bad = [a for a in statement.actions if str(a).lower() not in _ALLOWED]
        if bad:
            return self.fail(f"action(s) not allowed on Resource '*': {', '.join(map(str, bad))}")
        return PASSED


check = IamWildcardResourceOnlyForAllowListedActions()
document_check = check.document_check()
