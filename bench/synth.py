"""Import floor and cold synthesis: what loading the bindings costs, and what synthesizing every stack adds."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench.common import med, probe_command, repeat, say, summary


def probe_import(mode: str = "eager") -> dict:
    start = time.monotonic()
    if mode == "lazy":  # the project's loader (modules/cdk/lazy_bindings.py), as main.py gets it
        import modules  # noqa: F401
    import cdktf_cdktf_provider_aws  # noqa: F401
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket  # noqa: F401  (one resource module)

    return {"import_s": time.monotonic() - start}


def probe_synth(outdir: str) -> dict:
    phases, mark = {}, time.monotonic()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        phases[name] = now - mark
        mark = now

    from envconfig.loader import load_environments, selected_environments

    catalog = load_environments(selected_environments())
    phase("load_envs_s")
    import stacks.delivery  # noqa: F401  (what build_app imports: the bindings)
    import stacks.service  # noqa: F401
    from stacks.app import build_app

    if any(env.eks is not None for env in catalog.selected):
        import stacks.eks  # noqa: F401
        import stacks.gitops  # noqa: F401
    phase("import_s")

    app = build_app(catalog, outdir)
    phase("construct_s")
    app.synth()
    phase("synth_s")
    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    resource_counts = {}
    for name, entry in manifest["stacks"].items():
        config = json.loads((Path(outdir) / entry["workingDirectory"] / "cdk.tf.json").read_text())
        resource_counts[name] = sum(len(v) for v in config.get("resource", {}).values()) + sum(
            len(v) for v in config.get("data", {}).values()
        )
    return {**phases, "stacks": resource_counts}


def section_floor(repeats: int) -> dict:
    say("\n== floor: bare `import cdktf_cdktf_provider_aws` + one resource module, fresh process ==")
    floor = summary("floor", repeat("import", probe_command("import"), repeats, {"PLATFORM_EAGER_BINDINGS": "1"}))
    say("  -- the same import through the project's deferred submodule loader (modules/cdk/lazy_bindings.py):")
    lazy = summary("floor, deferred submodules", repeat("import (deferred)", probe_command("import", "lazy"), repeats))
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
    say(
        f"  stacks: {len(probe['stacks'])}, resources+data in synthesized JSON: {sum(probe['stacks'].values())} "
        f"({', '.join(f'{k}={v}' for k, v in sorted(probe['stacks'].items()))})"
    )
    return summary("synth all", runs), outdir
