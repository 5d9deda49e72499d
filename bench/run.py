"""Print synth / plan / checkov / gate figures for this machine (`make bench`; `--full` for more repeats).

Figures are printed, never asserted. Every measured step runs in a fresh subprocess (a "probe": this
same file with `--probe <kind>`), so each synth pays the full jsii start-up, as a developer's
`python main.py` does. While a probe runs, its whole process tree is sampled from /proc every 0.1 s
(VmHWM per process, sum of VmRSS), which is how the jsii Node child and terraform / provider plugin
processes get their peak RSS. The probe also reports its own getrusage figures; see bench/README.md
for which number captures what.

    .venv/bin/python bench/run.py                  # quick (~6 min on an idle 2-core box)
    .venv/bin/python bench/run.py --full           # more repeats, N=20 plans, checkov per stack
    .venv/bin/python bench/run.py --only floor,synth
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
RESULT_TAG = "BENCH_RESULT "
SECTIONS = ("floor", "synth", "plan", "checkov", "scale", "gate")
SCALE_ENV = "staging"  # blue/green: the heavier per-service shape (ALB pair, CodeDeploy, alarms)
SCALE_STACKS = ("delivery", "service")  # the stacks a service adds resources to
BASE_ENV = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "CHECKPOINT_DISABLE": "1",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
}


# ----------------------------------------------------------------------------------------------
# Probes: run in a fresh process, print one JSON line.
# ----------------------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return found


def _status(pid: int) -> dict[str, str]:
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    except OSError:
        pass
    return fields


def _kib(value: str) -> int:
    return int(value.split()[0]) if value else 0


def _rusage(who) -> dict:
    usage = resource.getrusage(who)
    return {"cpu": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}


def _stop_jsii() -> int | None:
    """Stop the jsii Node child now (normally an atexit hook) so RUSAGE_CHILDREN includes it."""
    runtime = sys.modules.get("jsii._runtime")
    if runtime is None:
        return None
    if not any(name.endswith("._jsii") for name in sys.modules):
        return None  # no assembly loaded: Node never started
    process = runtime.kernel.provider._process  # memoized: the running Node child
    pid = process._process.pid
    process.stop()
    return pid


def probe_import(mode: str = "eager") -> dict:
    start = time.monotonic()
    if mode == "lazy":  # the project's loader (modules/cdk/lazy_bindings.py), as main.py gets it
        sys.path.insert(0, str(ROOT))
        import modules  # noqa: F401
    import cdktf_cdktf_provider_aws  # noqa: F401
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket  # noqa: F401  (one resource module)
    return {"import_s": time.monotonic() - start}


def probe_synth(outdir: str) -> dict:
    sys.path.insert(0, str(ROOT))
    phases, mark = {}, time.monotonic()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        phases[name] = now - mark
        mark = now

    from envconfig.loader import load_environments
    from envconfig.loader import selected_environments

    catalog = load_environments(selected_environments())
    phase("load_envs_s")
    from stacks.app import build_app
    import stacks.delivery, stacks.service  # noqa: E401,F401  (what build_app imports: the bindings)
    if any(env.eks is not None for env in catalog.selected):
        import stacks.eks, stacks.gitops  # noqa: E401,F401
    phase("import_s")

    app = build_app(catalog, outdir)
    phase("construct_s")
    app.synth()
    phase("synth_s")
    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    resource_counts = {}
    for name, entry in manifest["stacks"].items():
        config = json.loads((Path(outdir) / entry["workingDirectory"] / "cdk.tf.json").read_text())
        resource_counts[name] = sum(len(v) for v in config.get("resource", {}).values()) + \
            sum(len(v) for v in config.get("data", {}).values())
    return {**phases, "stacks": resource_counts}


def probe_plan(outdir: str, work_root: str, stacks: str, mode: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from tooling.harness import terraform

    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    dirs = {name: Path(outdir) / manifest["stacks"][name]["workingDirectory"] for name in stacks.split(",")}
    result = {}
    if mode == "init":
        for name, path in dirs.items():
            start = time.monotonic()
            terraform.init(terraform.prepare(path, Path(work_root) / name))
            result[name] = {"seconds": time.monotonic() - start}
        return {"stacks": result}
    if mode == "sequential":
        plans = {name: terraform.plan_stack(name, path, Path(work_root)) for name, path in dirs.items()}
    else:
        plans = terraform.plan_stacks(dirs, Path(work_root))
    return {"stacks": {name: {"seconds": plan.seconds, "resources": len(plan.resources)}
                       for name, plan in plans.items()}}


def run_probe(args: list[str]) -> None:
    kind, rest = args[0], args[1:]
    start = time.monotonic()
    result = {"import": probe_import, "synth": probe_synth, "plan": probe_plan}[kind](*rest)
    result["inner_wall_s"] = time.monotonic() - start
    result["python"] = _rusage(resource.RUSAGE_SELF)
    node_pid = _stop_jsii()
    result["node_pid"] = node_pid
    result["children"] = _rusage(resource.RUSAGE_CHILDREN)  # node (after stop) / terraform processes
    print(RESULT_TAG + json.dumps(result), flush=True)


# ----------------------------------------------------------------------------------------------
# Measuring a command: wall, CPU of the whole tree, peak RSS per process kind, tree peak.
# ----------------------------------------------------------------------------------------------

def _kind(name: str) -> str:
    if name.startswith("python"):
        return "python"
    if name.startswith("terraform-prov"):
        return "provider"
    for known in ("node", "terraform", "checkov"):
        if name.startswith(known):
            return known
    return "other"


def measure(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> dict:
    """Run `command`; return wall, CPU (wait4: it and every waited descendant), peaks, probe JSON."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **BASE_ENV, **(env or {})},
                                   stdout=out, stderr=err)
        peaks: dict[int, tuple[str, int]] = {}
        tree_peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            total, stack = 0, [process.pid]
            while stack:
                current = stack.pop()
                fields = _status(current)
                if fields:
                    total += _kib(fields.get("VmRSS", ""))
                    hwm = _kib(fields.get("VmHWM", ""))
                    if hwm >= peaks.get(current, ("", 0))[1]:
                        peaks[current] = (fields.get("Name", "?"), hwm)
                stack += _children(current)
            tree_peak = max(tree_peak, total)
            time.sleep(0.1)
        wall = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    by_kind: dict[str, float] = {}
    for name, hwm in peaks.values():
        by_kind[_kind(name)] = max(by_kind.get(_kind(name), 0), hwm / 1024)
    probe = next((json.loads(line[len(RESULT_TAG):]) for line in stdout.splitlines()
                  if line.startswith(RESULT_TAG)), None)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rc": process.returncode,
            "peak_mb": by_kind, "tree_peak_mb": tree_peak / 1024, "probe": probe,
            "stdout": stdout, "stderr": stderr}


