"""The deploy machinery on a tiny stack: order from data, a failed apply names the resource and leaves
state consistent, a re-run converges, and the emulator is a process we start and stop by PID."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tooling.deploy.rollout import Rollout
from tooling.deploy.stackrun import EmulatorTarget, replan, stack_order, state_addresses
from tooling.emulator.server import Emulator
from tooling.harness.terraform import TerraformError


def write_app(outdir: Path, stacks: dict[str, dict], dependencies: dict[str, list[str]]) -> dict[str, Path]:
    manifest = {"stacks": {}, "version": "0.21.0"}
    for name, config in stacks.items():
        (outdir / "stacks" / name).mkdir(parents=True, exist_ok=True)
        (outdir / "stacks" / name / "cdk.tf.json").write_text(json.dumps(config))
        manifest["stacks"][name] = {"dependencies": dependencies.get(name, []), "workingDirectory": f"stacks/{name}"}
    (outdir / "manifest.json").write_text(json.dumps(manifest))
    return {name: outdir / "stacks" / name for name in stacks}


def role_stack(policy_arn: str) -> dict:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    return {
        "terraform": {
            "required_providers": {"aws": {"source": "aws", "version": "5.100.0"}},
            "backend": {"local": {"path": "never-used.tfstate"}},
        },
        "provider": {"aws": [{"region": "eu-west-1", "allowed_account_ids": ["111111111111"]}]},
        "resource": {
            "aws_iam_role": {"role": {"name": "e2e-failure-role", "assume_role_policy": json.dumps(trust)}},
            "aws_iam_role_policy_attachment": {
                "attach": {"role": "${aws_iam_role.role.name}", "policy_arn": policy_arn}
            },
        },
        "output": {"role-name": {"value": "${aws_iam_role.role.name}"}},
    }


def test_stack_order_follows_manifest_dependencies(tmp_path):
    write_app(
        tmp_path,
        {"dev-service": {}, "dev-eks": {}, "dev-delivery": {}},
        {"dev-service": ["dev-delivery"], "dev-eks": ["dev-service"]},
    )
    assert stack_order(tmp_path, ["dev-eks", "dev-service", "dev-delivery"]) == [
        "dev-delivery",
        "dev-service",
        "dev-eks",
    ]
    write_app(tmp_path, {"dev-delivery": {}, "dev-eks": {}, "dev-service": {}}, {})  # no dependencies recorded
    assert stack_order(
        tmp_path, ["dev-eks", "dev-service", "dev-delivery"], declared=["dev-delivery", "dev-service", "dev-eks"]
    ) == ["dev-delivery", "dev-service", "dev-eks"]
    write_app(tmp_path, {"a": {}, "b": {}}, {"a": ["b"], "b": ["a"]})
    with pytest.raises(TerraformError, match="cycle"):
        stack_order(tmp_path, ["a", "b"])


@pytest.mark.e2e
def test_failed_apply_names_the_resource_and_a_rerun_converges(tmp_path, catalog, capsys):
    env = catalog.by_name["dev"]
    with Emulator.start(account_id=env.account_id, state_dir=tmp_path / "emulator") as emulator:
        target = EmulatorTarget(emulator.endpoint, tmp_path / "work")
        broken = write_app(tmp_path / "out1", {"dev-x": role_stack("arn:aws:iam::aws:policy/DoesNotExist")}, {})
        with pytest.raises(TerraformError) as failure:
            Rollout(env, ["dev-x"]).run(target, broken)
        assert "aws_iam_role_policy_attachment.attach" in str(failure.value)
        assert "dev-x: apply failed" in str(failure.value)
        assert state_addresses(target.work_dir("dev-x")) == ["aws_iam_role.role"]  # what succeeded is kept

        fixed = write_app(tmp_path / "out2", {"dev-x": role_stack("arn:aws:iam::aws:policy/ReadOnlyAccess")}, {})
        rollout = Rollout(env, ["dev-x"])
        rollout.run(target, fixed)
        assert rollout.applied[0].summary.startswith("1 added, 0 changed")
        assert rollout.applied[0].outputs == {"role-name": "e2e-failure-role"}
        assert replan(target.work_dir("dev-x")).returncode == 0
        assert "[1/1] dev-x: 1 added" in capsys.readouterr().out
        pid = emulator.pid
    assert not os.path.exists(f"/proc/{pid}") or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
