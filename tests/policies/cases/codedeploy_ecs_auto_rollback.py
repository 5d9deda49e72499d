"""CKV_DLP_12 - Production ECS deployment groups roll back automatically on failure and on alarm."""

from tests.policies.builders import FAILED, PASSED, Case, dev_group, group

CHECK_ID = "CKV_DLP_12"
CASES = [
    Case(group("dg_good"), PASSED),
    Case(dev_group("dg_dev_all_at_once"), PASSED),
    Case(
        group(
            "dg_rollback_failure_only",
            auto_rollback_configuration=[{"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}],
        ),
        FAILED,
    ),
    Case(
        group(
            "dg_rollback_disabled",
            auto_rollback_configuration=[
                {"enabled": False, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
            ],
        ),
        FAILED,
    ),
]
