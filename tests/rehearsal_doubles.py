"""Plain implementations of the rehearsal's Protocols (tooling/rehearsal/contracts.py) for tests of one step:
the emulator's admin credentials for every role (no policy check), a list timeline, a clock that does not wait."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from tooling.emulator.server import Emulator


@dataclass
class AdminActors:
    emulator: Emulator
    region: str

    def client(self, role: str, service: str):
        return self.emulator.boto3_client(service, region=self.region)

    def credentials(self, role: str) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "emulator",
            "AWS_SECRET_ACCESS_KEY": "emulator",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL": self.emulator.endpoint,
        }

    def made(self, role: str, service: str, operation: str, params: dict, status: int, error: dict) -> None:
        """Admin credentials: nothing to judge."""


@dataclass
class ListTimeline:
    steps: list[tuple[str, str, str, str]] = field(default_factory=list)  # (stage, action, role, result)

    @contextmanager
    def step(self, stage: str, action: str, role: str, doc: str):
        assert doc.startswith("https://docs.aws.amazon.com/"), f"{action}: no AWS documentation page"
        try:
            yield
        except BaseException:
            self.steps.append((stage, action, role, "failed"))
            raise
        self.steps.append((stage, action, role, "ok"))

    def actions(self) -> list[str]:
        return [action for _, action, _, _ in self.steps]


@dataclass
class InstantClock:
    """Zero scale; `on_wait(minutes)` runs at each wait (a test sets an alarm there, during the canary)."""

    scale: float = 0.0
    waits: list[float] = field(default_factory=list)
    on_wait: Callable[[float], None] | None = None

    def wait_minutes(self, minutes: float, during: str = "") -> None:
        self.waits.append(minutes)
        if self.on_wait:
            self.on_wait(minutes, during)
