"""CKV_DLP_31 - ECR repositories scan images on push."""

from tests.policies.builders import FAILED, PASSED, Case, Resource, repository

CHECK_ID = "CKV_DLP_31"
CASES = [
    Case(repository("ecr_good"), PASSED),
    Case(repository("ecr_no_scan", image_scanning_configuration=[{"scan_on_push": False}]), FAILED),
    Case(Resource("ecr_defaults", "aws_ecr_repository", {"name": "bare"}), FAILED),
]
