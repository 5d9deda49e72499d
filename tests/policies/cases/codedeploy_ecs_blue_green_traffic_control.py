"""CKV_DLP_10 - Production ECS deployment groups deploy BLUE_GREEN WITH_TRAFFIC_CONTROL."""

from tests.policies.builders import FAILED, PASSED, SYNTH, UNKNOWN, Case, dev_group, group

CHECK_ID = "CKV_DLP_10"
IN_PLACE = [{"deployment_type": "IN_PLACE", "deployment_option": "WITH_TRAFFIC_CONTROL"}]

CASES = [
    Case(group("dg_good"), PASSED),
    Case(dev_group("dg_dev_all_at_once"), PASSED),
    Case(
        group(
            "dg_not_ecs", ecs_service=None, deployment_style=None, deployment_config_name="CodeDeployDefault.AllAtOnce"
        ),
        PASSED,
    ),
    Case(group("dg_in_place", tags=None, deployment_style=IN_PLACE), FAILED),  # production by tags_all only
    Case(
        group(
            "dg_no_traffic_control",
            deployment_style=[{"deployment_type": "BLUE_GREEN", "deployment_option": "WITHOUT_TRAFFIC_CONTROL"}],
        ),
        FAILED,
    ),
    Case(
        group(
            "dg_unresolved_tier",
            frameworks=(SYNTH,),
            tags={"tier": "${var.tier}"},
            tags_all=None,
            deployment_style=IN_PLACE,
        ),
        UNKNOWN,
    ),
    Case(
        group(
            "dg_unresolved_config",
            frameworks=(SYNTH,),
            deployment_config_name="${aws_codedeploy_deployment_config.web.id}",
        ),
        PASSED,
    ),
]
