"""The plan harness: synthesized stack -> `terraform init` against the pinned provider -> `plan` with
placeholder credentials (no network, no account) -> `show -json` -> a Python object tests query.

Each stack is planned from a copy with its backend removed, as the PR gate sees it: no state
anywhere. The project's own Terraform CLI config lives under build/, never in the user's home.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tooling import ROOT
from tooling.harness.planjson import Plan

BUILD = ROOT / "build"
LOCK_FILE = ROOT / ".terraform.lock.hcl"
MIRROR_VARIABLE = "TF_PROVIDER_MIRROR"
PLUGIN_CACHE_VARIABLE = "PLATFORM_PLUGIN_CACHE"  # where providers are cached (default build/plugin-cache)

# Offline planning: any credentials, and no call that needs a real account or the metadata API.
# The account guard (allowed_account_ids) needs the real caller identity, so it is lifted here only.
PLACEHOLDER_PROVIDER = {
    "allowed_account_ids": None,
    "access_key": "placeholder",
    "secret_key": "placeholder",
    "skip_credentials_validation": True,
    "skip_requesting_account_id": True,
    "skip_metadata_api_check": True,
    "skip_region_validation": True,
}


# An assume_role block whose role_arn is empty: the provider assumes no role (an override replaces the stack's block).
NO_ROLE = {"role_arn": ""}


class TerraformError(RuntimeError):
    pass


def cli_config(path: Path | None = None) -> Path:
    """Write a Terraform CLI config: the provider mirror from $TF_PROVIDER_MIRROR if set, else the
    registry. Named by its content unless `path` is given, so runs with different settings can share
    build/ (the plugin cache's directory) at the same time."""
    cache = plugin_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    mirror = os.environ.get(MIRROR_VARIABLE, "")
    lines = [f'plugin_cache_dir = "{cache}"']
    if mirror:
        lines += [
            "provider_installation {",
            f'  filesystem_mirror {{\n    path    = "{Path(mirror).resolve()}"',
            '    include = ["registry.terraform.io/hashicorp/*"]\n  }',
            '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }',
            "}",
        ]
    text = "\n".join(lines) + "\n"
    path = path or cache.parent / f"terraformrc-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_if_changed(path, text)
    return path


def plugin_cache_dir() -> Path:
    """Terraform's provider cache: $PLATFORM_PLUGIN_CACHE, else build/plugin-cache."""
    return Path(os.environ.get(PLUGIN_CACHE_VARIABLE) or BUILD / "plugin-cache").resolve()


def terraform_env() -> dict[str, str]:
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(cli_config()),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }


class Interrupted(TerraformError):
    """Terraform stopped because of Ctrl-C (it received the terminal's SIGINT itself)."""


