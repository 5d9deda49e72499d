"""The rehearsal's timeline (one line per step, printed live) and its scaled clock, and the reports they become:
reports/rehearsal.json and reports/rehearsal.md (a mermaid Gantt chart of each release)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tooling.rehearsal.actors import CallRecord
from tooling.rehearsal.contracts import RehearsalDenied

# Seconds of rehearsal per minute of AWS time: a 5-minute canary interval takes 0.1 s, a 60-minute
# blue termination wait 1.2 s.
TIME_SCALE = 0.02


@dataclass
class ScaledClock:
    """`contracts.Clock`: AWS's waits (canary intervals, termination waits), compressed by `scale`."""

    scale: float = TIME_SCALE
    aws_minutes: float = 0.0  # the AWS time the waits stood for

    def wait_minutes(self, minutes: float, during: str = "") -> None:
        self.aws_minutes += minutes
        time.sleep(minutes * self.scale)


@dataclass
class Step:
    release: str
    stage: str
    action: str
    role: str
    doc: str
    start: float  # seconds since the rehearsal started
    duration: float = 0.0
    result: str = "running"  # "ok" | "failed" | "denied"
    detail: str = ""
    calls: list[dict] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.release} {self.stage}/{self.action}"

    def line(self) -> str:
        counts = Counter(call["operation"] for call in self.calls)
        calls = ", ".join(f"{op}" + (f" x{n}" if n > 1 else "") for op, n in counts.items()) or "no AWS calls"
        detail = f" ({self.detail})" if self.detail else ""
        return (
            f"{self.start:7.2f}s  {self.release:<14} {self.stage:<10} {self.action:<34} {self.role:<14} "
            f"{self.result}{detail} in {self.duration:.2f}s  [{calls}]"
        )


@dataclass
class RecordingTimeline:
    """`contracts.Timeline`: steps with the calls the acting roles made in them."""

    out: Callable[[str], None] = lambda line: print(line, flush=True)
    steps: list[Step] = field(default_factory=list)
    release: str = "-"
    outcomes: dict[str, dict] = field(default_factory=dict)  # release -> {"status", "failed_step", "reason"}
    started: float = field(default_factory=time.monotonic)
    _current: Step | None = None

    @contextmanager
    def step(self, stage: str, action: str, role: str, doc: str) -> Iterator[None]:
        step = Step(self.release, stage, action, role, doc, time.monotonic() - self.started)
        self.steps.append(step)
        outer, self._current, begun = self._current, step, time.monotonic()
        try:
            yield
            step.result = "ok"
        except RehearsalDenied:
            step.result = "denied"
            raise
        except Exception as err:
            step.result, step.detail = "failed", str(err).splitlines()[0][:160] if str(err) else type(err).__name__
            raise
        finally:
            step.duration = time.monotonic() - begun
            self._current = outer  # a step inside a step: its calls were its own
            self.out(step.line())

    def note(self, detail: str) -> None:
        """A fact of the current step worth its line (a tag, a weight, an alarm state)."""
        if self._current is not None:
            self._current.detail = f"{self._current.detail}; {detail}" if self._current.detail else detail

    def current_step(self) -> str:
        return self._current.label if self._current else f"{self.release} (between steps)"

    def record(self, call: CallRecord) -> None:
        if self._current is not None:
            self._current.calls.append(call.to_json())

    def conclude(self, release: str, outcome: dict) -> None:
        """The release's outcome: status, failed_step, reason (and what the run observed, e.g. traffic)."""
        self.outcomes[release] = outcome
        failed = f" at {outcome['failed_step']}: {outcome['reason']}" if outcome.get("failed_step") else ""
        traffic = f" (production traffic {outcome['traffic_after']})" if outcome.get("traffic_after") else ""
        self.out(f"== {release}: {outcome['status']}{failed}{traffic}")

    # -- reports -----------------------------------------------------------------------------------------
    def summary(self) -> list[str]:
        """The closing lines: per release its outcome, steps, calls and time; the calls per acting role."""
        lines = []
        for release in dict.fromkeys(step.release for step in self.steps):
            mine = [step for step in self.steps if step.release == release]
            seconds = mine[-1].start + mine[-1].duration - mine[0].start
            status = self.outcomes.get(release, {}).get("status", "stopped")
            calls = sum(len(step.calls) for step in mine)
            lines.append(f"{release:<14} {status:<10} {len(mine):3d} steps {calls:4d} calls {seconds:6.1f}s")
        roles = Counter(call["role"] for step in self.steps for call in step.calls)
        lines.append("calls per role: " + ", ".join(f"{role} {n}" for role, n in sorted(roles.items())))
        return lines

    def to_json(self, clock: ScaledClock, seconds: float) -> dict:
        return {
            "time_scale": {"seconds_per_aws_minute": clock.scale, "aws_minutes_waited": clock.aws_minutes},
            "seconds": round(seconds, 2),
            "outcomes": self.outcomes,
            "steps": [asdict(step) for step in self.steps],
        }

    def markdown(self, clock: ScaledClock, seconds: float) -> str:
        lines = [
            "# Release rehearsal",
            "",
            f"{len(self.steps)} steps in {seconds:.1f} s; AWS waits compressed: {clock.scale} s per AWS minute "
            f"({clock.aws_minutes:.0f} AWS minutes waited).",
            "",
            "```",
            *self.summary(),
            "```",
            "",
            "| release | outcome | failed step |",
            "|---|---|---|",
            *(f"| {r} | {o['status']} | {o['failed_step'] or '-'} |" for r, o in self.outcomes.items()),
            "",
            "```mermaid",
            "gantt",
            "    title Release rehearsal (milliseconds since start)",
            "    dateFormat x",
            "    axisFormat %S.%L s",
        ]
        for release in dict.fromkeys(step.release for step in self.steps):
            lines.append(f"    section {release}")
            for step in (s for s in self.steps if s.release == release):
                tag = {"ok": "", "failed": "crit, ", "denied": "crit, "}.get(step.result, "active, ")
                name = f"{step.stage} {step.action} ({step.role})".replace(":", " ")
                start, end = int(step.start * 1000), int((step.start + max(step.duration, 0.001)) * 1000)
                lines.append(f"    {name} :{tag}{start}, {end}")
        lines += [
            "```",
            "",
            "| release | stage | action | role | result | s | calls | AWS doc |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for step in self.steps:
            calls = len(step.calls)
            lines.append(
                f"| {step.release} | {step.stage} | {step.action} | {step.role} | {step.result} "
                f"| {step.duration:.2f} | {calls} | {step.doc} |"
            )
        return "\n".join(lines) + "\n"

    def write(self, directory: Path, clock: ScaledClock, seconds: float) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "rehearsal.json").write_text(json.dumps(self.to_json(clock, seconds), indent=1))
        (directory / "rehearsal.md").write_text(self.markdown(clock, seconds))
