"""CKV_DLP_30 - ECR repositories have immutable image tags.

Why: deployments reference images by tag; a mutable tag can be re-pointed to a different image
after it was scanned and approved, so what runs is not what was reviewed.
"""

from dlp_base import PASSED, UNKNOWN, DlpResourceCheck, block, is_unresolved


class EcrRepositoryImmutableTags(DlpResourceCheck):
    """image_tag_mutability must be IMMUTABLE."""

    ID = "CKV_DLP_30"
    NAME = "Ensure ECR repositories use IMMUTABLE image tags"
    RESOURCES = ("aws_ecr_repository",)

    def evaluate(self, conf):
        value = block(conf, "image_tag_mutability")
        if value == "IMMUTABLE":
            return PASSED
        return UNKNOWN if is_unresolved(value) else self.fail(f"image_tag_mutability is {value or 'MUTABLE (default)'}")


check = EcrRepositoryImmutableTags()
