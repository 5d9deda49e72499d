"""`make gate` / `python -m tooling.gate.runner`: the pull-request policy gate.

1. validate the environment files (a bad one: one line, exit 2);
2. synthesize every stack of every environment once, in this process;
3. plan every AWS stack through the plan harness, in parallel (`--changed-only`: only stacks whose
   synthesized JSON changed since the last gate run; the others reuse their stored plan);
4. run checkov once over all plan JSON files (terraform_plan: resolved values) and once over the
   synthesized JSON of all stacks (terraform_json: data sources, and the `<env>-gitops` stacks that
   cannot be planned here) — built-in checks plus every check in policies/, minus the reviewed skips
   of checkov-skips.yaml — while the plan-JSON tests (`pytest tests/plan`) run on the same plans; a
   stack whose plan failed is reported unplanned (a gate failure) and not scanned;
5. with a baseline (`--baseline DIR` or $GATE_BASELINE), report permission broadening: it fails
   unless acknowledged (`--accept-broadening`, or its fingerprints in .gate/accept-broadening); with
   `--require-baseline` (the PR workflow) a missing baseline — the base branch could not be planned —
   fails too, unless accepted (`--accept-unplannable-base`);
6. print the summary table, write reports/ (SARIF, JUnit XML, JSON, Markdown) located at the Python
   line that created each resource (tooling/gate/sources.py); exit 1 on any failure.

`--plans DIR` gates existing plan JSON instead (e.g. `terraform show -json` of a Terraform Cloud
run): no synthesis, no planning, no synthesized-JSON scan and no plan-JSON tests.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from xml.etree import ElementTree

from tooling import ROOT
from tooling.gate import broadening, sources
from tooling.gate.replacements import replacement_findings
from tooling.gate.reports import Finding, GateResult, relative, summary_text, write_reports
from tooling.harness import planjson
from tooling.harness.planjson import Plan

BUILD = ROOT / "build"
GATE_DIR = BUILD / "gate"
POLICIES_DIR = ROOT / "policies"
SKIPS_FILE = ROOT / "checkov-skips.yaml"
ACK_FILE = ROOT / ".gate" / "accept-broadening"
REPORTS_DIR = ROOT / "reports"
DEFAULT_CHECKOV = ".venv-checkov/bin/checkov"
PLAN, SYNTH = "terraform_plan", "terraform_json"
HASH_FILE = "synth.sha256"

_BUILT_IN_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")
_PROJECT_ID = re.compile(r"^CKV2?_DLP_")


class GateError(RuntimeError):
    pass


# ---------------------------------------------------------------------------- reviewed skips
@dataclass(frozen=True)
class Skip:
    id: str
    reason: str
    stacks: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()

    @property
    def scoped(self) -> bool:
        return bool(self.stacks or self.resources)

    def covers_stack(self, stack: str) -> bool:
        return not self.stacks or any(fnmatch.fnmatchcase(stack, p) for p in self.stacks)

    def matches(self, finding: Finding) -> bool:
        return (
            finding.check_id == self.id
            and self.covers_stack(finding.stack)
            and (not self.resources or any(fnmatch.fnmatchcase(finding.resource, p) for p in self.resources))
        )

    def label(self) -> str:
        scope = [
            f"{key} {list(value)}" for key, value in (("stacks", self.stacks), ("resources", self.resources)) if value
        ]
        return f"{self.id} ({', '.join(scope)})" if scope else self.id


def load_skips(path: Path = SKIPS_FILE) -> list[Skip]:
    """Read and validate the reviewed skip file: built-in checks only, a reason each, no duplicates."""
    import yaml

    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    if set(data) - {"skips"}:
        raise GateError(f"{path.name}: unknown top-level key(s) {sorted(set(data) - {'skips'})}")
    skips, seen = [], set()
    for index, entry in enumerate(data.get("skips") or []):
        where = f"{path.name}: skips[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"id", "reason", "stacks", "resources"}:
            raise GateError(f"{where}: expected keys id, reason, stacks, resources")
        check_id, reason = str(entry.get("id", "")), " ".join(str(entry.get("reason") or "").split())
        if not _BUILT_IN_ID.match(check_id):
            raise GateError(f"{where}: {check_id!r} is not one checkov check id (no wildcards, no lists)")
        if _PROJECT_ID.match(check_id):
            raise GateError(f"{where}: {check_id} is one of the project's own checks; fix the code instead")
        if len(reason) < 20:
            raise GateError(f"{where}: {check_id} needs a reason (one or two sentences)")
        if check_id in seen:
            raise GateError(f"{where}: {check_id} is listed twice")
        seen.add(check_id)
        scope = {key: tuple(str(p) for p in (entry.get(key) or [])) for key in ("stacks", "resources")}
        if any(p.strip("*") == "" for patterns in scope.values() for p in patterns):
            raise GateError(f"{where}: {check_id}: a bare '*' scope is a blanket skip; omit the key instead")
        skips.append(Skip(check_id, reason, **scope))
    return skips


def prefer_plan_results(findings: list[Finding]) -> int:
    """A synthesized-JSON failure on a resource the plan scan PASSED is a false failure on an
    interpolation (`${aws_eip.x.public_ip}/32` is no CIDR): the plan's resolved values decide.
    Returns how many were superseded (kept as PASSED with a note, so they stay visible)."""
    passed_in_plan = {
        (f.stack, f.check_id, f.resource) for f in findings if f.framework == PLAN and f.result == "PASSED"
    }
    superseded = 0
    for finding in findings:
        if (
            finding.framework == SYNTH
            and finding.result == "FAILED"
            and (finding.stack, finding.check_id, finding.resource) in passed_in_plan
        ):
            finding.result = "PASSED"
            finding.details.append("superseded: the plan-JSON scan passed this resource on resolved values")
            superseded += 1
    return superseded


def apply_skips(findings: list[Finding], skips: list[Skip], stacks: list[str]) -> list[str]:
    """Mark failures covered by a scoped skip as SKIPPED (with its reason); return the stale skips:
    scoped skips that apply to a gated stack but matched no failure."""
    used: set[str] = set()
    for finding in findings:
        if finding.result != "FAILED":
            continue
        for skip in skips:
            if skip.scoped and skip.matches(finding):
                finding.result, finding.skip_reason = "SKIPPED", skip.reason
                used.add(skip.id)
                break
    return [
        skip.label()
        for skip in skips
        if skip.scoped and skip.id not in used and any(skip.covers_stack(stack) for stack in stacks)
    ]


# ---------------------------------------------------------------------------- checkov
def checkov_binary() -> Path:
    path = Path(os.environ.get("CHECKOV_BIN", DEFAULT_CHECKOV))
    path = path if path.is_absolute() else ROOT / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise GateError(f"checkov not found at {path}: run `make setup` or set CHECKOV_BIN")
    return path


def _type_index(config_file: Path) -> dict[tuple[str, str], str]:
    """(`resource`|`data`, name) -> type, from a synthesized cdk.tf.json (terraform_json reports
    Python checks' resources as `resource.<name>`)."""
    config = json.loads(config_file.read_text())
    index = {}
    for mode, key in (("resource", "resource"), ("data", "data")):
        for rtype, entries in (config.get(key) or {}).items():
            for name in entries:
                index[(mode, name)] = rtype
    return index


def _normalise_resource(resource: str, index: dict[tuple[str, str], str]) -> str:
    mode, _, name = resource.partition(".")
    if mode in ("resource", "data") and (mode, name) in index:
        return f"{index[(mode, name)]}.{name}" if mode == "resource" else f"data.{index[(mode, name)]}.{name}"
    return resource


def run_checkov(framework: str, inputs: dict[str, Path], workdir: Path, skip_ids: list[str]) -> list[Finding]:
    """One checkov run over every input (stack -> plan JSON or cdk.tf.json); findings per stack."""
    if not inputs:
        return []
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    laid_out: dict[Path, str] = {}
    for stack, source in inputs.items():
        target = workdir / f"{stack}.json" if framework == PLAN else workdir / stack / "cdk.tf.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        laid_out[target.resolve()] = stack
    command = [
        str(checkov_binary()),
        "-d",
        str(workdir),
        "--framework",
        framework,
        "--external-checks-dir",
        str(POLICIES_DIR),
        "--skip-download",
        "-o",
        "json",
        "--compact",
    ]
    if skip_ids:
        command += ["--skip-check", ",".join(sorted(skip_ids))]
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=workdir)
    if proc.returncode not in (0, 1):
        raise GateError(f"checkov ({framework}) exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        raise GateError(
            f"checkov ({framework}) printed no JSON:\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}"
        ) from None
    indexes = {stack: _type_index(source) for stack, source in inputs.items()} if framework == SYNTH else {}
    findings = []
    for item in report if isinstance(report, list) else [report]:
        if item.get("check_type") not in (framework, None):
            continue
        for key in ("passed_checks", "failed_checks", "skipped_checks"):
            for entry in item.get("results", {}).get(key, []):
                path = Path(entry.get("file_abs_path") or workdir / entry["file_path"].lstrip("/")).resolve()
                stack = laid_out.get(path)
                if stack is None:
                    raise GateError(f"checkov ({framework}) reported a file the gate did not give it: {path}")
                findings.append(
                    Finding(
                        stack=stack,
                        framework=framework,
                        check_id=entry["check_id"],
                        check_name=entry["check_name"],
                        resource=_normalise_resource(entry["resource"], indexes.get(stack, {})),
                        result=entry["check_result"]["result"],
                        file=relative(inputs[stack]),
                        lines=tuple(entry.get("file_line_range") or (0, 0)),
                        details=list(entry.get("details") or []),
                        guideline=entry.get("guideline") or "",
                    )
                )
    return findings


