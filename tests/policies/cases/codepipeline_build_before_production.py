"""CKV_DLP_22 - No pipeline deploys to production straight from its Source stage."""

from tests.policies.builders import (
    APPROVE,
    BLUE_GREEN,
    BUILD,
    ECS_ROLLING,
    FAILED,
    PASSED,
    SOURCE,
    Case,
    good_pipeline,
    pipeline,
)

CHECK_ID = "CKV_DLP_22"
CASES = [
    Case(good_pipeline("pl_good"), PASSED),
    Case(pipeline("pl_no_approval", ("Source", [SOURCE]), ("Build", [BUILD]), ("Deploy", [BLUE_GREEN])), PASSED),
    Case(pipeline("pl_staging_no_approval", ("Source", [SOURCE]), ("DeployStaging", [ECS_ROLLING])), PASSED),
    Case(
        pipeline(
            "pl_staging_then_approved_prod",  # the project's shape
            ("Source", [SOURCE]),
            ("Build", [BUILD]),
            ("Deploy-staging", [{**BLUE_GREEN, "name": "BlueGreen-staging"}]),
            ("Approval-prod", [APPROVE]),
            ("Deploy-prod", [{**BLUE_GREEN, "name": "BlueGreen-prod"}]),
        ),
        PASSED,
    ),
    Case(
        pipeline("pl_no_build", ("Source", [SOURCE]), ("Approve", [APPROVE]), ("DeployProduction", [BLUE_GREEN])),
        FAILED,
    ),
    Case(pipeline("pl_directly_after_source", ("Source", [SOURCE]), ("DeployProduction", [BLUE_GREEN])), FAILED),
]
