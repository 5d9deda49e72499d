"""CKV_DLP_23 - SNS topics are encrypted with KMS.

Why: the project's SNS topics carry pipeline approval requests (pipeline, revision, links);
server-side encryption with a KMS key keeps them readable only by principals the key allows.
"""

from dlp_base import PASSED, DlpResourceCheck, block


class SnsTopicKms(DlpResourceCheck):
    """Every aws_sns_topic must set kms_master_key_id."""

    ID = "CKV_DLP_23"
    NAME = "Ensure SNS topics set kms_master_key_id"
    RESOURCES = ("aws_sns_topic",)

    def evaluate(self, conf):
        return PASSED if block(conf, "kms_master_key_id") else self.fail("kms_master_key_id not set")


check = SnsTopicKms()
