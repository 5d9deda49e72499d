"""CKV_DLP_11 - Production ECS deployment groups use a target group pair with a test listener.

Why: blue/green needs two target groups (blue and green) and a test traffic route so the new
task set can be validated on the test listener before production traffic is shifted.
"""

from dlp_base import PASSED, UNKNOWN, ProductionEcsDeploymentGroupCheck, as_list, block, contains_unresolved


class CodeDeployEcsTargetGroupPair(ProductionEcsDeploymentGroupCheck):
    """load_balancer_info.target_group_pair_info needs 2 target_group blocks and a test_traffic_route."""

    ID = "CKV_DLP_11"
    NAME = "Ensure production CodeDeploy ECS deployment groups have two target groups and a test traffic route"

    def evaluate_group(self, conf):
        pair = block(conf, "load_balancer_info", "target_group_pair_info")
        if contains_unresolved(pair) and not isinstance(pair, dict):
            return UNKNOWN
        if not isinstance(pair, dict):
            return self.fail("no load_balancer_info.target_group_pair_info")
        target_groups = [t for t in as_list(pair.get("target_group")) if t]
        if len(target_groups) != 2:
            return self.fail(f"{len(target_groups)} target_group block(s), expected 2")
        if not [arn for arn in as_list(block(pair, "test_traffic_route", "listener_arns")) if arn]:
            return self.fail("no test_traffic_route listener")
        return PASSED


check = CodeDeployEcsTargetGroupPair()
