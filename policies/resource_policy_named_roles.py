"""CKV_DLP_52 - KMS key, S3 bucket and ECR repository policies grant an account only through named roles.

Why: an Allow to an account root (or a bare account id) in a resource policy delegates the resource to every
principal of that account whose own policy allows the action. The delivery account's key, artifact buckets and
image repositories serve other accounts' deploy, CodeDeploy, kubectl and task execution roles: each grant to
an account must name its roles (`aws:PrincipalArn`, literal ARNs in that account), and "*" is never granted.
Regional Elastic Load Balancing log delivery accounts (AWS-owned, reference/elb_log_delivery_accounts.json)
write ALB access logs as documented and are no customer account.
"""

import re

from dlp_base import (
    PASSED,
    UNKNOWN,
    IamStatementCheck,
    as_list,
    first,
    has_wildcard,
    is_unresolved,
    parse_policy,
    reference_data,
)

ACCOUNT_PRINCIPAL = re.compile(r"^(arn:aws[a-z-]*:iam::(?P<arn_account>\d{12}):root|(?P<account>\d{12}))$")
ROLE_OR_USER = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):(role|user)/[\w+=,.@/-]+$")
AWS_OWNED = set(reference_data("elb_log_delivery_accounts.json")["accounts"].values())


class ResourcePolicyNamedRoles(IamStatementCheck):
    """Allow statements granting an account root must narrow it to literal role or user ARNs of that account."""

    ID = "CKV_DLP_52"
    NAME = "Ensure KMS key, S3 bucket and ECR repository policies grant other accounts only named roles"
    RESOURCES = ("aws_kms_key", "aws_s3_bucket_policy", "aws_ecr_repository_policy")

    def statements(self, conf):
        parsed = parse_policy(conf.get("policy"))
        return (parsed, False) if parsed is not None else ([], True)

    def applies(self, statement):
        return statement.allows and ("AWS" in statement.principals or "*" in statement.principals)

    def evaluate_statement(self, statement):
        principals = [first(p) for p in as_list(statement.principals.get("AWS")) + statement.principals.get("*", [])]
        if any(is_unresolved(p) for p in principals):
            return UNKNOWN
        if "*" in principals:
            return self.fail("grants everyone ('*')")
        named = statement.condition_values().get("aws:principalarn", [])
        if any(is_unresolved(v) for v in named):
            return UNKNOWN
        for principal in map(str, principals):
            account = ACCOUNT_PRINCIPAL.match(principal)
            if not account or (account["arn_account"] or account["account"]) in AWS_OWNED:
                continue
            account_id = account["arn_account"] or account["account"]
            roles = [ROLE_OR_USER.match(str(v)) for v in named if not has_wildcard(v)]
            if not named or len(roles) != len(named) or not all(r and r["account"] == account_id for r in roles):
                return self.fail(f"grants account {account_id} without literal aws:PrincipalArn roles of that account")
        return PASSED


check = ResourcePolicyNamedRoles()
