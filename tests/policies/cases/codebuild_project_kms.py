"""CKV_DLP_33 - CodeBuild projects encrypt build output with a customer-managed KMS key."""

from tests.policies.builders import ACCOUNT, FAILED, PASSED, Case, project

CHECK_ID = "CKV_DLP_33"
CASES = [
    Case(project("cb_good"), PASSED),
    Case(project("cb_no_key", encryption_key=None), FAILED),
    Case(project("cb_aws_managed_key", encryption_key=f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/aws/s3"), FAILED),
]
