"""CKV_DLP_30 - ECR repositories have immutable image tags."""

from tests.policies.builders import FAILED, PASSED, SYNTH, UNKNOWN, Case, Resource, repository

CHECK_ID = "CKV_DLP_30"
CASES = [
    Case(repository("ecr_good"), PASSED),
    Case(repository("ecr_mutable", image_tag_mutability="MUTABLE"), FAILED),
    Case(Resource("ecr_defaults", "aws_ecr_repository", {"name": "bare"}), FAILED),
    Case(
        repository(
            "ecr_unresolved",
            frameworks=(SYNTH,),
            image_tag_mutability="${var.tag_mutability}",
            encryption_configuration=[{"encryption_type": "KMS", "kms_key": "${aws_kms_key.ecr.arn}"}],
        ),
        UNKNOWN,
    ),
]
