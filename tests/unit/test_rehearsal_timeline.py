"""The rehearsal's timeline (live lines, JSON and Markdown with a mermaid Gantt chart), its scaled clock, and the
verdict that decides `make rehearse`'s exit status."""

from __future__ import annotations

import json

import pytest

from tooling.rehearsal.actors import CallRecord
from tooling.rehearsal.contracts import RehearsalDenied
from tooling.rehearsal.run import Release, verdict
from tooling.rehearsal.timeline import RecordingTimeline, ScaledClock


def test_steps_record_calls_results_and_print_one_line_each(tmp_path):
    lines = []
    timeline = RecordingTimeline(out=lines.append)
    timeline.release = "r1"
    with timeline.step("Build", "BuildAndTest", "build", "https://docs.aws.amazon.com/x"):
        timeline.record(
            CallRecord(timeline.current_step(), "build", "ecr:PutImage", (("ecr:PutImage", "arn", True),), "ok")
        )
        timeline.note("pushed")
    with pytest.raises(RuntimeError), timeline.step("Deploy", "Rolling", "pipeline", "https://docs.aws.amazon.com/y"):
        raise RuntimeError("service did not become stable")
    with pytest.raises(RehearsalDenied), timeline.step("Deploy", "Again", "pipeline", "https://docs.aws.amazon.com/y"):
        raise RehearsalDenied("DENIED at step ...")
    assert [s.result for s in timeline.steps] == ["ok", "failed", "denied"]
    assert len(lines) == 3 and "ecr:PutImage" in lines[0] and "pushed" in lines[0]
    assert "service did not become stable" in lines[1]
    timeline.conclude("r1", {"status": "Failed", "failed_step": "r1 Deploy/Rolling", "reason": "unstable"})

    clock = ScaledClock(scale=0.001)
    clock.wait_minutes(60)
    timeline.write(tmp_path, clock, 1.5)
    report = json.loads((tmp_path / "rehearsal.json").read_text())
    assert report["time_scale"] == {"seconds_per_aws_minute": 0.001, "aws_minutes_waited": 60}
    assert report["steps"][0]["calls"][0]["checks"] == [{"action": "ecr:PutImage", "resource": "arn", "allowed": True}]
    markdown = (tmp_path / "rehearsal.md").read_text()
    assert "```mermaid\ngantt" in markdown and "section r1" in markdown
    assert markdown.count(":crit, ") == 2  # the failed and the denied step
    (release, roles) = timeline.summary()
    assert release.split()[:6] == ["r1", "Failed", "3", "steps", "1", "calls"] and roles == "calls per role: build 1"
    assert release in markdown


def outcome(status: str, before: str, after: str, failed_step: str = "") -> dict:
    return {
        "status": status,
        "failed_step": failed_step,
        "reason": "",
        "traffic_before": {before: 100, "other": 0},
        "traffic_after": {after: 100, "other": 0} if after != before else {before: 100, "other": 0},
    }


GOOD = Release("good", "Succeeded", blue_green=True)
BAD = Release("bad", "RolledBack", blue_green=True, fails_at=("Hook",))


def test_verdict_accepts_green_live_and_blue_restored():
    outcomes = {"good": outcome("Succeeded", "blue", "green"), "bad": outcome("Failed", "green", "green", "Hook")}
    assert verdict(outcomes, [GOOD, BAD]) == []


@pytest.mark.parametrize(
    "outcomes",
    [
        {"good": outcome("Succeeded", "blue", "blue"), "bad": outcome("Failed", "blue", "blue", "Hook")},  # no shift
        {"good": outcome("Succeeded", "blue", "green"), "bad": outcome("Failed", "green", "blue", "Hook")},  # not back
        {"good": outcome("Succeeded", "blue", "green"), "bad": outcome("Succeeded", "green", "blue")},  # no rollback
        {"good": outcome("Succeeded", "blue", "green"), "bad": {"status": "Error", "failed_step": "-", "reason": "x"}},
        {"good": outcome("Succeeded", "blue", "green")},  # the bad release did not run
        {"good": outcome("Succeeded", "blue", "green"), "bad": outcome("Failed", "green", "green", "Install")},  # other
        {"good": {"status": "Succeeded", "failed_step": "", "reason": ""}, "bad": outcome("Failed", "b", "b", "Hook")},
    ],
)
def test_verdict_refuses(outcomes):
    assert verdict(outcomes, [GOOD, BAD])
