"""CKV_DLP_4 - Service trust policies carry an aws:SourceAccount or aws:SourceArn condition.

Why: without one, the service can be tricked into assuming the role on behalf of another
account (the "confused deputy" problem). AWS recommends these global condition keys for
service principals that send them. A few services do not reliably send them when assuming a
role; those are listed in SOURCE_CONDITION_EXEMPT_SERVICES with the reason. A wildcard guards nothing:
aws:SourceAccount must be literal, and aws:SourceArn literal in partition, service, region and account.
"""

from dlp_base import (
    PASSED,
    UNKNOWN,
    IamStatementCheck,
    as_list,
    first,
    is_unresolved,
    parse_policy,
    source_condition_error,
)

SOURCE_CONDITION_EXEMPT_SERVICES = {
    "ec2.amazonaws.com": "EC2 instance profiles (EKS managed node roles) assume the role without "
    "aws:SourceAccount/aws:SourceArn in the request context.",
    "eks.amazonaws.com": "The EKS cluster role trust policy is documented without source conditions; "
    "EKS does not document sending them, and adding them can block cluster creation.",
}


class IamServiceTrustHasSourceCondition(IamStatementCheck):
    """Trust statements for AWS service principals must condition on aws:SourceAccount/aws:SourceArn."""

    ID = "CKV_DLP_4"
    NAME = "Ensure service-principal trust policies have an aws:SourceAccount or aws:SourceArn condition"
    RESOURCES = ("aws_iam_role",)

    def statements(self, conf):
        parsed = parse_policy(conf.get("assume_role_policy"))
        return (parsed, False) if parsed is not None else ([], True)

    def applies(self, statement):
        is_trust = any(str(a).lower().startswith("sts:") for a in statement.actions)
        return statement.allows and "Service" in statement.principals and is_trust

    def evaluate_statement(self, statement):
        services = [first(s) for s in as_list(statement.principals.get("Service"))]
        if any(is_unresolved(s) for s in services):
            return UNKNOWN
        if all(str(s).lower() in SOURCE_CONDITION_EXEMPT_SERVICES for s in services):
            return PASSED
        problem = source_condition_error(statement.condition_values())
        return self.fail(f"trust for {', '.join(map(str, services))} has {problem}") if problem else PASSED


check = IamServiceTrustHasSourceCondition()
document_check = check.document_check()
