"""CKV_DLP_38 - Lambda deployment groups roll back automatically on failure and on alarm.

Why: a function release that fails a hook or sets off an alarm must move the alias back to the previous version
at once, in every tier: the shift is minutes long and nobody watches it (a Lambda group's rollback costs nothing,
unlike keeping an ECS blue fleet).
"""

from dlp_base import PASSED, UNKNOWN, LambdaDeploymentGroupCheck, as_list, block, contains_unresolved, is_truthy

REQUIRED_ROLLBACK_EVENTS = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM")


class CodeDeployLambdaAutoRollback(LambdaDeploymentGroupCheck):
    """auto_rollback_configuration enabled with DEPLOYMENT_FAILURE and DEPLOYMENT_STOP_ON_ALARM."""

    ID = "CKV_DLP_38"
    NAME = "Ensure CodeDeploy Lambda deployment groups auto-roll back on failure and alarm"

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


check = CodeDeployLambdaAutoRollback()
