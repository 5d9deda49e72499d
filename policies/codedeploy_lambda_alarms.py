"""CKV_DLP_39 - Lambda deployment groups watch CloudWatch alarms.

Why: a function's new version that raises errors only under real traffic passes its hooks; the alarms on the alias
are what stop the shift (DEPLOYMENT_STOP_ON_ALARM) and move it back. An enabled configuration with no alarm
watches nothing.
"""

from dlp_base import PASSED, UNKNOWN, LambdaDeploymentGroupCheck, as_list, block, contains_unresolved, is_truthy


class CodeDeployLambdaAlarms(LambdaDeploymentGroupCheck):
    """alarm_configuration must be enabled with at least one alarm."""

    ID = "CKV_DLP_39"
    NAME = "Ensure CodeDeploy Lambda deployment groups have an enabled, non-empty alarm configuration"

    def evaluate_group(self, conf):
        alarms = block(conf, "alarm_configuration")
        if contains_unresolved(alarms):
            return UNKNOWN
        if not isinstance(alarms, dict) or not is_truthy(block(alarms, "enabled")):
            return self.fail("alarm_configuration is not enabled")
        if not [a for a in as_list(alarms.get("alarms")) if a]:
            return self.fail("alarm_configuration has no alarms")
        return PASSED


check = CodeDeployLambdaAlarms()
