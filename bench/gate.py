"""checkov over every plan JSON, and the policy gate end to end."""

from __future__ import annotations

import json
from pathlib import Path

from bench.common import PY, ROOT, fail, load, measure, med, say


def checkov_command(files: list[Path]) -> list[str]:
    command = [
        str(ROOT / ".venv-checkov/bin/checkov"),
        "--skip-download",
        "--framework",
        "terraform_plan",
        "--external-checks-dir",
        str(ROOT / "policies"),
        "--compact",
        "--quiet",
        "-o",
        "json",
    ]
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
        say(
            f"  checkov {len(files)} plans #{index + 1}: wall {run['wall']:.1f}s cpu {run['cpu']:.1f}s "
            f"peak RSS {max(run['peak_mb'].values()):.0f}MB, {counts}  [{load()}]"
        )
        runs.append(run)
    figures = {"wall": med(r["wall"] for r in runs)}
    if full:
        walls = []
        for path in files:
            walls.append(measure(checkov_command([path]))["wall"])
        say(
            f"  for comparison, one checkov per plan: {sum(walls):.1f}s total "
            f"(median {med(walls):.1f}s each: start-up dominates)  [{load()}]"
        )
        figures["per_stack_total"] = sum(walls)
    return figures


def section_gate(full: bool) -> dict:
    say("\n== gate: `python -m tooling.gate.runner` end to end (dev + staging + prod) ==")
    figures = {}
    for label, extra in (("full", []), ("--changed-only, nothing changed", ["--changed-only"])):
        runs = []
        for _ in range(2 if full else 1):
            run = measure([PY, "-m", "tooling.gate.runner", *extra])
            say(
                f"  gate {label}: exit {run['rc']}, wall {run['wall']:.1f}s cpu {run['cpu']:.1f}s, "
                f"tree peak RSS {run['tree_peak_mb']:.0f}MB  [{load()}]"
            )
            if run["rc"] != 0:
                say("     " + "\n     ".join((run["stderr"] or run["stdout"]).strip().splitlines()[-8:]))
            runs.append(run)
        figures[label] = med(r["wall"] for r in runs)
    return figures
