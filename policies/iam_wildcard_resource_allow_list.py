"""CKV_DLP_2 - `"Resource": "*"`, or any pattern as broad, only for actions on the project allow-list.

Why: `*` as resource grants an action on every resource of the account. It is only acceptable for
actions that AWS documents as having no resource type (e.g. ecr:GetAuthorizationToken). The list,
with a reason per action, lives in `reference/wildcard_resource_actions.json`, which the app code
also reads, so synthesis and this gate agree. Every wildcard counts: `arn:aws:s3:::*`,
`arn:aws:*:*:*:*`, `arn:aws:iam::111122223333:role/*` or `?` are `*` under another spelling; a pattern is
scoped only below a named resource (dlp_base.resource_scope_error: `arn:aws:s3:::bucket/*`,
`log-group:/aws/lambda/x:*`, KMS `key/*` with a literal kms:ResourceAliases condition).
"""

from dlp_base import PASSED, UNKNOWN, IamStatementCheck, is_unresolved, reference_data, resource_scope_error

_ALLOWED = {action.lower() for action in reference_data("wildcard_resource_actions.json")["actions"]}


class IamWildcardResourceOnlyForAllowListedActions(IamStatementCheck):
    """IAM statements with Resource `*` or as broad a pattern (or NotResource) may only grant allow-listed actions."""

    ID = "CKV_DLP_2"
    NAME = "Ensure IAM policies use wildcard resources only for actions without resource-level permissions"

    def evaluate_statement(self, statement):
        if statement.not_resources:
            return self.fail("Allow statement uses NotResource")
        conditions = statement.condition_values()
        broad, unresolved = [], False
        for resource in (str(r).strip() for r in statement.resources):
            if is_unresolved(resource):  # a reference to one resource's attribute names that resource
                unresolved |= not resource.startswith(("${aws_", "${data.aws_"))
            elif resource_scope_error(resource, conditions, statement.actions):
                broad.append(resource)
        if not broad:
            return UNKNOWN if unresolved else PASSED
        if statement.not_actions:
            return self.fail(f"NotAction on {', '.join(broad)}")
        if any(is_unresolved(a) for a in statement.actions):
            return UNKNOWN
        bad = [a for a in statement.actions if str(a).lower() not in _ALLOWED]
        if bad:
            reasons = "; ".join(f"{r}: {resource_scope_error(r, conditions, statement.actions)}" for r in broad)
            return self.fail(
                f"action(s) not allowed on resources as broad as '*' ({reasons}): {', '.join(map(str, bad))}"
            )
        return PASSED


check = IamWildcardResourceOnlyForAllowListedActions()
document_check = check.document_check()
