"""CKV_DLP_20 - CodePipeline artifact stores are encrypted with a customer-managed KMS key.

Why: pipeline artifacts carry source code, build outputs and deployment specs; with an explicit
key the project controls who can decrypt them (the default aws/s3 key cannot be scoped).
"""

from dlp_base import PASSED, UNKNOWN, DlpResourceCheck, as_list, block, is_unresolved


class CodePipelineArtifactStoreKms(DlpResourceCheck):
    """Every artifact_store block must have an encryption_key with an id."""

    ID = "CKV_DLP_20"
    NAME = "Ensure CodePipeline artifact stores have an encryption_key"
    RESOURCES = ("aws_codepipeline",)

    def evaluate(self, conf):
        stores = as_list(conf.get("artifact_store"))
        if any(is_unresolved(s) for s in stores):
            return UNKNOWN
        if not stores:
            return self.fail("no artifact_store")
        for store in stores:
            if not block(store, "encryption_key", "id"):
                return self.fail("artifact_store without encryption_key")
        return PASSED


check = CodePipelineArtifactStoreKms()
