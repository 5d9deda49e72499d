"""Apply, re-plan, read outputs of and destroy synthesized stacks, on the local emulator or on AWS.

Targets:
  - EmulatorTarget: each stack is copied to <work_root>/<stack> without its backend (local state there),
    with the provider pointed at the emulator and the emulator overlay applied (`tooling.emulator.overlay`).
  - AwsTarget: the synthesized stack as it is, with its real backend; no overlay, no emulator.
Stack order comes from data: the dependencies cdktf records in manifest.json (`add_dependency`), ties
broken by the order the app declares its stacks in (`Synthesis.stacks` keeps it).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tooling.emulator.overlay import apply_overlay, emulator_provider
from tooling.harness.terraform import (
    LOCK_FILE,
    Result,
    TerraformError,
    error_blocks,
    init,
    plugin_cache_lock,
    prepare,
    terraform,
    write_if_changed,
)


# -- order -----------------------------------------------------------------------------------------
def stack_order(outdir: Path, stacks: list[str], declared: list[str] | None = None) -> list[str]:
    """Topological order of `stacks` by manifest dependencies; the app's declaration order (`declared`,
    else the manifest's, which is alphabetical) breaks ties."""
    manifest = json.loads((outdir / "manifest.json").read_text())["stacks"]
    declared = [name for name in (declared or manifest) if name in stacks and name in manifest]
    deps = {name: [d for d in manifest[name].get("dependencies", []) if d in stacks] for name in declared}
    ordered: list[str] = []
    while len(ordered) < len(declared):
        ready = [n for n in declared if n not in ordered and all(d in ordered for d in deps[n])]
        if not ready:
            raise TerraformError(f"stack dependency cycle among {sorted(set(declared) - set(ordered))}")
        ordered.append(ready[0])
    return ordered


# -- targets -----------------------------------------------------------------------------------------
@dataclass
class EmulatorTarget:
    endpoint: str
    work_root: Path
    name: str = "emulator"
    overlay_log: dict[str, list[str]] = field(default_factory=dict)

    def prepare(self, stack: str, stack_dir: Path) -> Path:
        work_dir = prepare(stack_dir, self.work_root / stack, overrides=emulator_provider(self.endpoint))
        result = apply_overlay(json.loads((work_dir / "cdk.tf.json").read_text()))
        write_if_changed(work_dir / "cdk.tf.json", json.dumps(result.config, indent=2, sort_keys=True))
        override = work_dir / "emulator_overlay_override.tf.json"
        if result.override:
            write_if_changed(override, json.dumps(result.override, indent=2, sort_keys=True))
        else:
            override.unlink(missing_ok=True)
        self.overlay_log[stack] = result.applied
        init(work_dir)
        return work_dir

    def work_dir(self, stack: str) -> Path:
        return self.work_root / stack

    def forget_state(self) -> None:
        """A fresh emulator holds nothing: state left from an earlier emulator would only mislead."""
        for state in self.work_root.glob("*/terraform.tfstate*"):
            state.unlink()


@dataclass
class AwsTarget:
    name: str = "aws"

    def prepare(self, stack: str, stack_dir: Path) -> Path:
        if LOCK_FILE.exists():
            shutil.copyfile(LOCK_FILE, stack_dir / ".terraform.lock.hcl")
        if not (stack_dir / ".terraform" / "providers").is_dir():
            lockfile = ["-lockfile=readonly"] if LOCK_FILE.exists() else []
            with plugin_cache_lock():
                terraform(["init", "-input=false", *lockfile], stack_dir)
        return stack_dir


# -- operations --------------------------------------------------------------------------------------
@dataclass
class Applied:
    stack: str
    work_dir: Path
    seconds: float
    summary: str
    outputs: dict


def apply(stack: str, work_dir: Path) -> Applied:
    log = work_dir / "apply.log"
    result = terraform(["apply", "-input=false", "-auto-approve"], work_dir, log=log)
    match = re.search(r"Apply complete! Resources: (.*?)\.\s*$", result.stdout, re.M)
    return Applied(stack, work_dir, result.seconds, match[1] if match else "done", outputs(work_dir))


def outputs(work_dir: Path) -> dict:
    document = json.loads(terraform(["output", "-json"], work_dir).stdout or "{}")
    return {name: (None if entry.get("sensitive") else entry.get("value")) for name, entry in document.items()}


def replan(work_dir: Path) -> Result:
    """`plan -detailed-exitcode`: 0 = no changes, 2 = changes (raised as an error only on 1)."""
    result = terraform(["plan", "-input=false", "-detailed-exitcode", "-lock=false"], work_dir,
                       log=work_dir / "plan.log", check=False)
    if result.returncode == 1:
        raise TerraformError(f"terraform plan failed in {work_dir}:\n{error_blocks(result.stderr)}")
    return result


def destroy(work_dir: Path) -> Result:
    return terraform(["destroy", "-input=false", "-auto-approve"], work_dir, log=work_dir / "destroy.log")


def state_addresses(work_dir: Path) -> list[str]:
    result = terraform(["state", "list"], work_dir, check=False)
    return result.stdout.split() if result.returncode == 0 else []


def pretty_output_name(name: str) -> str:
    """cdktf output ids are `<construct path>_<id>_<HASH>`: drop the hash for display."""
    return re.sub(r"_[0-9A-F]{8}$", "", name).replace("_", " ")
