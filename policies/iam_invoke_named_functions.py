"""CKV_DLP_37 - lambda:InvokeFunction names the functions it may invoke.

Why: a role that may invoke any function (`*`, `function:*`, or a name prefix such as the
`function:CodeDeployHook_*` of AWS's AWSCodeDeployRoleForECSLimited) runs whatever code anyone in the
account deploys under a matching name, with that function's own role. CodeDeploy's role invokes the appspec
hooks of its deployment group: exactly those functions, by ARN (modules/ecs/blue_green.py).
A named function with any qualifier (`function:<name>:*`) passes: its versions and aliases run that function's
code, and a pre-traffic hook must invoke a version whose number is only known at release time
(modules/function/hooks.py).
"""

import re

from dlp_base import FAILED, PASSED, UNKNOWN, IamStatementCheck, combine, has_wildcard, is_unresolved

_FUNCTION_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]+:[^:]+:function:(?P<name>[^:]+)(:[^:]+)?$")
_ANY_QUALIFIER = re.compile(r"(:function:[^:]+):\*$")
_FUNCTION_REFERENCE = re.compile(r"^\$\{(module\.[\w-]+\.)*aws_lambda_function\.[\w-]+\.(arn|qualified_arn)\}$")
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")


def _resource_result(resource):
    resource = str(resource).strip()
    resource = _ANY_QUALIFIER.sub(r"\1:any-qualifier", resource)  # every version and alias of one function
    if has_wildcard(_INTERPOLATION.sub("", resource)):
        return FAILED
    if _FUNCTION_REFERENCE.match(resource):
        return PASSED
    match = _FUNCTION_ARN.match(resource)
    if match and "${" not in match.group("name"):
        return PASSED
    return UNKNOWN if is_unresolved(resource) else FAILED


class IamInvokeNamedFunctions(IamStatementCheck):
    """Statements that can allow lambda:InvokeFunction must list function ARNs without wildcards."""

    ID = "CKV_DLP_37"
    NAME = "Ensure lambda:InvokeFunction is limited to named functions"

    def applies(self, statement):
        return super().applies(statement) and statement.may_allow("lambda:InvokeFunction") is not False

    def evaluate_statement(self, statement):
        if statement.may_allow("lambda:InvokeFunction") is None:
            return UNKNOWN
        if statement.not_resources or not statement.resources:
            return self.fail("lambda:InvokeFunction without a Resource list")
        result = combine(_resource_result(r) for r in statement.resources)
        if result is FAILED:
            return self.fail("lambda:InvokeFunction on a function ARN with a wildcard, or on something else")
        return result


check = IamInvokeNamedFunctions()
document_check = check.document_check()
