"""CKV_DLP_21 - A Manual approval stage precedes every production deploy stage of a pipeline."""

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

CHECK_ID = "CKV_DLP_21"
CASES = [
    Case(good_pipeline("pl_good"), PASSED),
    Case(pipeline("pl_no_approval", ("Source", [SOURCE]), ("Build", [BUILD]), ("Deploy", [BLUE_GREEN])), FAILED),
    Case(
        pipeline(
            "pl_approval_after",
            ("Source", [SOURCE]),
            ("Build", [BUILD]),
            ("Deploy", [BLUE_GREEN]),
            ("Approve", [APPROVE]),
        ),
        FAILED,
    ),
    Case(
        pipeline("pl_prod_stage_ecs_no_approval", ("Source", [SOURCE]), ("Build", [BUILD]), ("Prod", [ECS_ROLLING])),
        FAILED,
    ),
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
        pipeline(
            "pl_prod_before_approval",
            ("Source", [SOURCE]),
            ("Build", [BUILD]),
            ("Deploy-prod", [{**BLUE_GREEN, "name": "BlueGreen-prod"}]),
            ("Approval-prod", [APPROVE]),
        ),
        FAILED,
    ),
    Case(
        pipeline("pl_preprod_no_approval", ("Source", [SOURCE]), ("Build", [BUILD]), ("Deploy-preprod", [ECS_ROLLING])),
        PASSED,
    ),
    Case(
        pipeline("pl_no_build", ("Source", [SOURCE]), ("Approve", [APPROVE]), ("DeployProduction", [BLUE_GREEN])),
        PASSED,
    ),
]
