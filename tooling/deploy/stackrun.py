"""Apply, re-plan, read outputs of and destroy synthesized stacks, on the local emulator or on AWS.

Targets:
  - EmulatorTarget: each stack's emulator variant (`tooling.emulator.variant`: provider pointed at the
    emulator, emulator overlay, state in <state_dir>/<stack>.tfstate or, for an s3 backend, in that bucket on
    the emulator) is written to <work_root>/<stack>. Within one emulator's lifetime a backend change migrates
    the state (`terraform init -migrate-state -force-copy`, as on AWS); a new emulator starts empty.
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

from tooling.emulator.variant import backend_cache, foreign_backend_cache, is_current, state_dir, write_variant
from tooling.harness.terraform import LOCK_FILE, Result, TerraformError, error_blocks, plugin_cache_lock, terraform


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
    state_dir: Path | None = None  # local state files (<stack>.tfstate); default: work_root
    name: str = "emulator"
    overlay_log: dict[str, list[str]] = field(default_factory=dict)

    @property
    def local_state(self) -> Path:
        return (self.state_dir or self.work_root).resolve()

    def prepare(self, stack: str, stack_dir: Path) -> Path:
        work_dir = self.work_root / stack
        self.overlay_log[stack] = write_variant(stack_dir, work_dir, stack, self.endpoint, self.local_state)
        self.init(work_dir)
        return work_dir

    def init(self, work_dir: Path) -> None:
        """Skipped when providers and this backend are already set up; a backend change within this emulator's
        lifetime migrates the state to the new backend, anything else (a new emulator) starts empty."""
        backend = json.loads((work_dir / "cdk.tf.json").read_text())["terraform"]["backend"]
        foreign_backend_cache(work_dir, self.endpoint, self.local_state)
        cache = backend_cache(work_dir)
        if cache and is_current(cache, backend) and (work_dir / ".terraform" / "providers").is_dir():
            return
        mode = ["-migrate-state", "-force-copy"] if cache else ["-reconfigure"]
        lockfile = ["-lockfile=readonly"] if LOCK_FILE.exists() else []
        with plugin_cache_lock():
            terraform(["init", "-input=false", *lockfile, *mode], work_dir, log=work_dir / "init.log")

    def work_dir(self, stack: str) -> Path:
        return self.work_root / stack

    def forget_state(self) -> None:
        """A fresh emulator holds nothing: state left from an earlier emulator would only mislead."""
        for state in [*self.local_state.glob("*.tfstate*"), *self.work_root.glob("*/terraform.tfstate*")]:
            state.unlink()


@dataclass
class AwsTarget:
    name: str = "aws"

    def prepare(self, stack: str, stack_dir: Path) -> Path:
        if LOCK_FILE.exists():
            shutil.copyfile(LOCK_FILE, stack_dir / ".terraform.lock.hcl")
        emulated = foreign_backend_cache(stack_dir, None, state_dir())  # after PLATFORM_TARGET=emulator npx cdktf
        if emulated or not (stack_dir / ".terraform" / "providers").is_dir():
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


class StateLocked(TerraformError):
    """Another run holds the stack's state lock (S3 lock file, DynamoDB item or local file lock)."""


def lock_holder(text: str) -> dict[str, str]:
    """The `Lock Info:` Terraform prints when it cannot acquire the state lock (ID, Path, Who, Created...)."""
    info = text.split("Lock Info:", 1)[1] if "Lock Info:" in text else ""
    return dict(re.findall(r"^[ \t]+(\w+):[ \t]+(\S.*?)[ \t]*$", info.split("\n\n", 1)[0], re.M))


def apply(stack: str, work_dir: Path) -> Applied:
    log = work_dir / "apply.log"
    try:
        result = terraform(["apply", "-input=false", "-auto-approve"], work_dir, log=log)
    except TerraformError as err:
        if "Error acquiring the state lock" not in str(err):
            raise
        holder = lock_holder(str(err))
        lock_id, operation = holder.get("ID", "<ID>"), holder.get("Operation", "").removeprefix("OperationType")
        raise StateLocked(
            f"the state is locked by another {operation.lower() or 'run'} ({holder.get('Who', '?')} since "
            f"{holder.get('Created', '?')}): lock {lock_id} on {holder.get('Path', '?')}.\n"
            f"Wait for that run to finish; if it died, release the lock: terraform force-unlock {lock_id} "
            f"(in {work_dir})\n{err}"
        ) from None
    match = re.search(r"Apply complete! Resources: (.*?)\.\s*$", result.stdout, re.M)
    return Applied(stack, work_dir, result.seconds, match[1] if match else "done", outputs(work_dir))


def outputs(work_dir: Path) -> dict:
    document = json.loads(terraform(["output", "-json"], work_dir).stdout or "{}")
    return {name: (None if entry.get("sensitive") else entry.get("value")) for name, entry in document.items()}


def replan(work_dir: Path) -> Result:
    """`plan -detailed-exitcode`: 0 = no changes, 2 = changes (raised as an error only on 1)."""
    result = terraform(
        ["plan", "-input=false", "-detailed-exitcode", "-lock=false"], work_dir, log=work_dir / "plan.log", check=False
    )
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
