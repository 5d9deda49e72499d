"""CKV_DLP_15 - Production ECS deployment groups shift traffic canary or linear, not all at once."""

from tests.policies.builders import FAILED, PASSED, PROD, SYNTH, UNKNOWN, Case, dev_group, group

CHECK_ID = "CKV_DLP_15"
ALL_AT_ONCE = "CodeDeployDefault.ECSAllAtOnce"

CASES = [
    Case(group("dg_good"), PASSED),  # canary
    Case(dev_group("dg_dev_all_at_once"), PASSED),
    Case(
        group(
            "dg_not_ecs", ecs_service=None, deployment_style=None, deployment_config_name="CodeDeployDefault.AllAtOnce"
        ),
        PASSED,
    ),
    Case(group("dg_all_at_once", deployment_config_name=ALL_AT_ONCE), FAILED),
    Case(group("dg_default_config", deployment_config_name=None), FAILED),
    Case(group("dg_linear", deployment_config_name="CodeDeployDefault.ECSLinear10PercentEvery1Minutes"), PASSED),
    Case(group("dg_custom_canary", deployment_config_name="web-canary-20pct-10min"), PASSED),
    Case(
        group(
            "dg_all_at_once_exempt",
            deployment_config_name=ALL_AT_ONCE,
            tags={**PROD, "dlp:exempt-all-at-once": "internal admin tool, single task"},
        ),
        PASSED,
    ),
    Case(
        group(
            "dg_all_at_once_empty_exempt",
            deployment_config_name=ALL_AT_ONCE,
            tags={**PROD, "dlp:exempt-all-at-once": ""},
        ),
        FAILED,
    ),
    Case(
        group(
            "dg_unresolved_config",
            frameworks=(SYNTH,),
            deployment_config_name="${aws_codedeploy_deployment_config.web.id}",
        ),
        UNKNOWN,
    ),
]
