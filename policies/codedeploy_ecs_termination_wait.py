"""CKV_DLP_14 - Production ECS deployment groups keep the blue task set for a minimum time.

Why: after traffic shifts, the old (blue) task set is the instant rollback target; terminating it
immediately turns a late-detected problem into a redeploy. The minimum is MIN_TERMINATION_WAIT_MINUTES,
overridable with the environment variable DLP_MIN_TERMINATION_WAIT_MINUTES.
"""

import os

from dlp_base import PASSED, UNKNOWN, ProductionEcsDeploymentGroupCheck, block, is_unresolved

MIN_TERMINATION_WAIT_MINUTES = 5


def minimum_wait_minutes():
    return int(os.environ.get("DLP_MIN_TERMINATION_WAIT_MINUTES", MIN_TERMINATION_WAIT_MINUTES))


class CodeDeployEcsTerminationWait(ProductionEcsDeploymentGroupCheck):
    """terminate_blue_instances_on_deployment_success.termination_wait_time_in_minutes >= minimum."""

    ID = "CKV_DLP_14"
    NAME = "Ensure production CodeDeploy ECS deployment groups wait before terminating the blue task set"

    def evaluate_group(self, conf):
        wait = block(
            conf,
            "blue_green_deployment_config",
            "terminate_blue_instances_on_deployment_success",
            "termination_wait_time_in_minutes",
        )
        if is_unresolved(wait):
            return UNKNOWN
        try:
            minutes = int(wait)
        except (TypeError, ValueError):
            return self.fail("termination_wait_time_in_minutes is not set")
        if minutes < minimum_wait_minutes():
            return self.fail(f"termination_wait_time_in_minutes {minutes} < {minimum_wait_minutes()}")
        return PASSED


check = CodeDeployEcsTerminationWait()
