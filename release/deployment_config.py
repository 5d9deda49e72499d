"""Which CodeDeploy deployment configuration a service's traffic shape maps to.

A shape that matches a predefined `CodeDeployDefault.ECS*` (container services) or `CodeDeployDefault.Lambda*`
(function services) config uses it; any other percentage or interval gets a custom time-based config named after
the service. Predefined configs: https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
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


LAMBDA_PREDEFINED = {
    ("all_at_once", None, None): "CodeDeployDefault.LambdaAllAtOnce",
    ("canary", 10, 5): "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    ("canary", 10, 10): "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    ("canary", 10, 15): "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    ("canary", 10, 30): "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    ("linear", 10, 1): "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    ("linear", 10, 2): "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    ("linear", 10, 3): "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    ("linear", 10, 10): "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
}
COMPUTE_PLATFORMS = {"ECS": PREDEFINED, "Lambda": LAMBDA_PREDEFINED}


def predefined_config(deployment: Deployment, compute_platform: str = "ECS") -> str | None:
    """The predefined config of the shape on `compute_platform` (ECS, the default, or Lambda); None: custom."""
    configs = COMPUTE_PLATFORMS[compute_platform]
    if deployment.traffic == "all_at_once":
        return configs[("all_at_once", None, None)]
    return configs.get((deployment.traffic, deployment.percent, deployment.interval_minutes))


def deployment_config_name(deployment: Deployment, service_base_name: str, compute_platform: str = "ECS") -> str:
    return predefined_config(deployment, compute_platform) or (
        f"{service_base_name}-{deployment.traffic}-{deployment.percent}pct-{deployment.interval_minutes}min"
    )