def scan(
    plan_files: dict[str, Path], synth_files: dict[str, Path], skip_ids: list[str], workdir: Path = GATE_DIR / "scan"
) -> list[Finding]:
    """checkov once per framework, both at the same time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        plan = pool.submit(run_checkov, PLAN, plan_files, workdir / "plan", skip_ids)
        synth = pool.submit(run_checkov, SYNTH, synth_files, workdir / "synth", skip_ids)
        return plan.result() + synth.result()


# ---------------------------------------------------------------------------- hashes and caches
def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def stack_hash(stack_dir: Path) -> str:
    """What a plan depends on: the synthesized config without its backend, its assets, the provider
    lock file and the harness's provider override."""
    from tooling.harness.terraform import LOCK_FILE, PLACEHOLDER_PROVIDER, without_backend

    config = without_backend(json.loads((stack_dir / "cdk.tf.json").read_text()))
    parts = [
        json.dumps(config, sort_keys=True).encode(),
        json.dumps(PLACEHOLDER_PROVIDER, sort_keys=True).encode(),
        LOCK_FILE.read_bytes() if LOCK_FILE.exists() else b"",
    ]
    for path in sorted(
        p for p in stack_dir.rglob("*") if p.is_file() and p.name != "cdk.tf.json" and ".terraform" not in p.parts
    ):
        parts += [str(path.relative_to(stack_dir)).encode(), path.read_bytes()]
    return _digest(*parts)


