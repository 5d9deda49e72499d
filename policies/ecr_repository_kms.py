"""CKV_DLP_32 - ECR repositories are encrypted with a customer-managed KMS key.

Why: the default (AES256, or KMS with the aws/ecr key) cannot be scoped by key policy; an explicit
key lets the project control and audit who can decrypt image layers.
"""

from dlp_base import PASSED, UNKNOWN, DlpResourceCheck, block, is_unresolved


class EcrRepositoryKms(DlpResourceCheck):
    """encryption_configuration must be encryption_type KMS with a kms_key."""

    ID = "CKV_DLP_32"
    NAME = "Ensure ECR repositories are encrypted with KMS using an explicit kms_key"
    RESOURCES = ("aws_ecr_repository",)

    def evaluate(self, conf):
        kind = block(conf, "encryption_configuration", "encryption_type")
        key = block(conf, "encryption_configuration", "kms_key")
        if is_unresolved(kind):
            return UNKNOWN
        if kind != "KMS":
            return self.fail(f"encryption_type is {kind or 'AES256 (default)'}")
        return PASSED if key else self.fail("encryption_type KMS without kms_key")


check = EcrRepositoryKms()
