"""CKV2_DLP_1 - Production ECS services deployed by CodeDeploy use the CODE_DEPLOY deployment controller.

A graph check: a service is "deployed by CodeDeploy" when a deployment group references it (plan:
`configuration` references; synthesized JSON: a `${...}` interpolation).
"""

from tests.policies.builders import FAILED, GOOD_GROUP, PASSED, Case, Resource, variant

CHECK_ID = "CKV2_DLP_1"


def service(name: str, controller: str, tier: str) -> Resource:
    tags = {"tier": tier}
    return Resource(
        name,
        "aws_ecs_service",
        {
            "name": name,
            "cluster": "platform",
            "tags": tags,
            "tags_all": tags,
            "deployment_controller": [{"type": controller}],
        },
    )


def deployment_group(service_name: str) -> Resource:
    """A deployment group `<service>_group` deploying the service `service_name`."""
    values = variant(GOOD_GROUP, ecs_service=[{"cluster_name": "platform", "service_name": service_name}])
    synth = variant(
        values, ecs_service=[{"cluster_name": "platform", "service_name": f"${{aws_ecs_service.{service_name}.name}}"}]
    )
    return Resource(
        f"{service_name}_group",
        "aws_codedeploy_deployment_group",
        values,
        synth_values=synth,
        expressions={
            "ecs_service": [
                {
                    "service_name": {
                        "references": [f"aws_ecs_service.{service_name}.name", f"aws_ecs_service.{service_name}"]
                    }
                }
            ]
        },
    )


CASES = [
    Case(service("svc_codedeploy", "CODE_DEPLOY", "production"), PASSED),
    Case(service("svc_rolling", "ECS", "production"), FAILED),
    Case(service("svc_rolling_dev", "ECS", "dev"), PASSED),
    Case(service("svc_unconnected", "ECS", "production"), PASSED),
]
SUPPORTING_RESOURCES = [deployment_group(name) for name in ("svc_codedeploy", "svc_rolling", "svc_rolling_dev")]
