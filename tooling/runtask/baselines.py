"""The last plan that passed, per workspace: what the broadening check measures a new plan against.

`<dir>/<workspace id>/current.json` is the last passed plan and `previous.json` the one before it, each
`{"run_id", "stored_at", "plan"}`. Two slots because one run is checked more than once (post_plan, then
pre_apply): a later stage of the run that stored `current` is compared with `previous`, not with itself.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

_WORKSPACE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # ws-<id>; anything else must not become a path


@dataclass(frozen=True)
class Baseline:
    run_id: str
    plan: dict


class BaselineStore:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _slot(self, workspace_id: str, name: str) -> Path:
        if not _WORKSPACE_ID.match(workspace_id):
            raise ValueError(f"workspace id {workspace_id!r} is not of the form ws-<id>")
        return self.directory / workspace_id / f"{name}.json"

    def _read(self, workspace_id: str, name: str) -> Baseline | None:
        path = self._slot(workspace_id, name)
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return Baseline(data["run_id"], data["plan"])

    def baseline_for(self, workspace_id: str, run_id: str) -> Baseline | None:
        """The last passed plan of another run of the workspace (None: no plan of it passed yet)."""
        current = self._read(workspace_id, "current")
        if current is not None and current.run_id == run_id:
            return self._read(workspace_id, "previous")
        return current

    def record(self, workspace_id: str, run_id: str, plan: dict) -> None:
        """`plan` of `run_id` passed: it becomes the baseline (the run's earlier stage is replaced, not kept)."""
        current, previous = self._slot(workspace_id, "current"), self._slot(workspace_id, "previous")
        current.parent.mkdir(parents=True, exist_ok=True)
        stored = self._read(workspace_id, "current")
        if stored is not None and stored.run_id != run_id:
            os.replace(current, previous)
        _write_atomically(
            current, {"run_id": run_id, "stored_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "plan": plan}
        )


def _write_atomically(path: Path, data: dict) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        json.dump(data, stream)
    os.replace(temporary, path)
