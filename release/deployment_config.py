"""Which CodeDeploy deployment configuration a service's traffic shape maps to.

A shape that matches a predefined `CodeDeployDefault.ECS*` config uses it; any other percentage or
interval gets a custom time-based config named after the service.
"""

from __future__ import annotations

from envconfig.model import Deployment

PREDEFINED = {
    ("all_at_once", None, None): "CodeDeployDefault.ECSAllAtOnce",
    ("canary", 10, 5): "CodeDeployDefault.ECSCanary10Percent5Minutes",
    ("canary", 10, 15): "CodeDeployDefault.ECSCanary10Percent15Minutes",
    ("linear", 10, 1): "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    ("linear", 10, 3): "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
}


def predefined_config(deployment: Deployment) -> str | None:
    if deployment.traffic == "all_at_once":
        return PREDEFINED[("all_at_once", None, None)]
    return PREDEFINED.get((deployment.traffic, deployment.percent, deployment.interval_minutes))


def deployment_config_name(deployment: Deployment, service_base_name: str) -> str:
    return predefined_config(deployment) or (
        f"{service_base_name}-{deployment.traffic}-{deployment.percent}pct-{deployment.interval_minutes}min"
    )
