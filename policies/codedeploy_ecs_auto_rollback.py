"""CKV_DLP_12 - Production ECS deployment groups roll back automatically on failure and on alarm.

Why: a failed or alarming production deployment must return traffic to the previous task set
without a human in the loop.
"""

from dlp_base import PASSED, UNKNOWN, ProductionEcsDeploymentGroupCheck, as_list, block, contains_unresolved, is_truthy

REQUIRED_ROLLBACK_EVENTS = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM")


class CodeDeployEcsAutoRollback(ProductionEcsDeploymentGroupCheck):
    """auto_rollback_configuration enabled with DEPLOYMENT_FAILURE and DEPLOYMENT_STOP_ON_ALARM."""

    ID = "CKV_DLP_12"
    NAME = "Ensure production CodeDeploy ECS deployment groups auto-roll back on failure and alarm"

    def evaluate_group(self, conf):
        rollback = block(conf, "auto_rollback_configuration")
        if contains_unresolved(rollback):
            return UNKNOWN
        if not isinstance(rollback, dict) or not is_truthy(block(rollback, "enabled")):
            return self.fail("auto_rollback_configuration is not enabled")
        missing = [e for e in REQUIRED_ROLLBACK_EVENTS if e not in as_list(rollback.get("events"))]
        if missing:
            return self.fail(f"auto rollback events missing: {', '.join(missing)}")
        return PASSED


check = CodeDeployEcsAutoRollback()
