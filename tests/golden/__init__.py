"""The synthesized JSON of every stack, as of the last intended change (`python -m tests.golden.refresh`)."""

from __future__ import annotations

import json
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent


def golden_stacks() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(GOLDEN_DIR.glob("*.json"))}


def write_golden(configs: dict[str, dict]) -> None:
    for stale in GOLDEN_DIR.glob("*.json"):
        stale.unlink()
    for name, config in configs.items():
        (GOLDEN_DIR / f"{name}.json").write_text(json.dumps(config, indent=1, sort_keys=True) + "\n")
