"""The plan harness from a cold start: parallel `terraform init`s into one EMPTY plugin cache take turns
(plugin_cache_lock), so none fails with "file exists" or a half-written provider."""

from __future__ import annotations

import json

import pytest

from tooling.harness.terraform import PLUGIN_CACHE_VARIABLE, plan_each

STACKS = 3
ROUNDS = 3


@pytest.fixture
def tiny_stacks(tmp_path):
    """Synthesized-like stacks with one SSM parameter each (the pinned AWS provider, nothing else)."""
    stacks = {}
    for index in range(STACKS):
        directory = tmp_path / "stacks" / f"tiny-{index}"
        directory.mkdir(parents=True)
        (directory / "cdk.tf.json").write_text(
            json.dumps(
                {
                    "terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.100.0"}}},
                    "provider": {"aws": [{"region": "eu-west-1"}]},
                    "resource": {
                        "aws_ssm_parameter": {"p": {"name": f"/tiny/{index}", "type": "String", "value": "x"}}
                    },
                }
            )
        )
        stacks[directory.name] = directory
    return stacks


def test_parallel_plans_from_an_empty_plugin_cache_all_succeed(tiny_stacks, tmp_path, monkeypatch):
    for round_ in range(ROUNDS):
        monkeypatch.setenv(PLUGIN_CACHE_VARIABLE, str(tmp_path / f"round-{round_}" / "plugin-cache"))
        plans, failures = plan_each(tiny_stacks, tmp_path / f"round-{round_}" / "plans", workers=STACKS)
        assert not failures, f"round {round_}: {failures}"
        assert {name: [r["type"] for r in plan.resources] for name, plan in plans.items()} == {
            name: ["aws_ssm_parameter"] for name in tiny_stacks
        }
        assert any((tmp_path / f"round-{round_}" / "plugin-cache").glob("registry.terraform.io/hashicorp/aws/*/*")), (
            "the provider came through the round's own cache"
        )
