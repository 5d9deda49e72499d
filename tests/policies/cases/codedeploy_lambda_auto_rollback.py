"""CKV_DLP_38 - Lambda deployment groups roll back automatically on failure and on alarm."""

from tests.policies.builders import FAILED, PASSED, Case, dev_group, group, lambda_group

CHECK_ID = "CKV_DLP_38"
CASES = [
    Case(lambda_group("lambda_dg_good"), PASSED),
    Case(group("lambda_dg_ecs_group_not_checked", auto_rollback_configuration=None), PASSED),
    Case(dev_group("lambda_dg_in_place_group_not_checked"), PASSED),
    Case(
        lambda_group(
            "lambda_dg_rollback_failure_only",
            auto_rollback_configuration=[{"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}],
        ),
        FAILED,
    ),
    Case(lambda_group("lambda_dg_no_rollback", auto_rollback_configuration=None), FAILED),
    Case(
        lambda_group(
            "lambda_dg_rollback_disabled",
            auto_rollback_configuration=[
                {"enabled": False, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
            ],
        ),
        FAILED,
    ),
]
