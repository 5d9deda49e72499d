"""The s3 state backend with S3 native locking (`use_lockfile`), exercised on the emulator through the deploy
machinery (`make deploy`'s Rollout and EmulatorTarget): the state lands in the bucket, a second concurrent apply
is refused by the lock, Ctrl-C releases the lock, and a local -> s3 migration keeps everything.

A one-role stack carries the backend block synthesized for staging (whose backend.type is "s3"), so the
applies take seconds; a `terraform_data` with a sleeping provisioner holds the lock for the contention tests.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.e2e.deployment import TIMINGS
from tooling.deploy.rollout import Rollout
from tooling.deploy.stackrun import EmulatorTarget, StateLocked, replan
from tooling.emulator.server import Emulator
from tooling.harness.terraform import terraform, terraform_env

pytestmark = pytest.mark.e2e
ENV = "staging"
STACK = f"{ENV}-statetest"
MIGRATED = f"{ENV}-migratetest"
HOLD_SECONDS = 300  # the first apply's provisioner; it is interrupted long before


def s3_backend(synthesis, stack: str) -> dict:
    """The backend block synthesized for staging, keyed for `stack` as stacks/base.py keys each stack."""
    backend = json.loads(json.dumps(synthesis.config(f"{ENV}-service")["terraform"]["backend"]))
    backend["s3"]["key"] = backend["s3"]["key"].replace(f"{ENV}-service", stack)
    return backend


def write_stack(directory: Path, stack: str, account_id: str, backend: dict, hold: bool = False) -> dict[str, Path]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    resources: dict = {"aws_iam_role": {"role": {"name": f"{stack}-role", "assume_role_policy": json.dumps(trust)}}}
    if hold:  # `exec`, so Terraform's stop signal reaches the sleep itself
        resources["terraform_data"] = {
            "hold": {"input": "hold", "provisioner": [{"local-exec": {"command": f"exec sleep {HOLD_SECONDS}"}}]}
        }
    config = {
        "terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.100.0"}}, "backend": backend},
        "provider": {"aws": [{"region": "eu-west-1", "allowed_account_ids": [account_id]}]},
        "resource": resources,
    }
    (directory / stack).mkdir(parents=True, exist_ok=True)
    (directory / stack / "cdk.tf.json").write_text(json.dumps(config))
    return {stack: directory / stack}


class Site:
    def __init__(self, env, emulator: Emulator, root: Path, backend: dict):
        self.env, self.emulator, self.root, self.backend = env, emulator, root, backend
        self.target = EmulatorTarget(emulator.endpoint, root / "stacks", state_dir=root / "state")
        self.bucket, self.key = backend["s3"]["bucket"], backend["s3"]["key"]

    def deploy(self, stack_dirs: dict[str, Path]) -> Rollout:
        rollout = Rollout(self.env, list(stack_dirs))
        start = time.monotonic()
        rollout.run(self.target, stack_dirs)
        TIMINGS.append((f"make-deploy-path apply {', '.join(stack_dirs)}"[:36], time.monotonic() - start))
        return rollout

    def objects(self) -> dict[str, dict]:
        listing = self.emulator.boto3_client("s3").list_objects_v2(Bucket=self.bucket)
        return {o["Key"]: o for o in listing.get("Contents", [])}

    def state(self, key: str) -> dict:
        body = self.emulator.boto3_client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return json.loads(body)


@pytest.fixture(scope="module")
def site(catalog, synthesis, tmp_path_factory):
    env = catalog.by_name[ENV]
    assert env.backend.type == "s3"
    root = tmp_path_factory.mktemp("e2e-state")
    with Emulator.start(account_id=env.account_id, state_dir=root / "emulator") as emulator:
        yield Site(env, emulator, root, s3_backend(synthesis, STACK))


def test_the_synthesized_s3_backend_locks_natively(site):
    assert site.backend["s3"]["use_lockfile"] is True and site.backend["s3"]["encrypt"] is True
    assert "dynamodb_table" not in site.backend["s3"]


def test_apply_writes_the_state_to_the_emulator_bucket(site, catalog):
    site.deploy(write_stack(site.root / "out", STACK, site.env.account_id, site.backend))
    applied = json.loads((site.target.work_dir(STACK) / "cdk.tf.json").read_text())["terraform"]["backend"]["s3"]
    assert applied["endpoints"]["s3"] == site.emulator.endpoint and applied["use_lockfile"] is True
    assert {applied[k] for k in ("bucket", "key", "region")} == {site.bucket, site.key, site.backend["s3"]["region"]}

    s3 = site.emulator.boto3_client("s3")
    assert s3.get_bucket_versioning(Bucket=site.bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=site.bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert list(site.objects()) == [site.key]  # the state, and no lock left behind
    state = site.state(site.key)
    assert [r["type"] for r in state["resources"]] == ["aws_iam_role"]
    assert not list((site.root / "state").glob("*.tfstate"))  # nothing local


@pytest.fixture(scope="module")
def holding_apply(site):
    """A first apply of the stack, stopped in its sleeping provisioner while it holds the state lock."""
    stack_dirs = write_stack(site.root / "out-hold", STACK, site.env.account_id, site.backend, hold=True)
    work_dir = site.target.prepare(STACK, stack_dirs[STACK])
    process = subprocess.Popen(
        ["terraform", "apply", "-input=false", "-auto-approve", "-no-color"],
        cwd=work_dir,
        env=terraform_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lock = f"{site.key}.tflock"
    deadline = time.monotonic() + 120
    while lock not in site.objects() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert lock in site.objects(), process.communicate()[0] if process.poll() is not None else "no lock object"
    yield process, stack_dirs, lock
    if process.poll() is None:
        process.kill()
        process.wait()


def test_a_concurrent_apply_is_refused_by_the_lock(site, holding_apply):
    process, stack_dirs, lock = holding_apply
    holder = json.loads(site.emulator.boto3_client("s3").get_object(Bucket=site.bucket, Key=lock)["Body"].read())
    start = time.monotonic()
    with pytest.raises(StateLocked) as refused:
        site.deploy(stack_dirs)
    TIMINGS.append(("concurrent apply refused", time.monotonic() - start))
    message = str(refused.value)
    print(message)
    assert message.startswith(f"{STACK}: apply refused: the state is locked by another apply")
    assert f"lock {holder['ID']} on {site.bucket}/{site.key}" in message
    assert f"terraform force-unlock {holder['ID']}" in message
    assert "Error acquiring the state lock" in message  # Terraform's own error follows
    assert process.poll() is None and lock in site.objects()  # the first apply is untouched


def test_the_emulators_conditional_create_has_one_winner(site):
    """S3 native locking is a PutObject with If-None-Match: * on <key>.tflock: of concurrent ones, one wins."""
    clients = [site.emulator.boto3_client("s3") for _ in range(8)]
    for attempt in range(10):
        key, winners, barrier = f"race/{attempt}.tflock", [], threading.Barrier(len(clients))

        def put(client, number: int, key: str = key, winners: list = winners, barrier=barrier) -> None:
            barrier.wait()
            try:
                client.put_object(Bucket=site.bucket, Key=key, Body=b"{}", IfNoneMatch="*")
                winners.append(number)
            except ClientError as err:
                assert err.response["Error"]["Code"] == "PreconditionFailed", err

        threads = [threading.Thread(target=put, args=(client, n)) for n, client in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(winners) == 1, f"attempt {attempt}: {len(winners)} concurrent lock acquisitions succeeded"
        site.emulator.boto3_client("s3").delete_object(Bucket=site.bucket, Key=key)


def test_ctrl_c_releases_the_lock(site, holding_apply):
    process, _, lock = holding_apply
    process.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends Terraform
    output, _ = process.communicate(timeout=120)
    assert "Interrupt received" in output and process.returncode != 0, output
    assert lock not in site.objects(), "the lock outlived the interrupted apply"
    state = site.state(site.key)
    assert "aws_iam_role" in [r["type"] for r in state["resources"]]  # the state was written, not lost
    result = terraform(
        ["plan", "-input=false", "-lock-timeout=0s", "-detailed-exitcode"], site.target.work_dir(STACK), check=False
    )
    assert result.returncode in (0, 2), result.stderr  # a new run acquires the lock
    assert lock not in site.objects()


def test_migrating_local_state_to_s3_keeps_everything(site):
    local = {"local": {"path": f"../../../state/{MIGRATED}.tfstate"}}  # as synthesized for a local backend
    site.deploy(write_stack(site.root / "out-local", MIGRATED, site.env.account_id, local))
    local_state = json.loads((site.root / "state" / f"{MIGRATED}.tfstate").read_text())

    backend = s3_backend_for(site, MIGRATED)
    rollout = site.deploy(write_stack(site.root / "out-s3", MIGRATED, site.env.account_id, backend))
    work_dir = site.target.work_dir(MIGRATED)
    init_log = (work_dir / "init.log").read_text()
    assert "init -input=false -lockfile=readonly -migrate-state -force-copy" in init_log
    assert 'Successfully configured the backend "s3"' in init_log
    assert rollout.applied[0].summary.startswith("0 added, 0 changed, 0 destroyed")  # nothing re-created
    state = site.state(backend["s3"]["key"])
    assert [r["type"] for r in state["resources"]] == ["aws_iam_role"]
    assert role_id(state) == role_id(local_state)  # the same role, not a new one
    assert replan(work_dir).returncode == 0


def role_id(state: dict) -> str:
    return next(r for r in state["resources"] if r["type"] == "aws_iam_role")["instances"][0]["attributes"]["unique_id"]


def s3_backend_for(site: Site, stack: str) -> dict:
    backend = json.loads(json.dumps(site.backend))
    backend["s3"]["key"] = backend["s3"]["key"].replace(STACK, stack)
    return backend
