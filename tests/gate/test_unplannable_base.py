"""A base branch that could not be planned is not silently "broadening: not checked": when the baseline is
required (the PR workflow sets GATE_REQUIRE_BASELINE) and none came, the gate says so and fails, unless
the pull request accepts it (GATE_ACCEPT_UNPLANNABLE_BASE, from the label accept-unplannable-base).
Gated on plan JSON (`--plans`), with checkov as a stand-in: this is the gate's verdict and reports."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from tooling.gate import runner as gate
from tooling.gate.reports import markdown, summary_text

STACK = "prod-service"


def role_policy_plan(*actions: str) -> dict:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
    return {
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_role_policy.p",
                        "type": "aws_iam_role_policy",
                        "mode": "managed",
                        "values": {"role": "app-task", "policy": json.dumps(policy)},
                    }
                ]
            }
        },
        "resource_changes": [],
        "configuration": {"root_module": {"resources": []}},
    }


@pytest.fixture
def gate_on_plans(tmp_path, monkeypatch):
    """Run the gate on one plan; returns (exit code, GateResult, reports dir) for the given arguments."""
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / f"{STACK}.json").write_text(json.dumps(role_policy_plan("s3:GetObject")))
    skips = tmp_path / "skips.yaml"
    skips.write_text("skips: []\n")
    monkeypatch.setattr(gate, "GATE_DIR", tmp_path / "gate")
    monkeypatch.setattr(gate, "scan", lambda plan_files, synth_files, skip_ids: [])
    monkeypatch.setattr(gate, "rules_hash", lambda skip_ids: "rules")
    for name in ("GATE_BASELINE", "GATE_REQUIRE_BASELINE", "GATE_ACCEPT_UNPLANNABLE_BASE", "GATE_ACCEPT_BROADENING"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv: str):
        reports = tmp_path / "reports"
        args = ["--plans", str(plans), "--skips", str(skips), "--reports", str(reports), *argv]
        code = gate.main(args)
        return code, gate.run(gate.parse_args(args)), reports

    return run


def test_a_missing_required_baseline_fails_and_says_so(gate_on_plans, monkeypatch):
    monkeypatch.setenv("GATE_REQUIRE_BASELINE", "1")  # as the workflow passes it
    code, result, reports = gate_on_plans()
    assert code == 1 and not result.ok and result.baseline_missing and not result.broadening_checked
    text = summary_text(result)
    assert "broadening: NOT CHECKED: the base branch could not be planned" in text
    assert "this fails the gate" in text and "gate: FAILED" in text
    summary = (reports / "gate-summary.md").read_text()  # what the workflow appends to the job summary
    assert "## Policy gate: FAILED" in summary and "### Base branch not planned" in summary
    assert "This fails the gate" in summary.split("### Base branch not planned", 1)[1]
    failures = ElementTree.parse(reports / "gate-junit.xml").getroot().findall(".//testcase[failure]")
    assert [case.get("classname") for case in failures] == ["base-branch"]


@pytest.mark.parametrize("empty", ["no directory", "empty directory"])
def test_an_empty_baseline_counts_as_missing(gate_on_plans, tmp_path, empty):
    baseline = tmp_path / "baseline-plans"
    if empty == "empty directory":
        baseline.mkdir()
    code, result, _ = gate_on_plans("--require-baseline", "--baseline", str(baseline))
    assert code == 1 and result.baseline_missing and not result.broadening


def test_accepting_the_unplannable_base_passes_and_still_says_so(gate_on_plans, monkeypatch):
    monkeypatch.setenv("GATE_REQUIRE_BASELINE", "1")
    monkeypatch.setenv("GATE_ACCEPT_UNPLANNABLE_BASE", "1")  # the label, set by someone other than the author
    code, result, reports = gate_on_plans()
    assert code == 0 and result.ok and result.baseline_missing and result.unplannable_base_accepted
    assert "NOT CHECKED" in summary_text(result) and "accepted" in summary_text(result)
    assert "Accepted: the pull request carries the label `accept-unplannable-base`" in markdown(result)
    skipped = ElementTree.parse(reports / "gate-junit.xml").getroot().findall(".//testcase[skipped]")
    assert [case.get("classname") for case in skipped] == ["base-branch"]


def test_a_planned_base_is_compared_and_nothing_is_missing(gate_on_plans, tmp_path):
    baseline = tmp_path / "baseline-plans"
    baseline.mkdir()
    (baseline / f"{STACK}.json").write_text(json.dumps(role_policy_plan()))
    code, result, _ = gate_on_plans("--require-baseline", "--baseline", str(baseline))
    assert not result.baseline_missing and result.broadening_checked
    assert code == 1 and [b["stack"] for b in result.unacknowledged()] == [STACK]  # s3:getobject is new
    assert result.broadening[0]["source_file"] == "environments/prod.hcl", "no construct line without synthesis"


def test_without_require_baseline_no_baseline_is_not_a_failure(gate_on_plans):
    code, result, _ = gate_on_plans()
    assert code == 0 and result.ok and not result.baseline_missing
    assert "broadening: not checked (no baseline)" in summary_text(result)