INTERRUPT_GRACE = 120.0  # seconds Terraform gets to stop cleanly (and write state) after Ctrl-C


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def terraform(args: list[str], cwd: Path, log: Path | None = None, check: bool = True) -> Result:
    """Run terraform with the project's CLI config; on Ctrl-C let it stop gracefully (it got the
    SIGINT too) so state is written. With `check`, a failure raises with Terraform's error blocks."""
    start = time.monotonic()
    process = subprocess.Popen(
        ["terraform", *args, "-no-color"],
        cwd=cwd,
        env=terraform_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate()
    except KeyboardInterrupt:
        try:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=INTERRUPT_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise
    result = Result(process.returncode, stdout, stderr, time.monotonic() - start)
    if log:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as handle:
            handle.write(
                f"$ terraform {' '.join(args)}  (exit {result.returncode}, {result.seconds:.1f}s)\n{stdout}\n{stderr}\n"
            )
    if check and result.returncode != 0:
        error = Interrupted if "Interrupt received" in stdout else TerraformError
        raise error(f"terraform {args[0]} failed in {cwd}:\n{error_blocks(stderr or stdout)}")
    return result


def error_blocks(text: str) -> str:
    """Terraform's error blocks (each names the resource address in its `with ...` line)."""
    blocks = [b.strip() for b in re.split(r"\n(?=Error: )", "\n" + text) if b.strip().startswith("Error: ")]
    return "\n\n".join(blocks) if blocks else text.strip()


def without_backend(config: dict) -> dict:
    config = json.loads(json.dumps(config))
    for block in ("backend", "cloud"):
        config.get("terraform", {}).pop(block, None)
    return config


def prepare(stack_dir: Path, work_dir: Path, overrides: dict | None = None) -> Path:
    """Copy a synthesized stack into work_dir without its backend, plus provider overrides."""
    work_dir.mkdir(parents=True, exist_ok=True)
    config = without_backend(json.loads((stack_dir / "cdk.tf.json").read_text()))
    write_if_changed(work_dir / "cdk.tf.json", json.dumps(config, indent=2, sort_keys=True))
    provider = overrides or PLACEHOLDER_PROVIDER
    if not overrides and any(block.get("assume_role") for block in config.get("provider", {}).get("aws", [])):
        provider = {**provider, "assume_role": [NO_ROLE]}  # offline: no STS to assume the stack's role with
    write_if_changed(work_dir / "harness_override.tf.json", json.dumps({"provider": {"aws": provider}}, indent=2))
    for extra in stack_dir.iterdir():  # assets such as zipped Lambda code
        if extra.name not in ("cdk.tf.json", ".terraform", ".terraform.lock.hcl") and extra.is_dir():
            shutil.copytree(extra, work_dir / extra.name, dirs_exist_ok=True)
    if LOCK_FILE.exists():
        shutil.copyfile(LOCK_FILE, work_dir / ".terraform.lock.hcl")
    return work_dir


def write_if_changed(path: Path, text: str) -> None:
    """Atomic, and untouched when equal: parallel runs share these files and Terraform's caches."""
    if not path.exists() or path.read_text() != text:
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_text(text)
        partial.replace(path)


@contextlib.contextmanager
def plugin_cache_lock():
    """Terraform's plugin cache is not safe for concurrent use (parallel inits into an empty cache fail
    with "file exists"): inits take turns, across threads and processes. An init from a warm cache
    takes about a second, so the plans themselves still run in parallel."""
    cache = plugin_cache_dir()
    cache.parent.mkdir(parents=True, exist_ok=True)
    with cache.with_name(cache.name + ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def init(work_dir: Path) -> None:
    """One init per directory, reused: skipped when providers are already installed there."""
    if (work_dir / ".terraform" / "providers").is_dir():
        return
    lockfile = ["-lockfile=readonly"] if LOCK_FILE.exists() else []
    with plugin_cache_lock():
        terraform(["init", "-input=false", "-backend=false", *lockfile], work_dir)


def plan_stack(stack: str, stack_dir: Path, work_root: Path = BUILD / "plans") -> Plan:
    start = time.monotonic()
    work_dir = prepare(stack_dir, work_root / stack)
    init(work_dir)
    terraform(["plan", "-input=false", "-lock=false", "-refresh=false", "-out=tfplan"], work_dir)
    document = json.loads(terraform(["show", "-json", "tfplan"], work_dir).stdout)
    (work_dir / "plan.json").write_text(json.dumps(document, indent=1))
    return Plan(document, stack, work_dir, time.monotonic() - start)


def plan_each(
    stack_dirs: dict[str, Path], work_root: Path = BUILD / "plans", workers: int | None = None
) -> tuple[dict[str, Plan], dict[str, str]]:
    """Plan stacks in parallel (one worker per core by default): (plans, stack -> failure message)."""
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        futures = {name: pool.submit(plan_stack, name, path, work_root) for name, path in stack_dirs.items()}
    failures = {name: str(future.exception()) for name, future in futures.items() if future.exception()}
    plans = {name: future.result() for name, future in futures.items() if name not in failures}
    return plans, failures


def plan_stacks(
    stack_dirs: dict[str, Path], work_root: Path = BUILD / "plans", workers: int | None = None
) -> dict[str, Plan]:
    """Plan stacks in parallel; raise with every failure listed."""
    plans, failures = plan_each(stack_dirs, work_root, workers)
    if failures:
        raise TerraformError("\n".join(f"{name}: {message}" for name, message in failures.items()))
    return plans


if __name__ == "__main__":
    print(cli_config(BUILD / "terraformrc"))
