"""Synthesize in this process: one jsii load for every stack of every selected environment."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from envconfig.loader import Catalog, ConfigError, load_environments
from tooling import ROOT  # noqa: E402

OFFLINE_PROVIDERS = {"aws"}


@dataclass
class Synthesis:
    outdir: Path
    stacks: dict[str, Path]
    seconds: float

    def config(self, stack: str) -> dict:
        return json.loads((self.stacks[stack] / "cdk.tf.json").read_text())

    def plannable_stacks(self) -> dict[str, Path]:
        """Stacks that use only providers this machine has (the AWS provider mirror)."""
        return {
            name: path
            for name, path in self.stacks.items()
            if set(self.config(name)["terraform"].get("required_providers", {})) <= OFFLINE_PROVIDERS
        }


def synthesize(catalog: Catalog, outdir: Path = ROOT / "cdktf.out") -> Synthesis:
    from stacks.app import build_app

    start = time.monotonic()
    app = build_app(catalog, outdir=str(outdir))
    app.synth()
    manifest = json.loads((outdir / "manifest.json").read_text())
    declared = [child.node.id for child in app.node.children]  # the app's declaration order (deploy order)
    names = sorted(manifest["stacks"], key=lambda n: declared.index(n) if n in declared else len(declared))
    stacks = {name: outdir / manifest["stacks"][name]["workingDirectory"] for name in names}
    return Synthesis(outdir, stacks, time.monotonic() - start)


def load_or_exit(names: list[str] | None) -> Catalog:
    """Validate environment files first; a bad one ends the command with one line and exit 2."""
    try:
        return load_environments(names)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
