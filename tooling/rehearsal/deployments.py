"""The deployed system the rehearsal runs against: one emulator per account (dev's, and prod's which staging
shares), each with the stacks a release goes through. `make deploy`'s emulator is used when it holds them;
otherwise they are deployed with tooling/deploy's stack runner to an emulator left running under
build/rehearsal/<env>/ (`make rehearse` again reuses it)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from envconfig.loader import Catalog
from tooling import ROOT
from tooling.deploy.rollout import DEPLOYED_RECORD, environment_stacks
from tooling.deploy.stackrun import EmulatorTarget, apply
from tooling.emulator.server import Emulator
from tooling.rehearsal.actors import set_enforcement

REHEARSAL_DIR = ROOT / "build" / "rehearsal"


@dataclass(frozen=True)
class Deployed:
    env: str  # the environment whose pipeline is rehearsed
    emulator: Emulator
    stacks: tuple[str, ...]
    seconds: float  # spent deploying now (0 when reused)


def stacks_for(catalog: Catalog, synthesis, env_name: str) -> list[str]:
    """The pipeline environment's delivery and service stacks, and the stack each environment it promotes into
    deploys with: its service stack (ECS), or its cluster stack (`deploy_target = "eks"`, whose deploy project the
    pipeline runs). All in the pipeline's account (staging and prod share one)."""
    env = catalog.by_name[env_name]
    wanted = [f"{env_name}-delivery", f"{env_name}-service"]
    for target in catalog.promotion_targets(env):
        eks = target.eks is not None and target.eks.deploy_target == "eks"
        wanted.append(f"{target.name}-eks" if eks else f"{target.name}-service")
    planned = environment_stacks(synthesis, env_name) + [
        s for t in catalog.promotion_targets(env) for s in environment_stacks(synthesis, t.name)
    ]
    return [s for s in dict.fromkeys(planned) if s in wanted]


def ensure_deployed(catalog: Catalog, synthesis, env_name: str, root: Path = REHEARSAL_DIR, out=None) -> Deployed:
    """The environment's emulator with `stacks_for` applied: reused when it runs and holds them, else a fresh one."""
    out = out or (lambda line: print(line, flush=True))
    env = catalog.by_name[env_name]
    stacks = stacks_for(catalog, synthesis, env_name)
    made = Emulator.running()  # `make deploy`'s, if it holds this environment's stacks
    deployed = json.loads(DEPLOYED_RECORD.read_text()) if made and DEPLOYED_RECORD.exists() else []
    if made and made.account_id == env.account_id and set(stacks) <= set(deployed):
        set_enforcement(made.endpoint, False)
        out(f"{env_name}: reusing `make deploy`'s emulator (pid {made.pid}) with {', '.join(stacks)}")
        return Deployed(env_name, made, tuple(stacks), 0.0)
    state_dir = root / env_name
    record = state_dir / "deployed.json"
    running = Emulator.running(state_dir)
    if running and record.exists() and json.loads(record.read_text()) == stacks:
        set_enforcement(running.endpoint, False)  # a rehearsal killed mid-run (SIGKILL) leaves it on
        out(f"{env_name}: reusing the emulator (pid {running.pid}) with {', '.join(stacks)}")
        return Deployed(env_name, running, tuple(stacks), 0.0)
    stale = running or Emulator.recorded(state_dir)
    if stale:
        stale.stop()
    record.unlink(missing_ok=True)
    start = time.monotonic()
    emulator = Emulator.start(account_id=env.account_id, state_dir=state_dir)
    try:
        target = EmulatorTarget(emulator.endpoint, state_dir / "stacks", state_dir=state_dir / "state")
        target.forget_state()
        for stack in stacks:
            begun = time.monotonic()
            apply(stack, target.prepare(stack, synthesis.stacks[stack]))
            out(f"{env_name}: deployed {stack} in {time.monotonic() - begun:.0f}s")
    except BaseException:
        emulator.stop()
        raise
    record.write_text(json.dumps(stacks))
    emulator.detach()
    return Deployed(env_name, emulator, tuple(stacks), time.monotonic() - start)
