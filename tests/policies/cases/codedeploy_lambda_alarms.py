"""CKV_DLP_39 - Lambda deployment groups watch CloudWatch alarms."""

from tests.policies.builders import FAILED, PASSED, Case, group, lambda_group

CHECK_ID = "CKV_DLP_39"
CASES = [
    Case(lambda_group("lambda_alarms_good"), PASSED),
    Case(group("lambda_alarms_ecs_group_not_checked", alarm_configuration=None), PASSED),
    Case(lambda_group("lambda_alarms_none", alarm_configuration=None), FAILED),
    Case(
        lambda_group("lambda_alarms_disabled", alarm_configuration=[{"enabled": False, "alarms": ["api-errors"]}]),
        FAILED,
    ),
    Case(lambda_group("lambda_alarms_empty", alarm_configuration=[{"enabled": True, "alarms": []}]), FAILED),
]