def rules_hash(skip_ids: list[str]) -> str:
    """What checkov's raw results depend on besides the input: the policies, the unscoped skips, checkov."""
    files = sorted(p for p in POLICIES_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return _digest(
        *(p.read_bytes() for p in files), ",".join(sorted(skip_ids)).encode(), str(checkov_binary()).encode()
    )


def _cache_path(stack: str, framework: str) -> Path:
    return GATE_DIR / "cache" / f"{stack}.{framework}.json"


def cached_findings(stack: str, framework: str, key: str) -> list[Finding] | None:
    path = _cache_path(stack, framework)
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    if data.get("key") != key:
        return None
    return [Finding(**{**f, "lines": tuple(f["lines"])}) for f in data["findings"]]


def store_findings(findings: list[Finding], keys: dict[tuple[str, str], str]) -> None:
    grouped: dict[tuple[str, str], list[dict]] = {k: [] for k in keys}
    for finding in findings:
        grouped.setdefault((finding.stack, finding.framework), []).append(asdict(finding))
    for (stack, framework), entries in grouped.items():
        if (stack, framework) in keys:
            path = _cache_path(stack, framework)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"key": keys[(stack, framework)], "findings": entries}))


# ---------------------------------------------------------------------------- planning
def plan_all(
    stack_dirs: dict[str, Path], work_root: Path, changed_only: bool
) -> tuple[dict[str, Path], list[str], list[str], dict[str, str]]:
    """Plan the stacks (in parallel); return (stack -> plan.json, planned, reused, stack -> plan failure)."""
    from tooling.harness.terraform import plan_each

    hashes = {stack: stack_hash(path) for stack, path in stack_dirs.items()}
    reused = [
        stack
        for stack in stack_dirs
        if changed_only
        and (work_root / stack / "plan.json").is_file()
        and (work_root / stack / HASH_FILE).is_file()
        and (work_root / stack / HASH_FILE).read_text().strip() == hashes[stack]
    ]
    to_plan = {stack: path for stack, path in stack_dirs.items() if stack not in reused}
    _, failures = plan_each(to_plan, work_root)
    for stack in to_plan:
        if stack in failures:
            (work_root / stack / HASH_FILE).unlink(missing_ok=True)
        else:
            (work_root / stack / HASH_FILE).write_text(hashes[stack] + "\n")
    plan_files = {stack: work_root / stack / "plan.json" for stack in stack_dirs if stack not in failures}
    return plan_files, sorted(set(to_plan) - set(failures)), sorted(reused), failures


