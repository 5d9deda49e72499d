"""Deploy (and destroy) every AWS stack of one environment, in dependency order, with one progress line
per stack. Used by `make deploy` (tooling.deploy.cli) and `make destroy` (python -m tooling.deploy.rollout destroy).

Target: the local emulator by default (moto, started and left running on success, stopped on error or
Ctrl-C, but left alone when another run holds a stack's state lock); with PLATFORM_TARGET=aws, AWS itself
through each stack's real backend (no emulator, no overlay). Emulator state (state/emulator/, or the s3
backend's bucket on the emulator; `tooling.emulator.variant`) is tied to that emulator's lifetime and shared
with `PLATFORM_TARGET=emulator npx cdktf ...`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from envconfig.model import Environment
from tooling.deploy.stackrun import (
    Applied,
    AwsTarget,
    EmulatorTarget,
    StateLocked,
    apply,
    destroy,
    pretty_output_name,
    stack_order,
    state_addresses,
)
from tooling.emulator.server import STATE_DIR, Emulator, EmulatorError
from tooling.emulator.variant import claim_state, state_dir
from tooling.harness.terraform import Interrupted, TerraformError

TARGET_VARIABLE = "PLATFORM_TARGET"
DEPLOYED_RECORD = STATE_DIR / "deployed.json"


def target_name() -> str:
    name = os.environ.get(TARGET_VARIABLE, "emulator").strip() or "emulator"
    if name not in ("emulator", "aws"):
        raise SystemExit(f"error: {TARGET_VARIABLE}={name!r}: use 'emulator' (default) or 'aws'")
    return name


def environment_stacks(synthesis, env: str) -> list[str]:
    """The environment's AWS stacks (those whose providers this machine has), in dependency order; not its
    bootstrap stacks, which `make bootstrap` applies once with the account's admin credentials."""
    from stacks.bootstrap import BOOTSTRAP_COMPONENTS

    bootstraps = {f"{env}-{component}" for component in BOOTSTRAP_COMPONENTS}
    return stack_order(
        synthesis.outdir,
        [n for n in synthesis.plannable_stacks() if n.startswith(f"{env}-") and n not in bootstraps],
        declared=list(synthesis.stacks),
    )


@dataclass
class Rollout:
    env: Environment
    stacks: list[str]
    applied: list[Applied] = field(default_factory=list)

    def run(self, target, stack_dirs: dict[str, Path], record: Path | None = None) -> None:
        """Apply each stack in order; a failure raises TerraformError naming the stack."""
        total = len(self.stacks)
        for number, stack in enumerate(self.stacks, 1):
            start = time.monotonic()
            print(f"[{number}/{total}] {stack}: applying ...", flush=True)
            work_dir = target.prepare(stack, stack_dirs[stack])
            if record:
                _record(record, stack)
            try:
                result = apply(stack, work_dir)
            except StateLocked as err:
                raise StateLocked(f"{stack}: apply refused: {err}") from None
            except TerraformError as err:
                outcome = "interrupted" if isinstance(err, Interrupted) else "failed"
                raise type(err)(
                    f"{stack}: apply {outcome} after {time.monotonic() - start:.0f}s "
                    f"(log: {work_dir / 'apply.log'})\n{err}"
                ) from None
            self.applied.append(result)
            print(f"[{number}/{total}] {stack}: {result.summary} in {time.monotonic() - start:.1f}s", flush=True)

    def print_outputs(self) -> None:
        for result in self.applied:
            shown = {k: v for k, v in result.outputs.items() if v not in (None, "", [], {})}
            if shown:
                print(f"{result.stack}:")
                for name, value in sorted(shown.items()):
                    print(f"  {pretty_output_name(name):<28} {value if isinstance(value, str) else json.dumps(value)}")


def _record(record: Path, stack: str) -> None:
    stacks = json.loads(record.read_text()) if record.exists() else []
    if stack not in stacks:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps([*stacks, stack]))


# -- deploy ------------------------------------------------------------------------------------------
def deploy(env: Environment, synthesis) -> int:
    stacks = environment_stacks(synthesis, env.name)
    if not stacks:
        print(f"error: no AWS stacks synthesized for {env.name}", file=sys.stderr)
        return 1
    print(f"deploying {env.name}: {' -> '.join(stacks)} (target: {target_name()})")
    if target_name() == "aws":
        return _deploy_aws(env, stacks, synthesis)
    return _deploy_emulator(env, stacks, synthesis)


