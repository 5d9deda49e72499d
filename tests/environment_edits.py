"""Edit copies of the shipped environment files, for bad-input tests."""

from __future__ import annotations

from pathlib import Path


def edit(env_dir: Path, name: str, old: str, new: str) -> Path:
    path = env_dir / f"{name}.hcl"
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not in {name}.hcl"
    path.write_text(text.replace(old, new, 1))
    return path