def count_resources(plan_files: dict[str, Path]) -> int:
    return sum(len(Plan(json.loads(p.read_text())).managed_resources) for p in plan_files.values())


# ---------------------------------------------------------------------------- plan-JSON tests
def run_plan_tests(plans_dir: Path, synth_dir: Path, reports_dir: Path) -> dict:
    """`pytest tests/plan` on the gate's plans (tests/conftest.py loads them from $PLATFORM_PLANS_DIR)."""
    junit_path = reports_dir / "plan-tests.xml"
    env = {**os.environ, "PLATFORM_PLANS_DIR": str(plans_dir), "PLATFORM_SYNTH_DIR": str(synth_dir)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/plan", "-q", "-p", "no:cacheprovider", f"--junitxml={junit_path}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    summary = {
        "returncode": proc.returncode,
        "passed": 0,
        "failed": 0,
        "output": proc.stdout[-6000:] + proc.stderr[-2000:],
    }
    if junit_path.is_file():
        root = ElementTree.parse(junit_path).getroot()
        suites = [root] if root.tag == "testsuite" else list(root)
        tests = sum(int(s.get("tests", 0)) for s in suites)
        bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
        skipped = sum(int(s.get("skipped", 0)) for s in suites)
        summary.update(passed=tests - bad - skipped, failed=bad)
    return summary


# ---------------------------------------------------------------------------- broadening
def check_broadening(
    baseline_dir: Path, current: dict[str, Path], accept_all: bool, ack_file: Path = ACK_FILE
) -> list[dict]:
    if not baseline_dir.is_dir():
        raise GateError(f"baseline {baseline_dir} is not a directory of plan JSON files")
    baseline = planjson.load_documents(baseline_dir)
    documents = {stack: json.loads(path.read_text()) for stack, path in current.items()}
    acknowledged = broadening.read_acknowledgements(ack_file)
    found = broadening.compare_all(baseline, documents)
    return [{**item.as_dict(), "acknowledged": accept_all or item.fingerprint in acknowledged} for item in found]


# ---------------------------------------------------------------------------- the command
def _env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tooling.gate.runner", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--changed-only",
        action="store_true",
        help="plan and scan only stacks whose synthesized JSON changed since the last gate run",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=os.environ.get("GATE_BASELINE") or None,
        help="directory of baseline plan JSON (<stack>.json or <stack>/plan.json) for broadening",
    )
    parser.add_argument(
        "--accept-broadening",
        action="store_true",
        default=_env_flag("GATE_ACCEPT_BROADENING"),
        help="acknowledge every permission broadening (else list fingerprints in .gate/accept-broadening)",
    )
    parser.add_argument(
        "--require-baseline",
        action="store_true",
        default=_env_flag("GATE_REQUIRE_BASELINE"),
        help="a baseline is expected: without one (the base branch could not be planned) the gate "
        "fails instead of skipping the broadening check",
    )
    parser.add_argument(
        "--accept-unplannable-base",
        action="store_true",
        default=_env_flag("GATE_ACCEPT_UNPLANNABLE_BASE"),
        help="with --require-baseline: pass without a baseline (reported, broadening not checked)",
    )
    parser.add_argument("--plans", type=Path, help="gate existing plan JSON files instead of synthesizing and planning")
    parser.add_argument("--reports", type=Path, default=REPORTS_DIR, help="where to write the reports")
    parser.add_argument("--skips", type=Path, default=SKIPS_FILE, help="the reviewed skip file")
    parser.add_argument(
        "--export-plans",
        type=Path,
        help="also copy every plan JSON to DIR/<stack>.json (e.g. the base branch's baseline)",
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> GateResult:
    seconds: dict[str, float] = {}
    start = time.monotonic()
    skips = load_skips(args.skips)
    skip_ids = [s.id for s in skips if not s.scoped]
    plan_failures: dict[str, str] = {}
    synth_files: dict[str, Path] = {}
    synth_dir = GATE_DIR / "cdktf.out"
    recorded, synthesized = sources.ConstructSources(), {}
    if args.plans:
        plan_files = {stack: path for stack, path in _plan_files_in(args.plans).items()}
        stacks, planned, reused = sorted(plan_files), [], sorted(plan_files)
    else:
        from envconfig.loader import selected_environments
        from tooling.harness.synth import load_or_exit, synthesize

        catalog = load_or_exit(selected_environments())
        synth_dir.mkdir(parents=True, exist_ok=True)
        with sources.recording() as recorded:
            synthesis = synthesize(catalog, synth_dir)
        synthesized = {stack: path / "cdk.tf.json" for stack, path in synthesis.stacks.items()}
        seconds["synth"] = time.monotonic() - start
        stacks = sorted(synthesis.stacks)
        mark = time.monotonic()
        plan_files, planned, reused, plan_failures = plan_all(
            synthesis.plannable_stacks(), GATE_DIR / "plans", args.changed_only
        )
        seconds["plan"] = time.monotonic() - mark
        # A stack whose plan failed is reported unplanned, not scanned: its synthesized JSON alone would
        # turn interpolations (`${aws_eip.x.public_ip}/32`) into policy failures no plan scan supersedes.
        synth_files = {
            stack: path / "cdk.tf.json" for stack, path in synthesis.stacks.items() if stack not in plan_failures
        }

    # what to scan: everything, or (--changed-only) what has no cached result for its exact content
    rules = rules_hash(skip_ids)
    keys = {(stack, PLAN): _digest(rules.encode(), path.read_bytes()) for stack, path in plan_files.items()}
    keys |= {(stack, SYNTH): _digest(rules.encode(), path.read_bytes()) for stack, path in synth_files.items()}
    findings: list[Finding] = []
    to_scan = {PLAN: dict(plan_files), SYNTH: dict(synth_files)}
    if args.changed_only:
        for (stack, framework), key in keys.items():
            cached = cached_findings(stack, framework, key)
            if cached is not None:
                findings += cached
                del to_scan[framework][stack]

    mark = time.monotonic()
    plans_for_tests = GATE_DIR / "current-plans"
    shutil.rmtree(plans_for_tests, ignore_errors=True)
    plans_for_tests.mkdir(parents=True)
    for stack, path in plan_files.items():
        shutil.copyfile(path, plans_for_tests / f"{stack}.json")
    args.reports.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        tests = (
            pool.submit(run_plan_tests, plans_for_tests, synth_dir, args.reports)
            if not args.plans and not plan_failures
            else None
        )
        fresh = scan(to_scan[PLAN], to_scan[SYNTH], skip_ids)
        test_summary = tests.result() if tests else {}
    store_findings(fresh, {(s, f): keys[(s, f)] for f, inputs in to_scan.items() for s in inputs})
    findings += fresh + replacement_findings(plan_files)
    seconds["checkov+tests"] = time.monotonic() - mark
    superseded = prefer_plan_results(findings)
    stale = apply_skips(findings, skips, stacks)

    baseline = args.baseline
    if args.require_baseline and baseline and not (baseline.is_dir() and planjson.plan_files(baseline)):
        baseline = None  # the workflow's baseline job planned nothing: the base branch is unplannable
    found_broadening: list[dict] = []
    if baseline:
        found_broadening = check_broadening(baseline, plan_files, args.accept_broadening)
    locator = sources.Locator(recorded, synthesized)
    locate(findings, found_broadening, locator)
    if args.export_plans:
        args.export_plans.mkdir(parents=True, exist_ok=True)
        for stack, path in plan_files.items():
            shutil.copyfile(path, args.export_plans / f"{stack}.json")
    seconds["total"] = time.monotonic() - start
    return GateResult(
        stacks=stacks,
        planned=planned,
        reused=reused,
        resources=count_resources(plan_files),
        findings=sorted(findings, key=lambda f: (f.stack, f.framework, f.check_id, f.resource)),
        plan_failures=plan_failures,
        test_summary=test_summary,
        broadening=found_broadening,
        broadening_checked=bool(baseline),
        stale_skips=stale,
        seconds=seconds,
        superseded=superseded,
        baseline_missing=args.require_baseline and not baseline,
        unplannable_base_accepted=args.accept_unplannable_base,
        environment_files=locator.environment_files(stacks),
    )


def locate(findings: list[Finding], found_broadening: list[dict], locator: sources.Locator) -> None:
    """Give every finding and broadening the source line a reviewer opens (always from this run's
    synthesis: cached findings may predate an edit that moved the line)."""
    for finding in findings:
        line = locator.locate(finding.stack, finding.resource)
        finding.source_file, finding.source_line = (line.file, line.line) if line else ("", 0)
        finding.created_by = [f"{c.file}:{c.line}" for c in locator.created_by(finding.stack, finding.resource)]
    for item in found_broadening:
        line = locator.locate(item["stack"], item["source"])
        item["source_file"], item["source_line"] = (line.file, line.line) if line else ("", 0)
        item["created_by"] = [f"{c.file}:{c.line}" for c in locator.created_by(item["stack"], item["source"])]


def load_synthesis(outdir: Path):
    """A tooling.harness.synth.Synthesis for a cdktf.out directory synthesized earlier (from its manifest)."""
    from tooling.harness.synth import Synthesis

    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    return Synthesis(
        Path(outdir),
        {name: Path(outdir) / entry["workingDirectory"] for name, entry in manifest["stacks"].items()},
        0.0,
    )


def _plan_files_in(directory: Path) -> dict[str, Path]:
    files = planjson.plan_files(directory)
    if not files:
        raise GateError(f"no plan JSON in {directory} (expected <stack>.json or <stack>/plan.json)")
    return files


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = run(args)
    except GateError as err:
        print(f"gate error: {err}", file=sys.stderr)
        return 2
    paths = write_reports(result, args.reports)
    print(summary_text(result))
    print("reports: " + ", ".join(relative(p) for p in paths.values()))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
