"""What the rehearsal's steps need from each other: acting roles' clients, the timeline, the scaled clock.

The orchestrators (pipeline actions, CodeDeploy's ECS lifecycle) are written against these Protocols, so
each can be tested with plain emulator clients and the real run gives them role-scoped, checked ones.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

# The roles a release acts as, as AWS's services assume them.
ActingRole = Literal["pipeline", "build", "codedeploy", "hooks", "task_execution", "eks_deploy"]


class Actors(Protocol):
    def client(self, role: ActingRole, service: str) -> Any:
        """A boto3 client for `service` on the emulator with `role`'s credentials (from STS AssumeRole); every
        call is checked against the role's planned policies (resource level) and recorded on the timeline.
        An AccessDenied raises RehearsalDenied."""

    def credentials(self, role: ActingRole) -> dict[str, str]:
        """AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN / AWS_DEFAULT_REGION / AWS_ENDPOINT_URL for
        code that makes its own clients (the hook Lambda code, the buildspec's shell)."""

    def made(self, role: ActingRole, service: str, operation: str, params: dict, status: int, error: dict) -> None:
        """A call such code made with `credentials(role)`, reported after it (HTTP status, botocore's parsed
        Error): judged like a client's call and recorded on the timeline; a denial raises RehearsalDenied."""


class Timeline(Protocol):
    def step(self, stage: str, action: str, role: ActingRole, doc: str) -> AbstractContextManager[None]:
        """One line of the timeline: its calls are those `Actors` clients make inside the block; an exception
        marks it failed (and propagates). `doc` is the AWS documentation page the step follows."""


class Clock(Protocol):
    scale: float  # seconds of rehearsal per minute of AWS time (e.g. 0.05: a 5-minute canary wait is 0.25 s)

    def wait_minutes(self, minutes: float, during: str = "") -> None:
        """Wait `minutes` of AWS time; `during` names the lifecycle event waiting (TRAFFIC_INTERVAL: between two
        traffic shifts, alarms watched), so a rehearsal can act at that moment (the alarm release)."""


TRAFFIC_INTERVAL = "AllowTraffic"  # `Clock.wait_minutes(during=...)` between two production traffic shifts


class RehearsalDenied(RuntimeError):
    """A call the acting role may not make: step, role, action and resource, in one line."""


@dataclass(frozen=True)
class DeploymentOutcome:
    status: Literal["Succeeded", "Failed"]
    failed_step: str = ""  # the lifecycle event or step that failed; empty on success
    reason: str = ""
