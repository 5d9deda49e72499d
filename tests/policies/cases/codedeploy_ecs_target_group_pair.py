"""CKV_DLP_11 - Production ECS deployment groups use a target group pair with a test listener."""

from typing import Any

from tests.policies.builders import FAILED, LISTENER, PASSED, Case, dev_group, group

CHECK_ID = "CKV_DLP_11"


def pair(target_groups: int = 2, test_route: bool = True) -> list[dict[str, Any]]:
    """A load_balancer_info block with `target_groups` target groups."""
    info: dict[str, Any] = {
        "target_group": [{"name": f"tg{i}"} for i in range(target_groups)],
        "prod_traffic_route": [{"listener_arns": [f"{LISTENER}/1"]}],
    }
    if test_route:
        info["test_traffic_route"] = [{"listener_arns": [f"{LISTENER}/2"]}]
    return [{"target_group_pair_info": [info]}]


CASES = [
    Case(group("dg_good"), PASSED),
    Case(dev_group("dg_dev_all_at_once"), PASSED),
    Case(group("dg_one_target_group", load_balancer_info=pair(target_groups=1)), FAILED),
    Case(group("dg_no_test_route", load_balancer_info=pair(test_route=False)), FAILED),
    Case(group("dg_no_lb", load_balancer_info=None), FAILED),
]
