"""CKV_DLP_15 - Production ECS deployment groups shift traffic canary or linear, not all at once.

Why: a canary/linear shift exposes a bad release to a fraction of traffic first, so alarms can stop
it before every user is affected. Accepted: deployment_config_name containing "Canary"/"Linear"
(the CodeDeployDefault.ECS* configs) or a custom config named `*-canary-*` / `*-linear-*`. A group
may opt out with the tag `dlp:exempt-all-at-once` whose value states the reason.
"""

import re

from dlp_base import PASSED, UNKNOWN, ProductionEcsDeploymentGroupCheck, block, is_unresolved, tag

_PROGRESSIVE = re.compile(r"canary|linear", re.IGNORECASE)
EXEMPT_TAG = "dlp:exempt-all-at-once"


class CodeDeployEcsProgressiveTraffic(ProductionEcsDeploymentGroupCheck):
    """deployment_config_name must be a canary or linear config unless exempted by tag with a reason."""

    ID = "CKV_DLP_15"
    NAME = "Ensure production CodeDeploy ECS deployment groups use a canary or linear deployment config"

    def evaluate_group(self, conf):
        exemption = tag(conf, EXEMPT_TAG)
        if isinstance(exemption, str) and exemption.strip():
            return PASSED
        name = block(conf, "deployment_config_name")
        if is_unresolved(name) or exemption is UNKNOWN:
            return UNKNOWN
        if isinstance(name, str) and _PROGRESSIVE.search(name):
            return PASSED
        return self.fail(
            f"deployment_config_name {name or 'CodeDeployDefault.ECSAllAtOnce (default)'} "
            f"is not canary/linear and no {EXEMPT_TAG} tag"
        )


check = CodeDeployEcsProgressiveTraffic()
