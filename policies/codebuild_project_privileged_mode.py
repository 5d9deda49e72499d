"""CKV_DLP_35 - CodeBuild privileged mode only for projects tagged dlp:needs-docker=true.

Why: privileged mode gives the build container root on the build host (needed only to run a
Docker daemon for image builds). Projects must declare that need with the tag so it is visible in
review and cannot creep into test or deploy projects.
"""

from dlp_base import PASSED, UNKNOWN, DlpResourceCheck, block, is_truthy, is_unresolved, tag

NEEDS_DOCKER_TAG = "dlp:needs-docker"


class CodeBuildProjectPrivilegedMode(DlpResourceCheck):
    """environment.privileged_mode true requires tag dlp:needs-docker = "true"."""

    ID = "CKV_DLP_35"
    NAME = "Ensure CodeBuild privileged mode is used only by projects tagged dlp:needs-docker=true"
    RESOURCES = ("aws_codebuild_project",)

    def evaluate(self, conf):
        privileged = block(conf, "environment", "privileged_mode")
        if is_unresolved(privileged):
            return UNKNOWN
        if not is_truthy(privileged):
            return PASSED
        needs_docker = tag(conf, NEEDS_DOCKER_TAG)
        if needs_docker is UNKNOWN:
            return UNKNOWN
        if isinstance(needs_docker, str) and needs_docker.lower() == "true":
            return PASSED
        return self.fail(f"privileged_mode without tag {NEEDS_DOCKER_TAG}=true")


check = CodeBuildProjectPrivilegedMode()
