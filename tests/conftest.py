"""Shared, once-per-session fixtures: loading the AWS binding costs ~10 s, so the whole suite
synthesizes once and plans each stack once."""

from __future__ import annotations

import os
import shutil

import pytest

from envconfig.loader import ENVIRONMENTS_DIR, load_environments
from tooling.harness.planjson import load_plans
from tooling.harness.synth import synthesize
from tooling.harness.terraform import plan_stacks

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


@pytest.fixture
def env_dir(tmp_path):
    """A copy of environments/ that a test may break."""
    directory = tmp_path / "environments"
    shutil.copytree(ENVIRONMENTS_DIR, directory)
    return directory


@pytest.fixture(scope="session")
def catalog():
    return load_environments()


@pytest.fixture(scope="session")
def synthesis(catalog, tmp_path_factory):
    if os.environ.get("PLATFORM_SYNTH_DIR"):  # the policy gate synthesized already: reuse its cdktf.out
        from tooling.gate.runner import load_synthesis

        return load_synthesis(os.environ["PLATFORM_SYNTH_DIR"])
    return synthesize(catalog, outdir=tmp_path_factory.mktemp("cdktf.out"))


@pytest.fixture(scope="session")
def stack_config(synthesis):
    """stack name -> parsed cdk.tf.json"""
    return {name: synthesis.config(name) for name in synthesis.stacks}


@pytest.fixture(scope="session")
def plans(synthesis, tmp_path_factory):
    """stack name -> Plan, for every stack whose providers are available offline.

    With $PLATFORM_PLANS_DIR (a directory of <stack>.json or <stack>/plan.json, as `make gate` sets),
    the plans are loaded from there instead of planned again."""
    if os.environ.get("PLATFORM_PLANS_DIR"):
        return load_plans(os.environ["PLATFORM_PLANS_DIR"])
    return plan_stacks(synthesis.plannable_stacks(), work_root=tmp_path_factory.mktemp("plans"))
