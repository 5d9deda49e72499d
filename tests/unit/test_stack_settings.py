"""Synthesized JSON: backends, provider guard and tags come from the environment files."""

from __future__ import annotations

import pytest


def test_local_backend_keeps_state_outside_the_synth_output(stack_config):
    backend = stack_config["dev-delivery"]["terraform"]["backend"]
    assert backend == {"local": {"path": "../../../state/dev-delivery.tfstate"}}


def test_s3_backend_is_encrypted_and_locked(stack_config):
    backend = stack_config["staging-delivery"]["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "acme-terraform-state-222222222222"
    assert backend["key"] == "platform/staging-delivery/terraform.tfstate"
    assert backend["encrypt"] is True and backend["use_lockfile"] is True
    assert backend["region"] == "eu-west-1"


def test_cloud_block_names_one_workspace_per_stack(stack_config):
    terraform = stack_config["prod-delivery"]["terraform"]
    assert "backend" not in terraform
    assert terraform["cloud"] == {
        "hostname": "app.terraform.io",
        "organization": "acme",
        "workspaces": {"name": "platform-prod-delivery"},
    }


@pytest.mark.parametrize("env,account", [("dev", "111111111111"), ("prod", "222222222222")])
def test_provider_is_pinned_to_the_account_and_tags_everything(stack_config, catalog, env, account):
    provider = stack_config[f"{env}-delivery"]["provider"]["aws"][0]
    assert provider["allowed_account_ids"] == [account]
    tags = provider["default_tags"][0]["tags"]
    assert tags == {
        **catalog.by_name[env].tags,
        "environment": env,
        "tier": catalog.by_name[env].tier,
        "stack": f"{env}-delivery",
        "managed-by": "cdktf",
    }
    assert stack_config[f"{env}-delivery"]["terraform"]["required_providers"]["aws"]["version"] == "5.100.0"
