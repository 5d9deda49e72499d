"""`make rehearse` end to end: dev and prod deployed to their emulators (build/rehearsal/, reused when they run),
then the whole rehearsal, judged from its timeline (reports/rehearsal.json written to a temporary directory):
steps in the pipelines' order, every call allowed, the good prod release live with all production traffic on
the new target group, both bad releases rolled back. And the negative: one action removed from a copy of the
pipeline role's policies stops the rehearsal at the step that needs it, naming the action."""

from __future__ import annotations

import json
import time

import pytest

from envconfig.naming import EnvironmentNames
from tests.e2e.deployment import TIMINGS
from tooling.rehearsal.run import BUDGET_SECONDS, RELEASES, main, rehearsed_service

pytestmark = pytest.mark.e2e
ENVIRONMENTS = ("dev", "prod")


@pytest.fixture(scope="module")
def emulators(rehearsal_deployment):
    """dev's and prod's deployments (tests/e2e/conftest.py: shared with test_codedeploy_ecs_lifecycle.py), which
    `main` then reuses."""
    return {env: rehearsal_deployment(env) for env in ENVIRONMENTS}


@pytest.fixture(scope="module")
def rehearsal(emulators, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    started = time.monotonic()
    code = main(["--releases", ",".join(ENVIRONMENTS), "--reports", str(reports)])
    TIMINGS.append(("rehearsal dev,prod", time.monotonic() - started))
    return code, json.loads((reports / "rehearsal.json").read_text())


def pipeline_stages(stack_config, catalog, env: str) -> list[str]:
    """The stages of the rehearsed service's pipeline (dev also has a function service with its own)."""
    environment = catalog.by_name[env]
    name = EnvironmentNames(environment).service(rehearsed_service(environment)).pipeline
    pipelines = stack_config[f"{env}-delivery"]["resource"]["aws_codepipeline"]
    (pipeline,) = [p for p in pipelines.values() if p["name"] == name]
    return [stage["name"] for stage in pipeline["stage"]]


def test_rehearsal_passes_within_budget(rehearsal):
    code, report = rehearsal
    assert code == 0, report["outcomes"]
    assert report["seconds"] <= BUDGET_SECONDS


def test_steps_follow_each_pipeline_in_order(rehearsal, stack_config, catalog):
    _, report = rehearsal
    for env in ENVIRONMENTS:
        expected = pipeline_stages(stack_config, catalog, env)
        for release in RELEASES[env]:
            stages = list(dict.fromkeys(s["stage"] for s in report["steps"] if s["release"] == release.name))
            assert stages == expected[: len(stages)], (release.name, stages)
            if release.expect == "Succeeded":
                assert stages == expected


def test_every_call_was_allowed(rehearsal):
    _, report = rehearsal
    calls = [call for step in report["steps"] for call in step["calls"]]
    assert len(calls) > 50
    assert [c for c in calls if c["outcome"] == "denied" or not all(x["allowed"] for x in c["checks"])] == []
    assert {c["role"] for c in calls} >= {"pipeline", "build", "eks_deploy", "task_execution", "codedeploy", "hooks"}


def test_the_hook_codes_report_is_judged_as_the_hooks_role(rehearsal, catalog):
    """The hook Lambda code's own call (in its subprocess) is on the timeline, judged on the deployment group."""
    _, report = rehearsal
    prod = catalog.by_name["prod"]
    group = EnvironmentNames(prod).service(rehearsed_service(prod)).deployment_group_arn
    reports = [c for s in report["steps"] for c in s["calls"] if c["role"] == "hooks"]
    assert reports and {c["operation"] for c in reports} == {"codedeploy:PutLifecycleEventHookExecutionStatus"}
    assert {(x["action"], x["resource"]) for c in reports for x in c["checks"]} == {
        ("codedeploy:PutLifecycleEventHookExecutionStatus", group)
    }


def test_create_task_set_passes_the_task_roles_to_ecs_tasks(rehearsal):
    _, report = rehearsal
    creates = [c for s in report["steps"] for c in s["calls"] if c["operation"] == "ecs:CreateTaskSet"]
    assert creates and all(c["role"] == "codedeploy" for c in creates)
    assert all([x["action"] for x in c["checks"]].count("iam:PassRole") == 2 for c in creates)


def test_good_release_is_live_on_green(rehearsal):
    _, report = rehearsal
    assert report["outcomes"]["dev-release"]["status"] == "Succeeded"
    good = report["outcomes"]["prod-release"]
    assert good["status"] == "Succeeded"
    before = [tg for tg, weight in good["traffic_before"].items() if weight == 100]
    after = [tg for tg, weight in good["traffic_after"].items() if weight == 100]
    assert len(after) == 1 and after != before


@pytest.mark.parametrize(
    ("release", "failed_at"), [("prod-bad-hook", "AfterAllowTestTraffic"), ("prod-alarm", "AllowTraffic")]
)
def test_bad_releases_roll_back(rehearsal, release, failed_at):
    _, report = rehearsal
    outcome = report["outcomes"][release]
    assert (outcome["status"], outcome["failed_step"]) == ("Failed", failed_at), outcome
    (blue,) = [tg for tg, weight in outcome["traffic_before"].items() if weight == 100]
    assert outcome["traffic_after"][blue] == 100
    mine = [s for s in report["steps"] if s["release"] == release]
    assert mine[-1]["action"].startswith("Rollback") and mine[-1]["result"] == "ok"


def test_a_missing_permission_stops_at_its_step(emulators, catalog, tmp_path, capsys):
    dev = catalog.by_name["dev"]
    role = EnvironmentNames(dev).service(rehearsed_service(dev)).role("pipeline")
    code = main(["--releases", "dev", "--without", "pipeline=ecs:RegisterTaskDefinition", "--reports", str(tmp_path)])
    denial = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1
    assert denial.startswith("DENIED at step 'dev-release Deploy-dev/")
    assert f"role pipeline ({role})" in denial and "ecs:RegisterTaskDefinition" in denial
    steps = json.loads((tmp_path / "rehearsal.json").read_text())["steps"]
    assert [s["result"] for s in steps][-1] == "denied" and all(s["result"] == "ok" for s in steps[:-1])
