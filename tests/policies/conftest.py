"""Run checkov (as a subprocess, never imported) once per input format over the fixtures of all case files.

The checkov binary comes from $CHECKOV_BIN, default `.venv-checkov/bin/checkov` under the repo
root. A missing binary fails the tests: the policy gate is not optional.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.policies.builders import plan_document, synth_document
from tests.policies.cases import case_files, resources
from tests.policies.cases.codedeploy_ecs_termination_wait import MIN_WAIT_CASES, MIN_WAIT_ENVIRONMENT

REPO_ROOT = Path(__file__).resolve().parents[2]
POLICIES_DIR = REPO_ROOT / "policies"
DEFAULT_CHECKOV = ".venv-checkov/bin/checkov"


def policy_metadata() -> list[dict]:
    """One entry per policy file: path, id, name, doc (read statically; checkov is not imported)."""
    entries = []
    for path in sorted(POLICIES_DIR.iterdir()):
        if path.suffix == ".py" and not path.name.startswith("__"):
            tree = ast.parse(path.read_text())
            for node in tree.body:
                if not isinstance(node, ast.ClassDef):
                    continue
                fields = {
                    t.id: stmt.value.value
                    for stmt in node.body
                    if isinstance(stmt, ast.Assign)
                    for t in stmt.targets
                    if isinstance(t, ast.Name) and isinstance(stmt.value, ast.Constant)
                }
                if fields.get("ID"):
                    entries.append(
                        {
                            "path": path,
                            "id": fields["ID"],
                            "name": fields.get("NAME"),
                            "doc": ast.get_docstring(tree),
                            "class_doc": ast.get_docstring(node),
                        }
                    )
        elif path.suffix in (".yaml", ".yml", ".json"):
            text = path.read_text()
            meta = (yaml.safe_load(text) or {}).get("metadata", {})
            comment = "\n".join(line for line in text.splitlines() if line.startswith("#"))
            entries.append(
                {"path": path, "id": meta.get("id"), "name": meta.get("name"), "doc": comment, "class_doc": comment}
            )
    return entries


def policy_ids() -> list[str]:
    return sorted({entry["id"] for entry in policy_metadata()})


def checkov_binary() -> Path:
    configured = os.environ.get("CHECKOV_BIN", DEFAULT_CHECKOV)
    path = Path(configured)
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"checkov binary not found or not executable at {path}. Run `make setup` (creates "
            f"{DEFAULT_CHECKOV}) or point CHECKOV_BIN at a checkov 3.x binary.",
            pytrace=False,
        )
    return path


def checkov_entries(args: list[str], framework: str, extra_env: dict[str, str] | None = None) -> list[dict]:
    """Run checkov with every project policy; its PASSED/FAILED/SKIPPED result entries (with `file_abs_path`)."""
    command = [
        str(checkov_binary()),
        *args,
        "--framework",
        framework,
        "--external-checks-dir",
        str(POLICIES_DIR),
        "--check",
        ",".join(policy_ids()),
        "--skip-download",
        "-o",
        "json",
    ]
    env = {k: v for k, v in os.environ.items() if k != "DLP_MIN_TERMINATION_WAIT_MINUTES"}  # policy default
    env.update({"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", **(extra_env or {})})
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode not in (0, 1):
        pytest.fail(f"checkov exited {proc.returncode}: {' '.join(command)}\n{proc.stderr[-4000:]}", pytrace=False)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"checkov output is not JSON:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}", pytrace=False)
    reports = report if isinstance(report, list) else [report]
    entries = [
        entry
        for item in reports
        for key in ("passed_checks", "failed_checks", "skipped_checks")
        for entry in item.get("results", {}).get(key, [])
    ]
    if not entries:
        pytest.fail(
            f"checkov reported no results for {framework}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}", pytrace=False
        )
    return entries


def run_checkov(args: list[str], framework: str, extra_env: dict[str, str] | None = None) -> dict:
    """Run checkov; return {(check_id, resource): (result, details)} for PASSED/FAILED/SKIPPED results."""
    return {
        (entry["check_id"], entry["resource"]): (entry["check_result"]["result"], entry.get("details") or [])
        for entry in checkov_entries(args, framework, extra_env)
    }


@pytest.fixture(scope="session")
def plan_results(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(json.dumps(plan_document(resources(case_files())), indent=1))
    return run_checkov(["-f", str(path)], "terraform_plan")


@pytest.fixture(scope="session")
def synth_results(tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("synth")
    (directory / "cdk.tf.json").write_text(json.dumps(synth_document(resources(case_files())), indent=1))
    return run_checkov(["-d", str(directory)], "terraform_json")


@pytest.fixture(scope="session")
def min_wait_results(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("plan_min_wait") / "plan.json"
    path.write_text(json.dumps(plan_document([case.resource for case in MIN_WAIT_CASES]), indent=1))
    return run_checkov(["-f", str(path)], "terraform_plan", MIN_WAIT_ENVIRONMENT)
