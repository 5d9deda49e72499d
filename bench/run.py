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
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __name__ == "__main__":  # run as a script (`make bench`, and every probe): the repository, not bench/, on the path
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import RESULT_TAG, load, machine, rusage, say, stop_jsii  # noqa: E402
from bench.gate import section_checkov, section_gate  # noqa: E402
from bench.plan import probe_plan, section_plan  # noqa: E402
from bench.scale import section_scale  # noqa: E402
from bench.synth import probe_import, probe_synth, section_floor, section_synth  # noqa: E402

SECTIONS = ("floor", "synth", "plan", "checkov", "scale", "gate")


def run_probe(args: list[str]) -> None:
    kind, rest = args[0], args[1:]
    start = time.monotonic()
    result = {"import": probe_import, "synth": probe_synth, "plan": probe_plan}[kind](*rest)
    result["inner_wall_s"] = time.monotonic() - start
    result["python"] = rusage(resource.RUSAGE_SELF)
    node_pid = stop_jsii()
    result["node_pid"] = node_pid
    result["children"] = rusage(resource.RUSAGE_CHILDREN)  # node (after stop) / terraform processes
    print(RESULT_TAG + json.dumps(result), flush=True)


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
    say(
        f"bench: {'full' if args.full else 'quick'} mode, sections {','.join(s for s in SECTIONS if s in only)}, "
        f"work dir {work}"
    )
    machine()
    try:
        floor = section_floor(repeats) if "floor" in only else {}
        synth, outdir = section_synth(repeats, work) if only & {"synth", "plan", "checkov"} else ({}, None)
        plans, plans_root = (
            section_plan(outdir, 3 if args.full else 1, work) if outdir and only & {"plan", "checkov"} else ({}, None)
        )
        checkov = section_checkov(plans_root, args.full) if "checkov" in only else {}
        scale = (
            section_scale([1, 5, 20], [1, 5, 20] if args.full else [1, 5], 3 if args.full else 2, work)
            if "scale" in only
            else {}
        )
        gate = section_gate(args.full) if "gate" in only else {}
        say("\n== summary (medians; targets from issue 7) ==")
        if floor and synth:
            say(
                f"  synth all / import floor: wall x{synth['wall'] / floor['wall']:.2f} "
                f"({synth['wall']:.1f}s / {floor['wall']:.1f}s), "
                f"cpu x{synth['cpu'] / floor['cpu']:.2f}   (target <= 1.3; floor = stock eager import)"
            )
        if floor.get("lazy") and synth:
            say(
                f"  synth all / deferred-import floor: wall x{synth['wall'] / floor['lazy']['wall']:.2f}, "
                f"cpu x{synth['cpu'] / floor['lazy']['cpu']:.2f}   (what synth adds beyond loading the assemblies)"
            )
        if synth:
            say(
                f"  synth all peak RSS: python {synth['python_mb']:.0f}MB + node {synth['node_mb']:.0f}MB, "
                f"tree {synth['tree_mb']:.0f}MB   (target <= 1.5 GB)"
            )
        if plans:
            say(
                f"  plans (all plannable stacks): parallel {plans['parallel']:.1f}s vs sequential "
                f"{plans['sequential']:.1f}s, tree peak {plans['tree_mb']:.0f}MB"
            )
        if checkov:
            say(f"  checkov once on all plans: {checkov['wall']:.1f}s")
        if synth and plans and checkov:
            say(
                f"  synth + parallel plans + checkov (the gate's work, sum): "
                f"{synth['wall'] + plans['parallel'] + checkov['wall']:.1f}s   (target <= 120 s)"
            )
        if gate:
            say("  gate: " + ", ".join(f"{k} {v:.1f}s" for k, v in gate.items()) + "   (target <= 120 s)")
        if scale.get("inner_slope") is not None:
            say(
                f"  marginal synth cost per service: {scale['inner_slope']:.3f}s build+synth, "
                f"{scale['wall_slope']:.3f}s process wall   (target <= 0.5 s, linear to N=20)"
            )
        say(f"  bench took {time.monotonic() - started:.0f}s; {load()}")
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