def aws_caller_account() -> str | None:
    """The account the ambient AWS credentials belong to (None without usable credentials)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return boto3.client("sts").get_caller_identity()["Account"]
    except (BotoCoreError, ClientError):
        return None


def _deploy_aws(env: Environment, stacks: list[str], synthesis) -> int:
    account = aws_caller_account()
    if account != env.account_id and env.assume_role is None:  # with a role, the providers assume it
        print(
            f"error: {TARGET_VARIABLE}=aws needs credentials for {env.name}'s account {env.account_id} "
            f"(found: {account or 'no usable credentials'})",
            file=sys.stderr,
        )
        return 2
    rollout = Rollout(env, stacks)
    try:
        rollout.run(AwsTarget(), synthesis.stacks)
    except (TerraformError, KeyboardInterrupt) as err:
        print(f"error: {str(err) or 'interrupted'}", file=sys.stderr)
        return 130 if isinstance(err, (KeyboardInterrupt, Interrupted)) else 1
    rollout.print_outputs()
    return 0


def emulator_for(env: Environment) -> tuple[Emulator, bool]:
    """The running emulator if it serves this account (re-runs converge), else a fresh one."""
    running = Emulator.running()
    if running and running.account_id == env.account_id:
        return running, False
    stale = running or Emulator.recorded()  # another account's, or ours but no longer answering
    if stale:
        stale.stop()
    return Emulator.start(account_id=env.account_id), True


def _deploy_emulator(env: Environment, stacks: list[str], synthesis) -> int:
    start = time.monotonic()
    try:
        emulator, fresh = emulator_for(env)
    except EmulatorError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    target = EmulatorTarget(emulator.endpoint, STATE_DIR / "stacks", state_dir=state_dir())
    if claim_state(target.local_state, emulator):  # a new emulator: state of an earlier one is gone
        target.forget_state()
        DEPLOYED_RECORD.unlink(missing_ok=True)
    print(
        f"emulator: {'started' if fresh else 'reusing'} pid {emulator.pid} at {emulator.endpoint} "
        f"(account {emulator.account_id})",
        flush=True,
    )
    rollout = Rollout(env, stacks)
    try:
        rollout.run(target, synthesis.stacks, record=DEPLOYED_RECORD)
    except StateLocked as err:  # another run is using this emulator: leave it (and the state) alone
        print(f"error: {err}\nthe emulator keeps running (pid {emulator.pid})", file=sys.stderr)
        return 1
    except (TerraformError, KeyboardInterrupt, Exception) as err:  # noqa: BLE001 - always stop the emulator
        interrupted = isinstance(err, (KeyboardInterrupt, Interrupted))
        print(f"error: {str(err) or 'interrupted'}", file=sys.stderr)
        emulator.stop()
        target.forget_state()
        DEPLOYED_RECORD.unlink(missing_ok=True)
        print(f"emulator stopped (pid {emulator.pid}); re-run `make deploy` to start over", file=sys.stderr)
        return 130 if interrupted else 1
    overlaid = sorted({line.split(" (")[0] for lines in target.overlay_log.values() for line in lines})
    print(
        f"deployed {len(stacks)} stacks in {time.monotonic() - start:.0f}s; emulator overlay touched "
        f"{len(overlaid)} resources (list: {STATE_DIR / 'stacks'}/<stack>/overlay.txt)"
    )
    for stack, lines in target.overlay_log.items():
        (target.work_dir(stack) / "overlay.txt").write_text("\n".join(lines) + "\n")
    rollout.print_outputs()
    emulator.detach()
    print(
        f"\nthe emulator keeps running (pid {emulator.pid}). Inspect it with:\n  {emulator.hint(env.region)}\n"
        f"tear down with: make destroy   (stop it without destroying: make emulator-stop)"
    )
    return 0


# -- destroy -----------------------------------------------------------------------------------------
def destroy_emulator() -> int:
    emulator = Emulator.running()
    target = EmulatorTarget("", STATE_DIR / "stacks", state_dir=state_dir())
    if not emulator:
        stale = Emulator.recorded()  # alive but not answering: nothing can be destroyed through it
        if stale:
            stale.stop()
        target.forget_state()
        DEPLOYED_RECORD.unlink(missing_ok=True)
        print("nothing to destroy: the emulator is not running")
        return 0
    stacks = json.loads(DEPLOYED_RECORD.read_text()) if DEPLOYED_RECORD.exists() else []
    for stack in reversed(stacks):
        work_dir = target.work_dir(stack)
        if not state_addresses(work_dir):
            continue
        start = time.monotonic()
        print(f"{stack}: destroying ...", flush=True)
        try:
            destroy(work_dir)
        except TerraformError as err:
            print(
                f"error: {stack}: {err}\nthe emulator keeps running (pid {emulator.pid}); "
                f"fix and re-run `make destroy`, or `make emulator-stop`",
                file=sys.stderr,
            )
            return 1
        print(f"{stack}: destroyed in {time.monotonic() - start:.1f}s", flush=True)
    emulator.stop()
    target.forget_state()
    DEPLOYED_RECORD.unlink(missing_ok=True)
    print(f"emulator stopped (pid {emulator.pid})")
    return 0


def destroy_aws(env_name: str) -> int:
    if os.environ.get("PLATFORM_CONFIRM_DESTROY") != env_name:
        print(f"error: destroying {env_name} on AWS needs PLATFORM_CONFIRM_DESTROY={env_name}", file=sys.stderr)
        return 2
    from tooling.harness.synth import load_or_exit, synthesize

    synthesis = synthesize(load_or_exit(None))
    target = AwsTarget()
    for stack in reversed(environment_stacks(synthesis, env_name)):
        start = time.monotonic()
        print(f"{stack}: destroying ...", flush=True)
        try:
            destroy(target.prepare(stack, synthesis.stacks[stack]))
        except TerraformError as err:
            print(f"error: {stack}: {err}", file=sys.stderr)
            return 1
        print(f"{stack}: destroyed in {time.monotonic() - start:.1f}s", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    if argv[:1] != ["destroy"]:
        print("usage: python -m tooling.deploy.rollout destroy", file=sys.stderr)
        return 2
    if target_name() == "aws":
        return destroy_aws(os.environ.get("ENV", "dev"))
    return destroy_emulator()


if __name__ == "__main__":
    sys.exit(main())
