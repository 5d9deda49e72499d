"""Deferred binding submodules must not change what is synthesized: compare with an eager synth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import modules.cdk.lazy_bindings as lazy

ROOT = Path(__file__).resolve().parents[2]


def stack_files(outdir: Path) -> dict[str, dict]:
    return {path.parent.name: json.loads(path.read_text()) for path in (outdir / "stacks").glob("*/cdk.tf.json")}


def test_binding_submodules_are_deferred_in_this_process(synthesis):
    assert lazy._installed
    deferred = [name for name, module in sys.modules.items()
                if name.startswith("cdktf_cdktf_provider_aws.") and type(module) is lazy._DeferredModule]
    assert deferred, "expected unused resource modules to stay deferred"


def test_eager_and_deferred_synthesis_are_identical(synthesis, tmp_path):
    """One environment, synthesized with the bindings as they ship (eager), equals the suite's synthesis."""
    outdir = tmp_path / "eager"
    env = {**os.environ, "PLATFORM_EAGER_BINDINGS": "1", "PLATFORM_ENVIRONMENTS": "staging",
           "CDKTF_OUTDIR": str(outdir)}
    code = ("from stacks.app import build_app; from envconfig.loader import load_environments; "
            f"build_app(load_environments(['staging']), outdir={str(outdir)!r}).synth()")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    eager = stack_files(outdir)
    assert set(eager) == {name for name in synthesis.stacks if name.startswith("staging-")}
    for name, config in eager.items():
        assert config == synthesis.config(name), f"{name} differs between eager and deferred bindings"
