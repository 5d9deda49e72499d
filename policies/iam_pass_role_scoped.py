"""CKV_DLP_3 - iam:PassRole names specific role ARNs and is conditioned on iam:PassedToService.

Why: PassRole lets a principal hand a role to a service, i.e. act with that role's permissions.
A wildcard resource lets CodeBuild/CodePipeline pass any role (including admin roles) to any
service; the iam:PassedToService condition pins which service may receive the role. Every wildcard
counts: `role/*`, `role/app-?`, and a PassedToService value such as `*` or `ecs-*.amazonaws.com`.
"""

import re

from dlp_base import FAILED, PASSED, UNKNOWN, IamStatementCheck, combine, has_wildcard, is_unresolved

_ROLE_ARN = re.compile(r"^arn:[^:]+:iam::[^:]*:role/(?P<name>.+)$")
_ROLE_REFERENCE = re.compile(r"^\$\{(module\.[\w-]+\.)*aws_iam_role\.[\w-]+\.arn\}$")
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")


def _resource_result(resource):
    resource = str(resource).strip()
    if has_wildcard(_INTERPOLATION.sub("", resource)):
        return FAILED
    if _ROLE_REFERENCE.match(resource):
        return PASSED
    match = _ROLE_ARN.match(resource)
    if match and "${" not in match.group("name"):
        return PASSED
    return UNKNOWN if is_unresolved(resource) else FAILED


class IamPassRoleScoped(IamStatementCheck):
    """Statements that can allow iam:PassRole must list role ARNs and condition iam:PassedToService."""

    ID = "CKV_DLP_3"
    NAME = "Ensure iam:PassRole is limited to named roles and conditioned on iam:PassedToService"

    def applies(self, statement):
        return super().applies(statement) and statement.may_allow("iam:PassRole") is not False

    def evaluate_statement(self, statement):
        if statement.may_allow("iam:PassRole") is None:
            return UNKNOWN
        if statement.not_resources or not statement.resources:
            return self.fail("iam:PassRole without a Resource list")
        result = combine(_resource_result(r) for r in statement.resources)
        if result is FAILED:
            return self.fail("iam:PassRole resource is not a specific role ARN")
        services = statement.condition_values().get("iam:passedtoservice")
        if not services:
            return self.fail("iam:PassRole without an iam:PassedToService condition")
        if any(has_wildcard(service) for service in services):
            return self.fail(f"iam:PassedToService is a wildcard: {', '.join(map(str, services))}")
        return result


check = IamPassRoleScoped()
document_check = check.document_check()
