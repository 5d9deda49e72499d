"""CKV_DLP_10 - Production ECS deployment groups deploy BLUE_GREEN WITH_TRAFFIC_CONTROL.

Why: production releases must shift traffic between two task sets behind the load balancer so
a bad release can be rolled back by switching traffic back, not by redeploying.
"""

from dlp_base import PASSED, UNKNOWN, ProductionEcsDeploymentGroupCheck, block, is_unresolved


class CodeDeployEcsBlueGreenTrafficControl(ProductionEcsDeploymentGroupCheck):
    """deployment_style must be BLUE_GREEN with WITH_TRAFFIC_CONTROL for tier=production."""

    ID = "CKV_DLP_10"
    NAME = "Ensure production CodeDeploy ECS deployment groups use BLUE_GREEN with traffic control"

    def evaluate_group(self, conf):
        kind = block(conf, "deployment_style", "deployment_type")
        option = block(conf, "deployment_style", "deployment_option")
        if kind == "BLUE_GREEN" and option == "WITH_TRAFFIC_CONTROL":
            return PASSED
        if is_unresolved(kind) or is_unresolved(option):
            return UNKNOWN
        return self.fail(f"deployment_style is {kind}/{option}, expected BLUE_GREEN/WITH_TRAFFIC_CONTROL")


check = CodeDeployEcsBlueGreenTrafficControl()
