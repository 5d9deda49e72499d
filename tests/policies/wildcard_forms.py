"""Every form a wildcard takes in an IAM statement, and the project's legitimately scoped patterns.

One table for the three places that judge wildcards: the app's Statement guard (tests/unit/
test_statement_wildcards.py), checkov's rule in policies/dlp_base.py (tests/policies/test_wildcard_rule_parity.py
and the case files of CKV_DLP_1..4) and the plan tests (tests/plan/test_least_privilege.py, through the app's rule).
"""

from __future__ import annotations

ACCOUNT = "111122223333"
REGION = "eu-west-1"

# Resource patterns as broad as "*": the rule must reject each for an action outside the allow-list.
BROAD_RESOURCES = {
    "star": "*",
    "question-mark": "?",
    "any-bucket": "arn:aws:s3:::*",
    "any-service": "arn:aws:*:*:*:*",
    "any-partition": "arn:*:s3:::bucket/*",
    "any-region": f"arn:aws:logs:*:{ACCOUNT}:log-group:/app:*",
    "any-account": "arn:aws:iam::*:role/app",
    "any-resource-type": f"arn:aws:logs:{REGION}:{ACCOUNT}:*",
    "type-pattern": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-*:/app:*",
    "every-log-group": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*",
    "bucket-pattern": "arn:aws:s3:::acme-*/key",
    "bucket-single-character": "arn:aws:s3:::acm?/key",
    "every-role": f"arn:aws:iam::{ACCOUNT}:role/*",
    "every-function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:*",
    "any-cluster": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-set/*/app/*",
    "every-key-without-condition": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*",
    "every-topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:*",
}

# Patterns the constructs write on purpose, each below a resource they name: the rule must accept each.
SCOPED_RESOURCES = {
    "lambda-log-streams": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/app-hook:*",
    "container-log-streams": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/app:log-stream:*",
    "object-keys": "arn:aws:s3:::acme-artifacts/*",
    "object-key-prefix": "arn:aws:s3:::acme-logs/alb/AWSLogs/111122223333/*",
    "task-sets": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-set/acme/acme-app/*",
    "listeners": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/acme-app/*",
    "report-groups": f"arn:aws:codebuild:{REGION}:{ACCOUNT}:report-group/acme-app-build-*",
    "secret-suffix": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:dockerhub-??????",
}

# KMS keys have random ids: `key/*` is scoped by a literal kms:ResourceAliases condition, and only then.
EVERY_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*"
KEY_BY_ALIAS = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/acme-delivery"]}}
KEY_BY_ALIAS_PATTERN = {"ForAnyValue:StringLike": {"kms:ResourceAliases": ["alias/*"]}}

WILDCARD_ACTIONS = {
    "star": "*",
    "service-star": "s3:*",
    "star-star": "*:*",
    "action-prefix": "s3:Put*",
    "single-character": "s3:GetObjec?",
    "question-mark": "?",
    "pass-role-prefix": "iam:Pass*",
}

WILDCARD_PASSED_TO_SERVICE = {"star": "*", "service-pattern": "ecs-*.amazonaws.com", "question-mark": "?"}

# Trust-policy source conditions that guard nothing (confused deputy): the account is not pinned.
WILDCARD_SOURCE_CONDITIONS = {
    "account-star": {"StringEquals": {"aws:SourceAccount": "*"}},
    "account-pattern": {"StringLike": {"aws:SourceAccount": "1111222233?3"}},
    "arn-star": {"ArnLike": {"aws:SourceArn": "*"}},
    "arn-any-service": {"ArnLike": {"aws:SourceArn": "arn:aws:*:*:*:*"}},
    "arn-any-account": {"ArnLike": {"aws:SourceArn": f"arn:aws:codebuild:{REGION}:*:project/build"}},
}
