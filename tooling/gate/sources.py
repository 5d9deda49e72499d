"""Where a finding lives in the project's source, for reviewers: the Python line that created the construct.

cdktf writes each resource's construct path into cdk.tf.json (`"//": {"metadata": {"path": ...}}`), but
not where the construct was created; its stack-trace metadata (App `stackTraces`, context
`@cdktf/disable_stack_trace_in_metadata`) holds JavaScript frames of the jsii kernel, which never sees
the Python caller. So, while the app is built, `recording()` wraps `jsii.create` — the one call every
Python-created construct goes through — and keeps, per construct path, the innermost repository frame
outside the construct's own `__init__`: `app.py`'s `ServiceStack(app, env, ...)`, a stack's
`EcsService(self, "app", ...)`, or the line in a module that creates the resource. The synthesized
output does not change. Findings on a resource no construct line is known for (gating plan JSON from
elsewhere) point at the stack's environment file, never at generated build/ or cdktf.out/ files.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tooling import ROOT

_GENERATED = ("build", "cdktf.out", "node_modules", "reports", ".venv", ".venv-checkov")
_INDEX = re.compile(r"\[[^\]]*\]$")


@dataclass(frozen=True)
class SourceLine:
    file: str  # repository-relative
    line: int  # 1-based


@dataclass
class ConstructSources:
    """What `recording()` saw: construct path -> creating line, stack name -> environment file."""

    constructs: dict[str, SourceLine] = field(default_factory=dict)
    environment_files: dict[str, str] = field(default_factory=dict)

    def construct(self, path: str) -> SourceLine | None:
        """The construct's line, else its nearest recorded ancestor's (constructs cdktf makes itself)."""
        while path:
            if path in self.constructs:
                return self.constructs[path]
            path = path.rpartition("/")[0]
        return None


def _project_file(filename: str) -> str | None:
    """Repository-relative path of a project source file; None for libraries and generated files."""
    try:
        relative = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    return None if relative.parts[0] in _GENERATED else str(relative)


def _creating_line(construct: object) -> SourceLine | None:
    """The innermost project frame that is not the construct's own (or a base class's) `__init__`."""
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if not (code.co_name == "__init__" and frame.f_locals.get("self") is construct):
            file = _project_file(code.co_filename)
            if file is not None:
                return SourceLine(file, frame.f_lineno)
        frame = frame.f_back
    return None


@contextmanager
def recording() -> Iterator[ConstructSources]:
    """Record the creating line of every construct created from Python while the block runs."""
    import jsii
    from constructs import Construct

    from modules.cdk.core import App

    sources = ConstructSources()
    paths: dict[int, str] = {}  # id(construct) -> construct path
    created: list[object] = []  # keeps the ids above unique while recording
    original = jsii.create

    def remember(obj: object, path: str) -> None:
        paths[id(obj)] = path
        created.append(obj)

    def create(klass, obj, args=None):
        if isinstance(obj, App):
            remember(obj, "")
        elif isinstance(obj, Construct) and args and len(args) >= 2 and isinstance(args[1], str):
            parent = paths.get(id(args[0]))
            if parent is None:  # a scope cdktf created itself
                parent = args[0].node.path
            path = f"{parent}/{args[1]}" if parent else args[1]
            remember(obj, path)
            line = _creating_line(obj)
            if line is not None:
                sources.constructs.setdefault(path, line)
        return original(klass, obj, args)

    jsii.create = create
    try:
        yield sources
    finally:
        jsii.create = original
        for obj in created:
            env_file = getattr(getattr(obj, "env", None), "file", None)
            if isinstance(env_file, str) and paths.get(id(obj)) and "/" not in paths[id(obj)]:
                file = _project_file(str(Path(env_file).resolve()))
                if file is not None:
                    sources.environment_files[paths[id(obj)]] = file


def resource_paths(config: dict) -> dict[str, str]:
    """Resource address (`type.name`, `data.type.name`) -> construct path, from a synthesized cdk.tf.json."""
    addresses = {}
    for key, prefix in (("resource", ""), ("data", "data.")):
        for rtype, entries in (config.get(key) or {}).items():
            for name, body in entries.items():
                path = ((body or {}).get("//") or {}).get("metadata", {}).get("path")
                if path:
                    addresses[f"{prefix}{rtype}.{name}"] = path
    return addresses


class Locator:
    """(stack, resource address) -> the line a reviewer opens; the environment file as the fallback."""

    def __init__(self, sources: ConstructSources, synthesized: dict[str, Path]):
        self.sources = sources
        self.addresses = {
            stack: resource_paths(json.loads(Path(file).read_text()))
            for stack, file in synthesized.items()
            if Path(file).is_file()
        }

    def environment_file(self, stack: str) -> SourceLine | None:
        """The stack's environment file: as recorded, else `environments/<env>.hcl` for a stack `<env>-...`."""
        file = self.sources.environment_files.get(stack)
        if file is None:
            from envconfig.loader import ENVIRONMENTS_DIR, environment_names

            names = [name for name in environment_names() if stack.startswith(f"{name}-")]
            file = _project_file(str(ENVIRONMENTS_DIR / f"{max(names, key=len)}.hcl")) if names else None
        return SourceLine(file, 1) if file else None

    def environment_files(self, stacks: list[str]) -> dict[str, str]:
        return {stack: line.file for stack in stacks if (line := self.environment_file(stack))}

    def locate(self, stack: str, address: str) -> SourceLine | None:
        path = self.addresses.get(stack, {}).get(_INDEX.sub("", address))
        return (self.sources.construct(path) if path else None) or self.environment_file(stack)

    def created_by(self, stack: str, address: str) -> list[SourceLine]:
        """The lines that created the resource's enclosing constructs below the stack, innermost first: which
        of the many users of a shared construct (modules/shared/iam.py) this finding is about."""
        parts = self.addresses.get(stack, {}).get(_INDEX.sub("", address), "").split("/")
        lines = [self.sources.constructs.get("/".join(parts[:n])) for n in range(len(parts) - 1, 1, -1)]
        return [line for line in lines if line]
