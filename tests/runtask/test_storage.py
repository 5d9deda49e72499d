"""The run task's storage interface: a directory (local `serve`) and an S3 bucket (the deployed function, on
moto's in-process mock) behave alike, and the baseline store works on both."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from tooling.runtask.baselines import Baseline, BaselineStore
from tooling.runtask.storage import LocalStorage, S3Storage

REGION = "eu-west-1"


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        yield LocalStorage(tmp_path / "state")
        return
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="store", CreateBucketConfiguration={"LocationConstraint": REGION})
        yield S3Storage("store", client)


def test_read_write_and_replace(storage):
    assert storage.read("results/t1.json") is None
    storage.write("results/t1.json", b'{"a": 1}')
    assert storage.read("results/t1.json") == b'{"a": 1}'
    storage.write("results/t1.json", b'{"a": 2}')
    assert storage.read("results/t1.json") == b'{"a": 2}'


def test_create_writes_only_the_first_time(storage):
    assert storage.create("accepted/t1", b"run-1") is True
    assert storage.create("accepted/t1", b"run-2") is False
    assert storage.read("accepted/t1") == b"run-1"


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a/../../b", "a//b", "", "a/./b"])
def test_keys_stay_inside_the_store(storage, key):
    with pytest.raises(ValueError, match="relative path"):
        storage.read(key)


def test_the_baselines_live_in_either(storage):
    store = BaselineStore(storage)
    store.record("ws-a", "run-1", {"n": 1})
    store.record("ws-a", "run-2", {"n": 2})
    assert store.baseline_for("ws-a", "run-3") == Baseline("run-2", {"n": 2})
    assert store.baseline_for("ws-a", "run-2") == Baseline("run-1", {"n": 1})
    assert json.loads(storage.read("baselines/ws-a/previous.json"))["run_id"] == "run-1"


def test_the_local_layout_is_the_documented_one(tmp_path):
    """`--state-dir` keeps baselines/<workspace>/current.json as before the storage interface."""
    BaselineStore(LocalStorage(tmp_path)).record("ws-a", "run-1", {"n": 1})
    assert json.loads((tmp_path / "baselines" / "ws-a" / "current.json").read_text())["plan"] == {"n": 1}
