"""`make rehearse` end to end: dev and prod deployed to their emulators (build/rehearsal/, reused when they run),
then the whole rehearsal, judged from its timeline (reports/rehearsal.json written to a temporary directory):
steps in the pipelines' order, every call allowed, the good prod release live with all production traffic on
the new target group, both bad releases rolled back. And the negative: one action removed from a copy of the
pipeline role's policies stops the rehearsal at the step that needs it, naming the action."""

from __future__ import annotations

import json

import pytest

from envconfig.naming import EnvironmentNames
from tooling.emulator.server import Emulator
from tooling.rehearsal.deployments import REHEARSAL_DIR
from tooling.rehearsal.run import BUDGET_SECONDS, RELEASES, main

pytestmark = pytest.mark.e2e
ENVIRONMENTS = ("dev", "prod")


@pytest.fixture(scope="module")
def emulators():
    """Stops at the end the emulators this module started (ones already running are left as found)."""
    running = {env for env in ENVIRONMENTS if Emulator.running(REHEARSAL_DIR / env)}
    yield
    for env in set(ENVIRONMENTS) - running:
        emulator = Emulator.recorded(REHEARSAL_DIR / env)
        if emulator:
            emulator.stop()


@pytest.fixture(scope="module")
def rehearsal(emulators, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    code = main(["--releases", ",".join(ENVIRONMENTS), "--reports", str(reports)])
    return code, json.loads((reports / "rehearsal.json").read_text())


def pipeline_stages(stack_config, env: str) -> list[str]:
    pipelines = stack_config[f"{env}-delivery"]["resource"]["aws_codepipeline"]
    (pipeline,) = pipelines.values()
    return [stage["name"] for stage in pipeline["stage"]]


def test_rehearsal_passes_within_budget(rehearsal):
    code, report = rehearsal
    assert code == 0, report["outcomes"]
    assert report["seconds"] <= BUDGET_SECONDS


def test_steps_follow_each_pipeline_in_order(rehearsal, stack_config):
    _, report = rehearsal
    for env in ENVIRONMENTS:
        expected = pipeline_stages(stack_config, env)
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
    assert {c["role"] for c in calls} >= {"pipeline", "build", "eks_deploy", "task_execution", "codedeploy"}


def test_good_release_is_live_on_green(rehearsal):
    _, report = rehearsal
    assert report["outcomes"]["dev-release"]["status"] == "Succeeded"
    good = report["outcomes"]["prod-release"]
    assert good["status"] == "Succeeded"
    before = [tg for tg, weight in good["traffic_before"].items() if weight == 100]
    after = [tg for tg, weight in good["traffic_after"].items() if weight == 100]
    assert len(after) == 1 and after != before


@pytest.mark.parametrize("release", ["prod-bad-hook", "prod-alarm"])
def test_bad_releases_roll_back(rehearsal, release):
    _, report = rehearsal
    outcome = report["outcomes"][release]
    assert outcome["status"] != "Succeeded" and outcome["failed_step"]
    assert outcome["traffic_after"] == outcome["traffic_before"]


def test_a_missing_permission_stops_at_its_step(emulators, catalog, tmp_path, capsys):
    dev = catalog.by_name["dev"]
    role = EnvironmentNames(dev).service(dev.services[0]).role("pipeline")
    code = main(["--releases", "dev", "--without", "pipeline=ecs:RegisterTaskDefinition", "--reports", str(tmp_path)])
    denial = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1
    assert denial.startswith("DENIED at step 'dev-release Deploy-dev/")
    assert f"role pipeline ({role})" in denial and "ecs:RegisterTaskDefinition" in denial
    steps = json.loads((tmp_path / "rehearsal.json").read_text())["steps"]
    assert [s["result"] for s in steps][-1] == "denied" and all(s["result"] == "ok" for s in steps[:-1])
