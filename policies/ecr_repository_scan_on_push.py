"""CKV_DLP_31 - ECR repositories scan images on push.

Why: every pushed image gets a vulnerability scan before it can be promoted, so findings are
available to the pipeline instead of discovered in production.
"""

from dlp_base import PASSED, UNKNOWN, DlpResourceCheck, block, is_truthy, is_unresolved


class EcrRepositoryScanOnPush(DlpResourceCheck):
    """image_scanning_configuration.scan_on_push must be true."""

    ID = "CKV_DLP_31"
    NAME = "Ensure ECR repositories scan images on push"
    RESOURCES = ("aws_ecr_repository",)

    def evaluate(self, conf):
        value = block(conf, "image_scanning_configuration", "scan_on_push")
        if is_truthy(value):
            return PASSED
        return UNKNOWN if is_unresolved(value) else self.fail("image_scanning_configuration.scan_on_push is not true")


check = EcrRepositoryScanOnPush()
