"""The emulator variant (tooling/emulator/variant.py) never lets a stack reach a real backend or a real endpoint,
and a working directory's backend cache never crosses between an emulator and a real backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tooling.deploy.stackrun import lock_holder
from tooling.emulator.variant import emulator_backend, foreign_backend_cache, variant

ENDPOINT = "http://127.0.0.1:4566"
REAL_S3 = {
    "s3": {
        "bucket": "acme-terraform-state-222222222222",
        "key": "platform/x/terraform.tfstate",
        "region": "eu-west-1",
        "encrypt": True,
        "use_lockfile": True,
        "profile": "prod-admin",
        "assume_role": {"role_arn": "arn:aws:iam::222222222222:role/deployer"},
        "kms_key_id": "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    }
}


def test_every_synthesized_stack_stays_on_the_emulator(synthesis, tmp_path):
    for stack in synthesis.stacks:
        config = variant(synthesis.config(stack), stack, ENDPOINT, tmp_path).config
        backend = config["terraform"]["backend"]
        assert "cloud" not in config["terraform"] and len(backend) == 1, stack
        if "s3" in backend:
            assert set(backend["s3"]["endpoints"].values()) == {ENDPOINT}, stack
            assert backend["s3"]["use_lockfile"] is True, stack
        else:
            assert backend == {"local": {"path": str(tmp_path / f"{stack}.tfstate")}}, stack
        for provider in config.get("provider", {}).get("aws", []):
            assert set(provider["endpoints"].values()) == {ENDPOINT}, stack
            assert provider["access_key"] == "emulator", stack


def test_an_s3_backend_keeps_bucket_key_and_locking_but_nothing_that_reaches_aws(tmp_path):
    s3 = emulator_backend(REAL_S3, "x", ENDPOINT, tmp_path)["s3"]
    assert {k: s3[k] for k in ("bucket", "key", "region", "encrypt", "use_lockfile")} == {
        k: REAL_S3["s3"][k] for k in ("bucket", "key", "region", "encrypt", "use_lockfile")
    }
    assert "profile" not in s3 and "assume_role" not in s3
    assert s3["kms_key_id"] == "alias/terraform-state"  # the environment's key does not exist there
    assert s3["endpoints"] == {"s3": ENDPOINT, "sts": ENDPOINT, "iam": ENDPOINT} and s3["use_path_style"] is True
    aliased = {"s3": {**REAL_S3["s3"], "kms_key_id": "alias/state"}}
    assert emulator_backend(aliased, "x", ENDPOINT, tmp_path)["s3"]["kms_key_id"] == "alias/state"


@pytest.mark.parametrize(
    "backend", [None, {"local": {"path": "../../../state/x.tfstate"}}, {"cloud": {"organization": "acme"}}]
)
def test_other_backends_become_local_state_in_the_emulator_state_directory(backend, tmp_path):
    assert emulator_backend(backend, "x", ENDPOINT, tmp_path) == {"local": {"path": str(tmp_path / "x.tfstate")}}


def cache(work_dir: Path, kind: str, config: dict) -> Path:
    path = work_dir / ".terraform" / "terraform.tfstate"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 3, "backend": {"type": kind, "config": config, "hash": 1}}))
    return path


@pytest.mark.parametrize(
    ("kind", "config", "endpoint", "forgotten"),
    [
        ("s3", {"bucket": "b", "endpoints": {"s3": None}}, ENDPOINT, True),  # real s3 backend, emulator deploy
        ("s3", {"bucket": "b", "endpoints": {"s3": "http://127.0.0.1:9"}}, ENDPOINT, True),  # another emulator
        ("s3", {"bucket": "b", "endpoints": {"s3": ENDPOINT}}, ENDPOINT, False),  # this emulator
        ("s3", {"bucket": "b", "endpoints": {"s3": ENDPOINT}}, None, True),  # emulator backend, real deploy
        ("s3", {"bucket": "b", "endpoints": {"s3": None}}, None, False),  # real backend, real deploy
        ("local", {"path": "STATE/x.tfstate"}, ENDPOINT, False),  # this emulator's local state
        ("local", {"path": "STATE/x.tfstate"}, None, True),
        ("local", {"path": "../../../state/x.tfstate"}, ENDPOINT, True),  # the real local state
        ("local", {"path": "../../../state/x.tfstate"}, None, False),
        ("cloud", {"organization": "acme"}, ENDPOINT, True),
        ("cloud", {"organization": "acme"}, None, False),
    ],
)
def test_backend_cache_never_crosses_between_emulator_and_real_backends(tmp_path, kind, config, endpoint, forgotten):
    state = tmp_path / "state"
    config = json.loads(json.dumps(config).replace("STATE", str(state)))
    path = cache(tmp_path / "work", kind, config)
    assert foreign_backend_cache(tmp_path / "work", endpoint, state) is forgotten
    assert path.exists() is not forgotten


def test_lock_holder_reads_terraforms_lock_info():
    error = """Error: Error acquiring the state lock

Error message: operation error S3: PutObject, https response error
api error PreconditionFailed: At least one of the pre-conditions you
specified did not hold
Lock Info:
  ID:        2ca95b52-f494-7274-db6f-2c1a60d6da3d
  Path:      acme-terraform-state-222222222222/platform/x/terraform.tfstate
  Operation: OperationTypeApply
  Who:       root@vm
  Version:   1.11.4
  Created:   2026-11-30 09:36:16.933758564 +0000 UTC
  Info:\x20\x20\x20\x20\x20\x20


Terraform acquires a state lock to protect the state from being written
by multiple users at the same time."""
    assert lock_holder(error) == {
        "ID": "2ca95b52-f494-7274-db6f-2c1a60d6da3d",
        "Operation": "OperationTypeApply",
        "Who": "root@vm",
        "Path": "acme-terraform-state-222222222222/platform/x/terraform.tfstate",
        "Version": "1.11.4",
        "Created": "2026-11-30 09:36:16.933758564 +0000 UTC",
    }
