"""CKV_DLP_33 - CodeBuild projects encrypt build output with a customer-managed KMS key.

Why: build artifacts include images and deployment specs; an explicit key (instead of the
default aws/s3 key, which is what AWS reports once the attribute is left unset) lets the project
scope and audit decryption.
"""

from dlp_base import PASSED, DlpResourceCheck, block


class CodeBuildProjectKms(DlpResourceCheck):
    """encryption_key must be set (and not be the AWS-managed alias/aws/s3 default)."""

    ID = "CKV_DLP_33"
    NAME = "Ensure CodeBuild projects set encryption_key"
    RESOURCES = ("aws_codebuild_project",)

    def evaluate(self, conf):
        key = block(conf, "encryption_key")
        if not key:
            return self.fail("encryption_key not set")
        return (
            self.fail("encryption_key is the AWS-managed alias/aws/s3") if str(key).endswith("alias/aws/s3") else PASSED
        )


check = CodeBuildProjectKms()
