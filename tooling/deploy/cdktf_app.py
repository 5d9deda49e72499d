"""What main.py (the cdktf app) synthesizes for the target in $PLATFORM_TARGET.

- unset or `aws`: the stacks as they are, for `npx cdktf diff|deploy|destroy` through each stack's real backend.
- `emulator`: after synthesis each stack in cdktf.out is rewritten in place into its emulator variant
  (`tooling.emulator.variant`, the same one `make deploy` applies) for the emulator `make deploy` left running,
  so `PLATFORM_TARGET=emulator npx cdktf deploy dev-delivery dev-service` deploys there, sharing state with
  `make deploy` (state/emulator/, or the s3 backend's bucket on the emulator) and never touching a real backend.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tooling.emulator.server import STATE_DIR, Emulator
from tooling.emulator.variant import claim_state, foreign_backend_cache, state_dir, write_variant

TARGET_VARIABLE = "PLATFORM_TARGET"


class TargetError(RuntimeError):
    pass


def emulator_target() -> Emulator | None:
    """The running emulator when PLATFORM_TARGET=emulator (TargetError if there is none), else None."""
    target = os.environ.get(TARGET_VARIABLE, "").strip() or "aws"
    if target == "aws":
        return None
    if target != "emulator":
        raise TargetError(f"{TARGET_VARIABLE}={target!r}: use 'emulator' or 'aws' (the default)")
    emulator = Emulator.running()
    if emulator is None:
        raise TargetError(
            f"{TARGET_VARIABLE}=emulator but no emulator is running (none recorded in "
            f"{STATE_DIR / 'emulator.json'}): start one with `make deploy`"
        )
    return emulator


def finish(outdir: Path, emulator: Emulator | None) -> str:
    """After app.synth(): each stack's emulator variant, or for a real target no emulator backend left behind
    in a stack's working directory. Returns a line for the user."""
    stacks = json.loads((outdir / "manifest.json").read_text())["stacks"]
    local = state_dir()
    if emulator is None:
        for entry in stacks.values():
            foreign_backend_cache(outdir / entry["workingDirectory"], None, local)
        return ""
    claim_state(local, emulator)
    for name, entry in stacks.items():
        stack_dir = outdir / entry["workingDirectory"]
        foreign_backend_cache(stack_dir, emulator.endpoint, local)
        write_variant(stack_dir, stack_dir, name, emulator.endpoint, local)
    return (
        f"emulator variant of {len(stacks)} stacks for the emulator at {emulator.endpoint} (pid {emulator.pid}, "
        f"account {emulator.account_id}); local state in {local}"
    )
