"""End-to-end fixtures: each e2e module deploys its environment to its own emulator once."""

from __future__ import annotations

from tests.e2e.deployment import TIMINGS


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("emulator apply / re-plan / destroy times")
        for step, seconds in TIMINGS:
            terminalreporter.write_line(f"{step:<36} {seconds:6.1f}s")
