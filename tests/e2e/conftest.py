"""End-to-end fixtures: each e2e module deploys its environment to its own emulator once; the rehearsal's modules
share the rehearsal's deployments (build/rehearsal/<env>/, as `make rehearse` leaves them)."""

from __future__ import annotations

import time

import pytest

from tests.e2e.deployment import TIMINGS
from tooling.emulator.server import Emulator
from tooling.rehearsal.deployments import REHEARSAL_DIR, Deployed, ensure_deployed


@pytest.fixture(scope="session")
def rehearsal_deployment(catalog, synthesis):
    """env -> its rehearsal deployment (tooling/rehearsal/deployments.py), deployed once a session whichever module
    asks first; the emulators started here are stopped at the end (ones already running are left as found)."""
    deployed: dict[str, Deployed] = {}
    started: list[str] = []

    def deployment(env: str) -> Deployed:
        if env not in deployed:
            if not Emulator.running(REHEARSAL_DIR / env):
                started.append(env)
            begun = time.monotonic()
            deployed[env] = ensure_deployed(catalog, synthesis, env)
            TIMINGS.append((f"rehearsal deploy {env}", time.monotonic() - begun))
        return deployed[env]

    yield deployment
    for env in started:
        emulator = Emulator.recorded(REHEARSAL_DIR / env)
        if emulator:
            emulator.stop()


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("emulator apply / re-plan / destroy times")
        for step, seconds in TIMINGS:
            terminalreporter.write_line(f"{step:<36} {seconds:6.1f}s")
