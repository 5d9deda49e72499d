"""The last plan that passed, per workspace: what the broadening check measures a new plan against.

`baselines/<workspace id>/current.json` of the storage (tooling/runtask/storage.py) is the last passed
plan and `previous.json` the one before it, each `{"run_id", "stored_at", "plan"}`. Two slots because one
run is checked more than once (post_plan, then pre_apply): a later stage of the run that stored `current`
is compared with `previous`, not with itself.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

from tooling.runtask.storage import Storage

_WORKSPACE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # ws-<id>; anything else must not become a key


@dataclass(frozen=True)
class Baseline:
    run_id: str
    plan: dict


class BaselineStore:
    """The two slots of each workspace, under `baselines/` of a storage (a directory, or an S3 bucket)."""

    def __init__(self, storage: Storage):
        self.storage = storage

    @staticmethod
    def _slot(workspace_id: str, name: str) -> str:
        if not _WORKSPACE_ID.match(workspace_id):
            raise ValueError(f"workspace id {workspace_id!r} is not of the form ws-<id>")
        return f"baselines/{workspace_id}/{name}.json"

    def _read(self, workspace_id: str, name: str) -> Baseline | None:
        content = self.storage.read(self._slot(workspace_id, name))
        if content is None:
            return None
        data = json.loads(content)
        return Baseline(data["run_id"], data["plan"])

    def baseline_for(self, workspace_id: str, run_id: str) -> Baseline | None:
        """The last passed plan of another run of the workspace (None: no plan of it passed yet)."""
        current = self._read(workspace_id, "current")
        if current is not None and current.run_id == run_id:
            return self._read(workspace_id, "previous")
        return current

    def record(self, workspace_id: str, run_id: str, plan: dict) -> None:
        """`plan` of `run_id` passed: it becomes the baseline (the run's earlier stage is replaced, not kept)."""
        current = self._slot(workspace_id, "current")
        stored = self.storage.read(current)
        if stored is not None and json.loads(stored)["run_id"] != run_id:
            self.storage.write(self._slot(workspace_id, "previous"), stored)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.storage.write(current, json.dumps({"run_id": run_id, "stored_at": stamp, "plan": plan}).encode())
