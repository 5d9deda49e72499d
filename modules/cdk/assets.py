"""Lambda code from a directory of this repository, packaged from its source files only.

Running tests or tools writes `__pycache__/` next to the sources; zipped as they are, the bytecode would change
the asset's hash, and so the plan and the function, without a change to the code.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from modules.cdk.core import AssetType, Construct, TerraformAsset

ROOT = Path(__file__).resolve().parents[2]
STAGING = ROOT / "build" / "asset-sources"  # one directory per distinct content: concurrent synths never clash
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


def source_files(directory: Path) -> list[Path]:
    """The files packaged from `directory`, in a stable order."""
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.relative_to(directory).parts and path.suffix != ".pyc"
    )


def staged_sources(directory: Path) -> Path:
    """A copy of `directory`'s source files, named by their content."""
    digest = hashlib.sha256()
    for path in source_files(directory):
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes() + b"\0")
    staged = STAGING / f"{directory.name}-{digest.hexdigest()[:16]}"
    if not staged.is_dir():
        STAGING.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=STAGING))
        shutil.copytree(directory, scratch / directory.name, ignore=IGNORED)
        with contextlib.suppress(OSError):  # another process staged the same content first
            os.rename(scratch / directory.name, staged)
        shutil.rmtree(scratch, ignore_errors=True)
    return staged


def source_archive(scope: Construct, id: str, directory: Path) -> TerraformAsset:
    """A zip asset of `directory`'s source files (no bytecode caches)."""
    return TerraformAsset(scope, id, path=str(staged_sources(directory)), type=AssetType.ARCHIVE)
