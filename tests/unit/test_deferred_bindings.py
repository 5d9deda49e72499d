"""Deferred binding submodules must not change what is synthesized (compare with an eager synth), and
must give way to the eager imports, with one warning, when jsii's internals change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import jsii
import pytest

import modules.cdk.lazy_bindings as lazy

ROOT = Path(__file__).resolve().parents[2]


def stack_files(outdir: Path) -> dict[str, dict]:
    return {path.parent.name: json.loads(path.read_text()) for path in (outdir / "stacks").glob("*/cdk.tf.json")}


def test_binding_submodules_are_deferred_in_this_process(synthesis):
    assert lazy.deferring()
    deferred = [
        name
        for name, module in sys.modules.items()
        if name.startswith("cdktf_cdktf_provider_aws.") and type(module) is lazy._DeferredModule
    ]
    assert deferred, "expected unused resource modules to stay deferred"


def _missing_type_module_hook(monkeypatch):
    monkeypatch.delattr(jsii._reference_map, "_try_import_type_module")


def _missing_reference_map(monkeypatch):
    monkeypatch.delattr(jsii, "_reference_map")
    monkeypatch.setitem(sys.modules, "jsii._reference_map", None)  # `from jsii import _reference_map` fails


@pytest.mark.parametrize("break_jsii", [_missing_type_module_hook, _missing_reference_map])
def test_changed_jsii_internals_fall_back_to_eager_imports_with_one_warning(monkeypatch, break_jsii):
    hook = jsii._reference_map._try_import_type_module
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if not isinstance(f, lazy._DeferredFinder)])
    monkeypatch.setattr(lazy, "_installed", False)
    monkeypatch.delenv("PLATFORM_EAGER_BINDINGS", raising=False)
    break_jsii(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lazy.install()
        lazy.install()
    warned = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(warned) == 1 and "load eagerly" in warned[0] and "jsii" in warned[0], warned
    assert not lazy.deferring(), "no deferred finder: binding submodules import eagerly"
    monkeypatch.undo()
    assert jsii._reference_map._try_import_type_module is hook, "jsii left as it was"


def test_eager_and_deferred_synthesis_are_identical(synthesis, tmp_path):
    """Every environment, synthesized in one process with the bindings as they ship (eager), equals the
    suite's (deferred) synthesis."""
    outdir = tmp_path / "eager"
    env = {key: value for key, value in os.environ.items() if key != "PLATFORM_ENVIRONMENTS"}
    env |= {"PLATFORM_EAGER_BINDINGS": "1", "CDKTF_OUTDIR": str(outdir)}
    code = (
        "from stacks.app import build_app; from envconfig.loader import load_environments; "
        f"build_app(load_environments(), outdir={str(outdir)!r}).synth()"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    eager = stack_files(outdir)
    assert set(eager) == set(synthesis.stacks)
    for name, config in eager.items():
        assert config == synthesis.config(name), f"{name} differs between eager and deferred bindings"
