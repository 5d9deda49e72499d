"""CKV_DLP_13 - Production ECS deployment groups watch CloudWatch alarms."""
from tests.policies.builders import FAILED, PASSED, Case, dev_group, group

CHECK_ID = "CKV_DLP_13"
CASES = [
    Case(group("dg_good"), PASSED),
    Case(dev_group("dg_dev_all_at_once"), PASSED),
    Case(group("dg_no_alarms", alarm_configuration=[{"enabled": True, "alarms": []}]), FAILED),
    Case(group("dg_alarms_disabled", alarm_configuration=[{"enabled": False, "alarms": ["web-5xx"]}]), FAILED),
]
