"""Scale: N services in one environment; synth (and plan) per N, and the marginal cost per service."""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

from bench.common import ROOT, fail, load, measure, med, probe_command, repeat, say

SCALE_ENV = "staging"  # blue/green: the heavier per-service shape (ALB pair, CodeDeploy, alarms)
SCALE_STACKS = ("delivery", "service")  # the stacks a service adds resources to


def fit(xs: list[float], ys: list[float]) -> tuple[float, float, list[float], float]:
    """Least squares y = a + b x: (slope, intercept, residuals, r^2)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
    total = sum((y - my) ** 2 for y in ys)
    return slope, intercept, residuals, 1 - sum(r * r for r in residuals) / total if total else 1.0


CONNECTION_ARN = "arn:aws:codestar-connections:eu-west-1:222222222222:connection/0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"
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
    connection_arn = "{connection_arn}"
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
            handle.write(SERVICE_BLOCK.format(k=k, connection_arn=CONNECTION_ARN))
    return directory


def section_scale(ns: list[int], plan_ns: list[int], repeats: int, work: Path) -> dict:
    say(
        f"\n== scale: N services in {SCALE_ENV} (the existing one + N-1 generated blue/green services); "
        f"PLATFORM_ENVIRONMENTS={SCALE_ENV} =="
    )
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
        row = {
            "wall": med(r["wall"] for r in runs),
            "cpu": med(r["cpu"] for r in runs),
            "inner": med(r["probe"]["construct_s"] + r["probe"]["synth_s"] for r in runs),
            "tree_mb": med(r["tree_peak_mb"] for r in runs),
            "resources": sum(v for k, v in stacks.items() if k.rsplit("-", 1)[-1] in SCALE_STACKS),
            "all_resources": sum(stacks.values()),
        }
        if n in plan_ns:
            names = [f"{SCALE_ENV}-{s}" for s in SCALE_STACKS]
            measure(probe_command("plan", str(outdir), str(plan_root), ",".join(names), "init"), env)
            run = measure(probe_command("plan", str(outdir), str(plan_root), ",".join(names), "parallel"), env)
            if not fail(f"plan N={n} --probe", run):
                row["plan"] = run["wall"]
                row["planned"] = sum(s["resources"] for s in run["probe"]["stacks"].values())
                row["plan_tree_mb"] = run["tree_peak_mb"]
                say(
                    f"  plan N={n} ({' + '.join(names)}, parallel, warm init): wall {run['wall']:.1f}s, "
                    f"{row['planned']} planned resources, tree peak {run['tree_peak_mb']:.0f}MB  [{load()}]"
                )
        rows[n] = row
    if not rows:
        return {}
    say(
        f"\n  {'N':>3} {'synth wall':>10} {'build+synth':>11} {'cpu':>6} {'peak RSS':>8} "
        f"{'resources':>9} {'plan wall':>9} {'planned':>7}"
    )
    for n, row in rows.items():
        plan_wall = f"{row['plan']:8.1f}s" if "plan" in row else "       -"
        say(
            f"  {n:>3} {row['wall']:>9.1f}s {row['inner']:>10.2f}s {row['cpu']:>5.1f}s {row['tree_mb']:>6.0f}MB "
            f"{row['resources']:>9} {plan_wall:>9} "
            f"{row.get('planned', '-'):>7}"
        )
    figures = {"rows": rows}
    if len(rows) >= 2:
        xs = [float(n) for n in rows]
        for key, label in (
            ("inner", "in-process build+synth wall"),
            ("wall", "process wall"),
            ("cpu", "process CPU (python+node)"),
            ("resources", "resources"),
        ):
            slope, intercept, residuals, r2 = fit(xs, [rows[n][key] for n in rows])
            unit = "" if key == "resources" else "s"
            say(
                f"  marginal {label}: {slope:.3f}{unit}/service (intercept {intercept:.2f}{unit}, "
                f"R^2 {r2:.4f}, residuals {', '.join(f'{r:+.2f}' for r in residuals)})"
            )
            figures[key + "_slope"] = slope
        plans = {n: row["plan"] for n, row in rows.items() if "plan" in row}
        if len(plans) >= 2:
            slope, _, residuals, _ = fit([float(n) for n in plans], list(plans.values()))
            say(f"  marginal plan wall: {slope:.2f}s/service over N={', '.join(map(str, plans))}")
    return figures
