"""CKV_DLP_13 - Production ECS deployment groups watch CloudWatch alarms."""

from dataclasses import replace

from tests.policies.builders import FAILED, PASSED, PLAN, Case, dev_group, group

CHECK_ID = "CKV_DLP_13"
# As in a real plan: the alarm names come from the alarms' attributes, so the plan's configuration holds the
# references, which checkov adds to the block (`references_`); they are not unresolved values.
ALARMS_BY_REFERENCE = {
    "alarm_configuration": [
        {
            "alarms": {
                "references": ["aws_cloudwatch_metric_alarm.web_5xx.alarm_name", "aws_cloudwatch_metric_alarm.web_5xx"]
            }
        }
    ]
}

CASES = [
    Case(group("dg_good"), PASSED),
    Case(dev_group("dg_dev_all_at_once"), PASSED),
    Case(group("dg_no_alarms", alarm_configuration=[{"enabled": True, "alarms": []}]), FAILED),
    Case(group("dg_alarms_disabled", alarm_configuration=[{"enabled": False, "alarms": ["web-5xx"]}]), FAILED),
    Case(replace(group("dg_alarms_by_reference", frameworks=(PLAN,)), expressions=ALARMS_BY_REFERENCE), PASSED),
]
