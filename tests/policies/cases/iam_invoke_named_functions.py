"""CKV_DLP_37 - lambda:InvokeFunction names the functions it may invoke."""

from tests.policies.builders import ACCOUNT, FAILED, PASSED, SYNTH, UNKNOWN, Case, Resource, allow, document, policy

CHECK_ID = "CKV_DLP_37"
FUNCTIONS = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function"


def _role_policy(name, statement):
    return Resource(name, "aws_iam_role_policy", {"name": "p", "role": "r", "policy": policy(statement)})


CASES = [
    Case(
        _role_policy(
            "invoke_hook_functions",
            allow("lambda:InvokeFunction", [f"{FUNCTIONS}:app-AfterAllowTraffic", f"{FUNCTIONS}:preflight"]),
        ),
        PASSED,
    ),
    Case(_role_policy("invoke_alias", allow("lambda:InvokeFunction", [f"{FUNCTIONS}:smoke:live"])), PASSED),
    Case(_role_policy("invoke_any", allow("lambda:InvokeFunction", "*")), FAILED),
    Case(_role_policy("invoke_any_function", allow("lambda:InvokeFunction", [f"{FUNCTIONS}:*"])), FAILED),
    Case(_role_policy("invoke_prefix", allow("lambda:InvokeFunction", [f"{FUNCTIONS}:CodeDeployHook_*"])), FAILED),
    Case(_role_policy("invoke_any_version", allow("lambda:InvokeFunction", [f"{FUNCTIONS}:smoke:*"])), PASSED),
    Case(_role_policy("invoke_prefix_any_version", allow("lambda:InvokeFunction", [f"{FUNCTIONS}:smoke*:*"])), FAILED),
    Case(_role_policy("invoke_by_lambda_star", allow("lambda:*", [f"{FUNCTIONS}:x*"])), FAILED),
    Case(
        _role_policy(
            "invoke_not_a_function", allow("lambda:InvokeFunction", [f"{FUNCTIONS.replace('function', 'layer')}:x"])
        ),
        FAILED,
    ),
    Case(_role_policy("invoke_none_logs", allow("logs:CreateLogGroup", "*")), PASSED),
    Case(
        document(
            "invoke_doc_reference",
            {"actions": ["lambda:InvokeFunction"], "resources": ["${aws_lambda_function.hook.arn}"]},
            frameworks=(SYNTH,),
        ),
        PASSED,
    ),
    Case(
        document(
            "invoke_doc_variable",
            {"actions": ["lambda:InvokeFunction"], "resources": ["${var.function_arn}"]},
            frameworks=(SYNTH,),
        ),
        UNKNOWN,
    ),
]
