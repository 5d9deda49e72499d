"""CKV_DLP_23 - SNS topics are encrypted with KMS."""

from tests.policies.builders import FAILED, KEY_ARN, PASSED, Case, Resource

CHECK_ID = "CKV_DLP_23"
CASES = [
    Case(Resource("sns_encrypted", "aws_sns_topic", {"name": "approvals", "kms_master_key_id": KEY_ARN}), PASSED),
    Case(Resource("sns_plain", "aws_sns_topic", {"name": "approvals-plain"}), FAILED),
]
