"""terraform init, then plan + show -json of every plannable stack, one at a time and in parallel."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from bench.common import fail, load, measure, med, probe_command, say, spread


def probe_plan(outdir: str, work_root: str, stacks: str, mode: str) -> dict:
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
    return {
        "stacks": {name: {"seconds": plan.seconds, "resources": len(plan.resources)} for name, plan in plans.items()}
    }


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
    say(
        f"  init (first, fresh dir, plugin cache + lock file): median {med(inits.values()):.1f}s per stack, "
        f"{sum(inits.values()):.1f}s for {len(stacks)} stacks  [{load()}]"
    )
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
        say(
            f"  {name:<20} plan+show {med(per_stack[name]):5.1f}s {spread(per_stack[name])}  "
            f"{resources[name]:4d} planned resources"
        )
    sequential = sum(med(v) for v in per_stack.values())
    say(f"  sum of per-stack medians (one at a time): {sequential:.1f}s  [{load()}]")
    walls = []
    for index in range(repeats):
        run = measure(probe_command("plan", str(outdir), str(root), ",".join(stacks), "parallel"))
        if fail("parallel plans --probe", run):
            break
        walls.append(run)
        say(
            f"  all {len(stacks)} in parallel (plan_stacks, {os.cpu_count()} workers) #{index + 1}: "
            f"wall {run['wall']:.1f}s cpu {run['cpu']:.1f}s, peak RSS terraform "
            f"{run['peak_mb'].get('terraform', 0):.0f}MB provider {run['peak_mb'].get('provider', 0):.0f}MB "
            f"tree {run['tree_peak_mb']:.0f}MB  [{load()}]"
        )
    parallel = med(r["wall"] for r in walls)
    say(
        f"  => plans: sequential {sequential:.1f}s, parallel median {parallel:.1f}s "
        f"(speed-up x{sequential / parallel:.2f})"
    )
    return {"sequential": sequential, "parallel": parallel, "tree_mb": med(r["tree_peak_mb"] for r in walls)}, root
