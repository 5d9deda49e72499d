"""CKV_DLP_20 - CodePipeline artifact stores are encrypted with a customer-managed KMS key."""

from tests.policies.builders import BUILD, FAILED, PASSED, SOURCE, Case, good_pipeline, pipeline

CHECK_ID = "CKV_DLP_20"
CASES = [
    Case(good_pipeline("pl_good"), PASSED),
    Case(
        pipeline(
            "pl_no_key", ("Source", [SOURCE]), ("Build", [BUILD]), store={"location": "artifacts-bucket", "type": "S3"}
        ),
        FAILED,
    ),
]
