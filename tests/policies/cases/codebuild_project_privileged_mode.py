"""CKV_DLP_35 - CodeBuild privileged mode only for projects tagged dlp:needs-docker=true."""

from tests.policies.builders import FAILED, GOOD_PROJECT, PASSED, Case, Resource, project

CHECK_ID = "CKV_DLP_35"


def privileged(name: str, tags: dict[str, str]) -> Resource:
    environment = [{**GOOD_PROJECT["environment"][0], "privileged_mode": True}]
    return project(name, environment=environment, tags=tags)


CASES = [
    Case(project("cb_good"), PASSED),
    Case(privileged("cb_privileged_tagged", {"dlp:needs-docker": "true"}), PASSED),
    Case(privileged("cb_privileged_untagged", {"tier": "production"}), FAILED),
    Case(privileged("cb_privileged_tag_false", {"dlp:needs-docker": "false"}), FAILED),
]
