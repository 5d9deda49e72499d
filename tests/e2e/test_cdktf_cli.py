"""`PLATFORM_TARGET=emulator npx cdktf deploy|diff|destroy`: the cdktf CLI itself (what the user runs, its own
output) deploys dev's stacks to a fresh emulator, a second diff shows no changes, and destroy leaves nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.deployment import TIMINGS, Deployment, assert_nothing_left
from tooling import ROOT
from tooling.deploy.stackrun import EmulatorTarget
from tooling.emulator.server import Emulator
from tooling.harness.terraform import terraform_env

ENV = "dev"
STACKS = [f"{ENV}-delivery", f"{ENV}-service"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Cdktf:
    emulator: Emulator
    root: Path

    @property
    def outdir(self) -> Path:
        return self.root / "cdktf.out"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **terraform_env(),
            "CI": "1",
            "PLATFORM_TARGET": "emulator",
            "PLATFORM_ENVIRONMENTS": ENV,
            "PLATFORM_EMULATOR_DIR": self.emulator.state_dir,
            "PLATFORM_EMULATOR_STATE": str(self.state),
            **extra,
        }

    def run(self, *args: str) -> str:
        """`npx cdktf <args>` as a user runs it (cdktf.json's app), into a private output directory."""
        start = time.monotonic()
        result = subprocess.run(
            ["npx", "cdktf", *args, "--output", str(self.outdir)],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=1200,
        )
        TIMINGS.append((f"npx cdktf {' '.join(args)}"[:36], time.monotonic() - start))
        output = ANSI.sub("", result.stdout + result.stderr)
        assert result.returncode == 0, f"npx cdktf {' '.join(args)} failed ({result.returncode}):\n{output[-6000:]}"
        return output


@pytest.fixture(scope="module")
def cdktf(catalog, tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e-cdktf")
    with Emulator.start(account_id=catalog.by_name[ENV].account_id, state_dir=root / "emulator") as emulator:
        yield Cdktf(emulator, root)  # the state goes with the emulator: no destroy needed after a failure


def test_without_an_emulator_the_app_says_so_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PLATFORM_TARGET": "emulator", "PLATFORM_EMULATOR_DIR": str(tmp_path)},
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no emulator is running" in result.stderr, result.stderr
    assert not result.stdout


@pytest.mark.e2e
def test_cdktf_deploy_applies_both_stacks_to_the_emulator(cdktf, catalog):
    output = cdktf.run("deploy", *STACKS, "--auto-approve")
    assert output.count("Apply complete!") == 2, output[-3000:]
    for stack in STACKS:
        config = json.loads((cdktf.outdir / "stacks" / stack / "cdk.tf.json").read_text())
        assert config["terraform"]["backend"] == {"local": {"path": str(cdktf.state.resolve() / f"{stack}.tfstate")}}
        assert {p["endpoints"]["s3"] for p in config["provider"]["aws"]} == {cdktf.emulator.endpoint}
        assert (cdktf.state / f"{stack}.tfstate").exists()
    repositories = cdktf.emulator.boto3_client("ecr").describe_repositories()["repositories"]
    assert [r["repositoryName"] for r in repositories] == [f"{catalog.by_name[ENV].name_prefix}-app"]


@pytest.mark.e2e
def test_second_cdktf_diff_shows_no_changes(cdktf):
    outputs = {STACKS[1]: cdktf.run("diff", STACKS[1]), STACKS[0]: cdktf.run("diff", STACKS[0], "--skip-synth")}
    for stack, output in outputs.items():
        assert "No changes. Your infrastructure matches the configuration." in output, f"{stack}:\n{output[-3000:]}"


@pytest.mark.e2e
def test_cdktf_destroy_leaves_nothing(cdktf, catalog):
    output = cdktf.run("destroy", *STACKS, "--auto-approve")
    assert output.count("Destroy complete!") == 2, output[-3000:]
    env = catalog.by_name[ENV]
    assert_nothing_left(Deployment(env, cdktf.emulator, EmulatorTarget(cdktf.emulator.endpoint, cdktf.root), STACKS))
