"""CKV_DLP_14 - Production ECS deployment groups keep the blue task set for a minimum time."""

from typing import Any

from tests.policies.builders import FAILED, PASSED, Case, dev_group, group

CHECK_ID = "CKV_DLP_14"


def wait(minutes: int) -> list[dict[str, Any]]:
    """A blue_green_deployment_config block terminating blue after `minutes`."""
    return [
        {
            "terminate_blue_instances_on_deployment_success": [
                {"action": "TERMINATE", "termination_wait_time_in_minutes": minutes}
            ]
        }
    ]


CASES = [
    Case(group("dg_good"), PASSED),  # 15 minutes
    Case(dev_group("dg_dev_all_at_once"), PASSED),
    Case(group("dg_wait_zero", blue_green_deployment_config=wait(0)), FAILED),
    Case(group("dg_wait_minimum", blue_green_deployment_config=wait(5)), PASSED),
    Case(group("dg_no_blue_green_config", blue_green_deployment_config=None), FAILED),
]

# Checked in a run of their own with MIN_WAIT_ENVIRONMENT: 15 minutes passes by default, fails there.
MIN_WAIT_ENVIRONMENT = {"DLP_MIN_TERMINATION_WAIT_MINUTES": "30"}
MIN_WAIT_CASES = [
    Case(group("dg_wait_15_min_30"), FAILED),
    Case(group("dg_wait_45_min_30", blue_green_deployment_config=wait(45)), PASSED),
]
