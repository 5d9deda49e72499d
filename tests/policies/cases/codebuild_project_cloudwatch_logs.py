"""CKV_DLP_34 - CodeBuild projects keep CloudWatch build logs."""

from tests.policies.builders import FAILED, PASSED, Case, project

CHECK_ID = "CKV_DLP_34"
CASES = [
    Case(project("cb_good"), PASSED),
    Case(project("cb_logs_disabled", logs_config=[{"cloudwatch_logs": [{"status": "DISABLED"}]}]), FAILED),
    Case(project("cb_logs_default", logs_config=None), PASSED),
]
