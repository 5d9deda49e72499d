"""A stack whose plan failed is reported unplanned (a gate failure saying 'plan failed'); its synthesized
JSON is not scanned, so no interpolation artefact shows up as a policy failure for it. Synthesis,
planning and checkov are stand-ins here: this is the gate's merging of their results."""

from __future__ import annotations

import json

from tooling.gate import runner as gate
from tooling.gate.reports import Finding, failure_rows, markdown, summary_text
from tooling.harness import synth
from tooling.harness.synth import Synthesis

PLANNED, BROKEN = "dev-service", "dev-delivery"


def test_a_failed_plan_is_reported_unplanned_and_its_synthesized_json_is_not_scanned(tmp_path, monkeypatch):
    stacks = {}
    for name in (PLANNED, BROKEN):
        stacks[name] = tmp_path / "cdktf.out" / "stacks" / name
        stacks[name].mkdir(parents=True)
        (stacks[name] / "cdk.tf.json").write_text(json.dumps({"terraform": {}}))
    plan_file = tmp_path / "plans" / PLANNED / "plan.json"
    plan_file.parent.mkdir(parents=True)
    plan_file.write_text(json.dumps({"planned_values": {"root_module": {"resources": []}}}))

    monkeypatch.setattr(gate, "GATE_DIR", tmp_path / "gate")
    monkeypatch.setattr(synth, "load_or_exit", lambda names: None)
    monkeypatch.setattr(synth, "synthesize", lambda catalog, outdir: Synthesis(tmp_path / "cdktf.out", stacks, 0.0))
    monkeypatch.setattr(
        gate,
        "plan_all",
        lambda stack_dirs, work_root, changed_only: (
            {PLANNED: plan_file},
            [PLANNED],
            [],
            {BROKEN: "terraform plan failed in build/gate/plans/dev-delivery:\nError: Invalid reference"},
        ),
    )
    scanned = {}

    def scan(plan_files, synth_files, skip_ids):
        """checkov as it answers on synthesized JSON alone: a failure on every interpolated CIDR."""
        scanned.update(plan=sorted(plan_files), synth=sorted(synth_files))
        return [
            Finding(s, gate.PLAN, "CKV_AWS_260", "ingress", "aws_security_group.alb", "PASSED", str(p))
            for s, p in plan_files.items()
        ] + [
            Finding(
                s,
                gate.SYNTH,
                "CKV_AWS_260",
                "ingress",
                "aws_security_group.alb",
                "FAILED",
                str(p),
                details=["${aws_eip.nat.public_ip}/32"],
            )
            for s, p in synth_files.items()
        ]

    monkeypatch.setattr(gate, "scan", scan)
    skips = tmp_path / "skips.yaml"
    skips.write_text("skips: []\n")
    result = gate.run(gate.parse_args(["--reports", str(tmp_path / "reports"), "--skips", str(skips)]))

    assert scanned == {"plan": [PLANNED], "synth": [PLANNED]}, "the unplanned stack's synthesized JSON is not scanned"
    assert set(result.plan_failures) == {BROKEN} and result.planned == [PLANNED]
    assert not result.ok
    assert not [f for f in result.findings if f.stack == BROKEN], "no policy result for the unplanned stack"
    assert not failure_rows(result), "the superseded synth failure of the planned stack is no policy failure"
    text = summary_text(result)
    assert f"plan failed: {BROKEN}" in text and "1 unplanned (plan failed)" in text and "gate: FAILED" in text
    assert "policy failure" not in text
    assert f"`{BROKEN}`" in markdown(result).split("### Plan failures", 1)[1]
