"""CKV_DLP_13 - Production ECS deployment groups watch CloudWatch alarms.

Why: alarms are what stop a deployment (and trigger DEPLOYMENT_STOP_ON_ALARM rollback) when the
new task set misbehaves; an enabled alarm configuration with no alarms watches nothing.
"""

from dlp_base import PASSED, UNKNOWN, ProductionEcsDeploymentGroupCheck, as_list, block, contains_unresolved, is_truthy


class CodeDeployEcsAlarms(ProductionEcsDeploymentGroupCheck):
    """alarm_configuration must be enabled with at least one alarm."""

    ID = "CKV_DLP_13"
    NAME = "Ensure production CodeDeploy ECS deployment groups have an enabled, non-empty alarm configuration"

    def evaluate_group(self, conf):
        alarms = block(conf, "alarm_configuration")
        if contains_unresolved(alarms):
            return UNKNOWN
        if not isinstance(alarms, dict) or not is_truthy(block(alarms, "enabled")):
            return self.fail("alarm_configuration is not enabled")
        if not [a for a in as_list(alarms.get("alarms")) if a]:
            return self.fail("alarm_configuration has no alarms")
        return PASSED


check = CodeDeployEcsAlarms()
