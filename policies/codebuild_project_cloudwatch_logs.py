"""CKV_DLP_34 - CodeBuild projects keep CloudWatch build logs.

Why: build logs are the audit trail of what was built and pushed. CodeBuild sends logs to
CloudWatch by default; this fails when logs_config.cloudwatch_logs.status is DISABLED.
"""

from dlp_base import PASSED, UNKNOWN, DlpResourceCheck, block, is_unresolved


class CodeBuildProjectCloudWatchLogs(DlpResourceCheck):
    """logs_config.cloudwatch_logs.status must not be DISABLED."""

    ID = "CKV_DLP_34"
    NAME = "Ensure CodeBuild projects do not disable CloudWatch logs"
    RESOURCES = ("aws_codebuild_project",)

    def evaluate(self, conf):
        status = block(conf, "logs_config", "cloudwatch_logs", "status")
        if is_unresolved(status):
            return UNKNOWN
        return self.fail("cloudwatch_logs status is DISABLED") if status == "DISABLED" else PASSED


check = CodeBuildProjectCloudWatchLogs()
