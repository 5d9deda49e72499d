"""CKV_DLP_32 - ECR repositories are encrypted with a customer-managed KMS key."""

from tests.policies.builders import FAILED, PASSED, SYNTH, Case, Resource, repository

CHECK_ID = "CKV_DLP_32"
CASES = [
    Case(repository("ecr_good"), PASSED),
    Case(repository("ecr_aes", encryption_configuration=[{"encryption_type": "AES256"}]), FAILED),
    Case(repository("ecr_kms_no_key", encryption_configuration=[{"encryption_type": "KMS"}]), FAILED),
    Case(Resource("ecr_defaults", "aws_ecr_repository", {"name": "bare"}), FAILED),
    Case(
        repository(
            "ecr_unresolved",
            frameworks=(SYNTH,),
            image_tag_mutability="${var.tag_mutability}",
            encryption_configuration=[{"encryption_type": "KMS", "kms_key": "${aws_kms_key.ecr.arn}"}],
        ),
        PASSED,
    ),
]