def probe_command(*args: str) -> list[str]:
    return [PY, str(Path(__file__).resolve()), "--probe", *args]


# ----------------------------------------------------------------------------------------------
# Reporting helpers
# ----------------------------------------------------------------------------------------------

def load() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def med(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def spread(values) -> str:
    values = [v for v in values if v is not None]
    return f"[{min(values):.1f}..{max(values):.1f}]" if len(values) > 1 else ""


def say(text: str = "") -> None:
    print(text, flush=True)


def fail(label: str, run: dict) -> bool:
    if run["rc"] != 0 or run["probe"] is None and "--probe" in label:
        say(f"  !! {label} failed (exit {run['rc']}):")
        say("     " + "\n     ".join((run["stderr"] or run["stdout"]).strip().splitlines()[-12:]))
        return True
    return False


def repeat(label: str, command: list[str], times: int, env: dict | None = None) -> list[dict]:
    runs = []
    for index in range(times):
        run = measure(command, env)
        if fail(f"{label} --probe", run):
            break
        node = run["probe"]["children"]["maxrss_mb"] if run["probe"] else float("nan")
        say(f"  {label} #{index + 1}: wall {run['wall']:.1f}s cpu {run['cpu']:.1f}s "
            f"python {run['peak_mb'].get('python', 0):.0f}MB node {run['peak_mb'].get('node', 0):.0f}MB "
            f"(node RUSAGE_CHILDREN {node:.0f}MB) tree {run['tree_peak_mb']:.0f}MB  [{load()}]")
        runs.append(run)
    return runs


def summary(label: str, runs: list[dict]) -> dict:
    if not runs:
        return {}
    figures = {"wall": med(r["wall"] for r in runs), "cpu": med(r["cpu"] for r in runs),
               "python_mb": med(r["peak_mb"].get("python") for r in runs),
               "node_mb": med(r["peak_mb"].get("node") for r in runs),
               "tree_mb": med(r["tree_peak_mb"] for r in runs), "n": len(runs)}
    say(f"  => {label}: median wall {figures['wall']:.1f}s {spread(r['wall'] for r in runs)} "
        f"cpu {figures['cpu']:.1f}s {spread(r['cpu'] for r in runs)} | peak RSS python "
        f"{figures['python_mb']:.0f}MB node {figures['node_mb']:.0f}MB tree {figures['tree_mb']:.0f}MB "
        f"(n={len(runs)}, {load()})")
    return figures


def fit(xs: list[float], ys: list[float]) -> tuple[float, float, list[float], float]:
    """Least squares y = a + b x: (slope, intercept, residuals, r^2)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    intercept = my - slope * mx
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys)]
    total = sum((y - my) ** 2 for y in ys)
    return slope, intercept, residuals, 1 - sum(r * r for r in residuals) / total if total else 1.0


# ----------------------------------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------------------------------

def machine() -> None:
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())

    def version(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "absent"

    say(f"machine: {os.cpu_count()} CPUs ({cpu}), {int(mem.split()[1]) // 1024} MiB RAM, {platform.platform()}")
    say(f"         python {platform.python_version()}, node {version(['node', '--version'])}, "
        f"{version(['terraform', 'version'])}, {load()} (shared machine: see the load next to each figure)")


def section_floor(repeats: int) -> dict:
    say("\n== floor: bare `import cdktf_cdktf_provider_aws` + one resource module, fresh process ==")
    floor = summary("floor", repeat("import", probe_command("import"), repeats,
                                    {"PLATFORM_EAGER_BINDINGS": "1"}))
    say("  -- the same import through the project's deferred submodule loader (modules/cdk/lazy_bindings.py):")
    lazy = summary("floor, deferred submodules", repeat("import (deferred)", probe_command("import", "lazy"),
                                                         repeats))
    return {**floor, "lazy": lazy}


def section_synth(repeats: int, work: Path) -> tuple[dict, Path | None]:
    say("\n== cold synth: every stack of every environment, one fresh process (main.build_app + synth) ==")
    runs, outdir = [], None
    for index in range(repeats):
        outdir = work / f"synth-{index}"
        runs += repeat("synth", probe_command("synth", str(outdir)), 1)
    if not runs:
        return {}, None
    probe = runs[-1]["probe"]
    for key in ("load_envs_s", "import_s", "construct_s", "synth_s"):
        say(f"  phase {key[:-2]:<10} median {med(r['probe'][key] for r in runs):.2f}s")
    say(f"  stacks: {len(probe['stacks'])}, resources+data in synthesized JSON: {sum(probe['stacks'].values())} "
        f"({', '.join(f'{k}={v}' for k, v in sorted(probe['stacks'].items()))})")
    return summary("synth all", runs), outdir


def plannable(outdir: Path) -> list[str]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    names = []
    for name, entry in manifest["stacks"].items():
        config = json.loads((outdir / entry["workingDirectory"] / "cdk.tf.json").read_text())
        if set(config["terraform"].get("required_providers", {})) <= {"aws"}:
            names.append(name)
    return sorted(names)


def section_plan(outdir: Path, repeats: int, work: Path) -> tuple[dict, Path | None]:
    say("\n== terraform plan + show -json (offline, -refresh=false), warm init ==")
    stacks = plannable(outdir)
    root = work / "plans"
    run = measure(probe_command("plan", str(outdir), str(root), ",".join(stacks), "init"))
    if fail("init --probe", run):
        return {}, None
    inits = {k: v["seconds"] for k, v in run["probe"]["stacks"].items()}
    say(f"  init (first, fresh dir, plugin cache + lock file): median {med(inits.values()):.1f}s per stack, "
        f"{sum(inits.values()):.1f}s for {len(stacks)} stacks  [{load()}]")
    per_stack: dict[str, list[float]] = {name: [] for name in stacks}
    resources: dict[str, int] = {}
    for _ in range(repeats):
        run = measure(probe_command("plan", str(outdir), str(root), ",".join(stacks), "sequential"))
        if fail("sequential plans --probe", run):
            return {}, None
        for name, figures in run["probe"]["stacks"].items():
            per_stack[name].append(figures["seconds"])
            resources[name] = figures["resources"]
    for name in stacks:
        say(f"  {name:<20} plan+show {med(per_stack[name]):5.1f}s {spread(per_stack[name])}  "
            f"{resources[name]:4d} planned resources")
    sequential = sum(med(v) for v in per_stack.values())
    say(f"  sum of per-stack medians (one at a time): {sequential:.1f}s  [{load()}]")
    walls = []
    for index in range(repeats):
        run = measure(probe_command("plan", str(outdir), str(root), ",".join(stacks), "parallel"))
        if fail("parallel plans --probe", run):
            break
        walls.append(run)
        say(f"  all {len(stacks)} in parallel (plan_stacks, {os.cpu_count()} workers) #{index + 1}: "
            f"wall {run['wall']:.1f}s cpu {run['cpu']:.1f}s, peak RSS terraform "
            f"{run['peak_mb'].get('terraform', 0):.0f}MB provider {run['peak_mb'].get('provider', 0):.0f}MB "
            f"tree {run['tree_peak_mb']:.0f}MB  [{load()}]")
    parallel = med(r["wall"] for r in walls)
    say(f"  => plans: sequential {sequential:.1f}s, parallel median {parallel:.1f}s "
        f"(speed-up x{sequential / parallel:.2f})")
    return {"sequential": sequential, "parallel": parallel,
            "tree_mb": med(r["tree_peak_mb"] for r in walls)}, root


def checkov_command(files: list[Path]) -> list[str]:
    command = [str(ROOT / ".venv-checkov/bin/checkov"), "--skip-download", "--framework", "terraform_plan",
               "--external-checks-dir", str(ROOT / "policies"), "--compact", "--quiet", "-o", "json"]
    for path in files:
        command += ["-f", str(path)]
    return command


def section_checkov(plans_root: Path | None, full: bool) -> dict:
    say("\n== checkov: once on every plan JSON ==")
    checkov = ROOT / ".venv-checkov/bin/checkov"
    if not checkov.exists():
        say("  checkov absent (.venv-checkov): `make setup` installs it; skipped")
        return {}
    files = sorted(plans_root.glob("*/plan.json")) if plans_root else []
    if not files:
        say("  no plan JSON (plan section skipped or failed); skipped")
        return {}
    runs = []
    for index in range(2 if full else 1):
        run = measure(checkov_command(files))
        if run["rc"] not in (0, 1):
            fail("checkov", run)
            return {}
        try:
            reports = json.loads(run["stdout"])
            reports = reports if isinstance(reports, list) else [reports]
            counts = {key: sum(r.get("summary", {}).get(key, 0) for r in reports) for key in ("passed", "failed")}
        except ValueError:
            counts = {}
        say(f"  checkov {len(files)} plans #{index + 1}: wall {run['wall']:.1f}s cpu {run['cpu']:.1f}s "
            f"peak RSS {max(run['peak_mb'].values()):.0f}MB, {counts}  [{load()}]")
        runs.append(run)
    figures = {"wall": med(r["wall"] for r in runs)}
    if full:
        walls = []
        for path in files:
            walls.append(measure(checkov_command([path]))["wall"])
        say(f"  for comparison, one checkov per plan: {sum(walls):.1f}s total "
            f"(median {med(walls):.1f}s each: start-up dominates)  [{load()}]")
        figures["per_stack_total"] = sum(walls)
    return figures


SERVICE_BLOCK = """
service "svc{k}" {{
  container_port    = 8080
  cpu               = 256
  memory            = 512
  desired_count     = 2
  health_check_path = "/health"

  source {{
    provider       = "github"
    repository     = "acme/svc{k}"
    branch         = "release"
    connection_arn = "arn:aws:codestar-connections:eu-west-1:222222222222:connection/0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"
  }}

  build {{
    parameter_store = {{ NPM_TOKEN = "/acme/svc{k}/npm-token" }}
  }}

  deployment {{
    strategy                 = "blue_green"
    traffic                  = "all_at_once"
    termination_wait_minutes = 5
  }}
}}
"""


def environments_with(services: int, work: Path) -> Path:
    """environments/ copied, with `services` services in SCALE_ENV (the existing one + generated)."""
    directory = work / f"environments-n{services}"
    if directory.exists():
        shutil.rmtree(directory)
    shutil.copytree(ROOT / "environments", directory)
    with (directory / f"{SCALE_ENV}.hcl").open("a") as handle:
        for k in range(1, services):
            handle.write(SERVICE_BLOCK.format(k=k))
    return directory


def section_scale(ns: list[int], plan_ns: list[int], repeats: int, work: Path) -> dict:
    say(f"\n== scale: N services in {SCALE_ENV} (the existing one + N-1 generated blue/green services); "
        f"PLATFORM_ENVIRONMENTS={SCALE_ENV} ==")
    rows = {}
    plan_root = work / "scale-plans"
    for n in ns:
        environments = environments_with(n, work)
        env = {"PLATFORM_ENVIRONMENTS_DIR": str(environments), "PLATFORM_ENVIRONMENTS": SCALE_ENV}
        outdir = work / f"scale-n{n}"
        runs = []
        for _ in range(repeats):
            runs += repeat(f"synth N={n}", probe_command("synth", str(outdir)), 1, env)
        if not runs:
            continue
        stacks = runs[-1]["probe"]["stacks"]
        row = {"wall": med(r["wall"] for r in runs), "cpu": med(r["cpu"] for r in runs),
               "inner": med(r["probe"]["construct_s"] + r["probe"]["synth_s"] for r in runs),
               "tree_mb": med(r["tree_peak_mb"] for r in runs),
               "resources": sum(v for k, v in stacks.items() if k.rsplit("-", 1)[-1] in SCALE_STACKS),
               "all_resources": sum(stacks.values())}
        if n in plan_ns:
            names = [f"{SCALE_ENV}-{s}" for s in SCALE_STACKS]
            measure(probe_command("plan", str(outdir), str(plan_root), ",".join(names), "init"), env)
            run = measure(probe_command("plan", str(outdir), str(plan_root), ",".join(names), "parallel"), env)
            if not fail(f"plan N={n} --probe", run):
                row["plan"] = run["wall"]
                row["planned"] = sum(s["resources"] for s in run["probe"]["stacks"].values())
                row["plan_tree_mb"] = run["tree_peak_mb"]
                say(f"  plan N={n} ({' + '.join(names)}, parallel, warm init): wall {run['wall']:.1f}s, "
                    f"{row['planned']} planned resources, tree peak {run['tree_peak_mb']:.0f}MB  [{load()}]")
        rows[n] = row
    if not rows:
        return {}
    say(f"\n  {'N':>3} {'synth wall':>10} {'build+synth':>11} {'cpu':>6} {'peak RSS':>8} "
        f"{'resources':>9} {'plan wall':>9} {'planned':>7}")
    for n, row in rows.items():
        say(f"  {n:>3} {row['wall']:>9.1f}s {row['inner']:>10.2f}s {row['cpu']:>5.1f}s {row['tree_mb']:>6.0f}MB "
            f"{row['resources']:>9} {'%8.1fs' % row['plan'] if 'plan' in row else '       -':>9} "
            f"{row.get('planned', '-'):>7}")
    figures = {"rows": rows}
    if len(rows) >= 2:
        xs = [float(n) for n in rows]
        for key, label in (("inner", "in-process build+synth wall"), ("wall", "process wall"),
                           ("cpu", "process CPU (python+node)"), ("resources", "resources")):
            slope, intercept, residuals, r2 = fit(xs, [rows[n][key] for n in rows])
            unit = "" if key == "resources" else "s"
            say(f"  marginal {label}: {slope:.3f}{unit}/service (intercept {intercept:.2f}{unit}, "
                f"R^2 {r2:.4f}, residuals {', '.join(f'{r:+.2f}' for r in residuals)})")
            figures[key + "_slope"] = slope
        plans = {n: row["plan"] for n, row in rows.items() if "plan" in row}
        if len(plans) >= 2:
            slope, _, residuals, _ = fit([float(n) for n in plans], list(plans.values()))
            say(f"  marginal plan wall: {slope:.2f}s/service over N={', '.join(map(str, plans))}")
    return figures


def section_gate(full: bool, work: Path) -> dict:
    say("\n== gate: `python -m tooling.gate.runner` end to end (dev + staging + prod) ==")
    if not (ROOT / "tooling" / "gate.py").exists():
        say("  tooling/gate/runner.py does not exist yet: not measured")
        return {}
    help_text = subprocess.run([PY, "-m", "tooling.gate.runner", "--help"], cwd=ROOT, capture_output=True, text=True,
                               env={**os.environ, **BASE_ENV}).stdout
    figures = {}
    variants = [("full", [])]
    if "--changed-only" in help_text:
        variants.append(("--changed-only, nothing changed", ["--changed-only"]))
    for label, extra in variants:
        runs = []
        for _ in range(2 if full else 1):
            run = measure([PY, "-m", "tooling.gate.runner", *extra])
            say(f"  gate {label}: exit {run['rc']}, wall {run['wall']:.1f}s cpu {run['cpu']:.1f}s, "
                f"tree peak RSS {run['tree_peak_mb']:.0f}MB  [{load()}]")
            if run["rc"] != 0:
                say("     " + "\n     ".join((run["stderr"] or run["stdout"]).strip().splitlines()[-8:]))
            runs.append(run)
        figures[label] = med(r["wall"] for r in runs)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="more repeats; N=20 plans; checkov per stack")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--repeats", type=int, help="override the repeat count of floor/synth/scale")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument("--probe", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        run_probe(args.probe)
        return 0
    only = set(args.only.split(","))
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}; choose from {SECTIONS}")
    repeats = args.repeats or (5 if args.full else 3)
    os.environ.setdefault("TF_PROVIDER_MIRROR", "/opt/tf-plugins" if Path("/opt/tf-plugins").is_dir() else "")
    work = Path(tempfile.mkdtemp(prefix="platform-bench-"))
    started = time.monotonic()
    say(f"bench: {'full' if args.full else 'quick'} mode, sections {','.join(s for s in SECTIONS if s in only)}, "
        f"work dir {work}")
    machine()
    try:
        floor = section_floor(repeats) if "floor" in only else {}
        synth, outdir = section_synth(repeats, work) if only & {"synth", "plan", "checkov"} else ({}, None)
        plans, plans_root = section_plan(outdir, 3 if args.full else 1, work) \
            if outdir and only & {"plan", "checkov"} else ({}, None)
        checkov = section_checkov(plans_root, args.full) if "checkov" in only else {}
        scale = section_scale([1, 5, 20], [1, 5, 20] if args.full else [1, 5], 3 if args.full else 2, work) \
            if "scale" in only else {}
        gate = section_gate(args.full, work) if "gate" in only else {}
        say("\n== summary (medians; targets from issue 7) ==")
        if floor and synth:
            say(f"  synth all / import floor: wall x{synth['wall'] / floor['wall']:.2f} "
            f"({synth['wall']:.1f}s / {floor['wall']:.1f}s), "
                f"cpu x{synth['cpu'] / floor['cpu']:.2f}   (target <= 1.3; floor = stock eager import)")
        if floor.get("lazy"):
            say(f"  synth all / deferred-import floor: wall x{synth['wall'] / floor['lazy']['wall']:.2f}, "
                f"cpu x{synth['cpu'] / floor['lazy']['cpu']:.2f}   (what synth adds beyond loading the assemblies)")
        if synth:
            say(f"  synth all peak RSS: python {synth['python_mb']:.0f}MB + node {synth['node_mb']:.0f}MB, "
                f"tree {synth['tree_mb']:.0f}MB   (target <= 1.5 GB)")
        if plans:
            say(f"  plans (all plannable stacks): parallel {plans['parallel']:.1f}s vs sequential "
                f"{plans['sequential']:.1f}s, tree peak {plans['tree_mb']:.0f}MB")
        if checkov:
            say(f"  checkov once on all plans: {checkov['wall']:.1f}s")
        if synth and plans and checkov:
            say(f"  synth + parallel plans + checkov (the gate's work, sum): "
                f"{synth['wall'] + plans['parallel'] + checkov['wall']:.1f}s   (target <= 120 s)")
        if gate:
            say("  gate: " + ", ".join(f"{k} {v:.1f}s" for k, v in gate.items()) + "   (target <= 120 s)")
        if scale.get("inner_slope") is not None:
            say(f"  marginal synth cost per service: {scale['inner_slope']:.3f}s build+synth, "
                f"{scale['wall_slope']:.3f}s process wall   (target <= 0.5 s, linear to N=20)")
        say(f"  bench took {time.monotonic() - started:.0f}s; {load()}")
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
