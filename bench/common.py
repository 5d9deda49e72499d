"""What every bench section shares: running a command while sampling its process tree, the probe
command line, medians and the printed lines (each with the load average: the machine is shared)."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = Path(__file__).resolve().parent / "run.py"
PY = sys.executable
RESULT_TAG = "BENCH_RESULT "
BASE_ENV = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "CHECKPOINT_DISABLE": "1",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
}


# ----------------------------------------------------------------------------------------------
# Probes: a measured step runs in a fresh process (`bench/run.py --probe ...`) and prints one JSON line.
# ----------------------------------------------------------------------------------------------


def probe_command(*args: str) -> list[str]:
    return [PY, str(RUNNER), "--probe", *args]


def rusage(who) -> dict:
    usage = resource.getrusage(who)
    return {"cpu": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}


def stop_jsii() -> int | None:
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


# ----------------------------------------------------------------------------------------------
# Measuring a command: wall, CPU of the whole tree, peak RSS per process kind, tree peak.
# ----------------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
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
        process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **BASE_ENV, **(env or {})}, stdout=out, stderr=err
        )
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
    probe = next(
        (json.loads(line[len(RESULT_TAG) :]) for line in stdout.splitlines() if line.startswith(RESULT_TAG)), None
    )
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rc": process.returncode,
        "peak_mb": by_kind,
        "tree_peak_mb": tree_peak / 1024,
        "probe": probe,
        "stdout": stdout,
        "stderr": stderr,
    }


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
        say(
            f"  {label} #{index + 1}: wall {run['wall']:.1f}s cpu {run['cpu']:.1f}s "
            f"python {run['peak_mb'].get('python', 0):.0f}MB node {run['peak_mb'].get('node', 0):.0f}MB "
            f"(node RUSAGE_CHILDREN {node:.0f}MB) tree {run['tree_peak_mb']:.0f}MB  [{load()}]"
        )
        runs.append(run)
    return runs


def summary(label: str, runs: list[dict]) -> dict:
    if not runs:
        return {}
    figures = {
        "wall": med(r["wall"] for r in runs),
        "cpu": med(r["cpu"] for r in runs),
        "python_mb": med(r["peak_mb"].get("python") for r in runs),
        "node_mb": med(r["peak_mb"].get("node") for r in runs),
        "tree_mb": med(r["tree_peak_mb"] for r in runs),
        "n": len(runs),
    }
    say(
        f"  => {label}: median wall {figures['wall']:.1f}s {spread(r['wall'] for r in runs)} "
        f"cpu {figures['cpu']:.1f}s {spread(r['cpu'] for r in runs)} | peak RSS python "
        f"{figures['python_mb']:.0f}MB node {figures['node_mb']:.0f}MB tree {figures['tree_mb']:.0f}MB "
        f"(n={len(runs)}, {load()})"
    )
    return figures


def machine() -> None:
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )

    def version(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "absent"

    say(f"machine: {os.cpu_count()} CPUs ({cpu}), {int(mem.split()[1]) // 1024} MiB RAM, {platform.platform()}")
    say(
        f"         python {platform.python_version()}, node {version(['node', '--version'])}, "
        f"{version(['terraform', 'version'])}, {load()} (shared machine: see the load next to each figure)"
    )
