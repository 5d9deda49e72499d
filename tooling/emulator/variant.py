"""The emulator variant of a synthesized stack: what `make deploy` applies (a copy under build/emulator/stacks/)
and what `npx cdktf deploy|diff|destroy` runs with PLATFORM_TARGET=emulator (main.py rewrites cdktf.out in place).

The synthesized configuration with three changes, for the emulator only, all inside cdk.tf.json (so the next
synthesis replaces every trace of them):
  - the AWS provider points at the emulator (`emulator_provider`);
  - the emulator overlay (`apply_overlay`) removes or ignores what moto cannot do;
  - the state never reaches a real backend. An `s3` backend keeps its bucket, key and locking but on the
    emulator's S3 (`state_bucket` creates the bucket there first: versioned, KMS-encrypted, private); any other
    backend (local, cloud) becomes the local file <state dir>/<stack>.tfstate (default state/emulator/).
Emulator state lives as long as its emulator: `claim_state` empties the local state directory when another
emulator takes it over (an s3 state bucket goes with its emulator anyway), and a working directory's backend
cache (.terraform/terraform.tfstate) never crosses between an emulator and a real backend, nor between two
emulators (`foreign_backend_cache`), so `terraform init` can never migrate emulator state to AWS or back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from tooling import ROOT
from tooling.emulator.overlay import apply_overlay, emulator_provider
from tooling.emulator.server import HOST, Emulator
from tooling.harness.terraform import LOCK_FILE, write_if_changed

STATE_VARIABLE = "PLATFORM_EMULATOR_STATE"  # where emulator deploys keep local state (tests use their own)
STATE_KEY_ALIAS = "alias/terraform-state"  # the emulator's state key, unless the backend names an alias
CONFIG = "cdk.tf.json"
# Files earlier versions of the emulator copy wrote next to cdk.tf.json; now merged into it.
STALE_FILES = ("harness_override.tf.json", "emulator_overlay_override.tf.json")
# What an s3 backend keeps on the emulator; credentials, profiles, roles and endpoints are the emulator's.
S3_KEPT = ("bucket", "key", "region", "encrypt", "use_lockfile", "dynamodb_table", "workspace_key_prefix")


def state_dir() -> Path:
    """Local state of emulator deploys: $PLATFORM_EMULATOR_STATE, else state/emulator/."""
    return Path(os.environ.get(STATE_VARIABLE) or ROOT / "state" / "emulator").resolve()


# -- the variant -----------------------------------------------------------------------------------
def emulator_backend(backend: dict | None, stack: str, endpoint: str, local_dir: Path) -> dict:
    """The backend block of the emulator copy (see the module docstring)."""
    kind, settings = next(iter((backend or {"local": {}}).items()))
    if kind != "s3":
        return {"local": {"path": str(local_dir / f"{stack}.tfstate")}}
    s3 = {name: settings[name] for name in S3_KEPT if name in settings}
    if settings.get("kms_key_id"):  # the environment's key is not on the emulator: an alias there is
        alias = re.search(r"(alias/[A-Za-z0-9/_-]+)$", settings["kms_key_id"])
        s3["kms_key_id"] = alias[1] if alias else STATE_KEY_ALIAS
    endpoints = {"s3": endpoint, "sts": endpoint, "iam": endpoint}
    if s3.get("dynamodb_table"):
        endpoints["dynamodb"] = endpoint
    return {
        "s3": {
            **s3,
            "endpoints": endpoints,
            "use_path_style": True,
            "access_key": "emulator",
            "secret_key": "emulator",
            "skip_credentials_validation": True,
            "skip_requesting_account_id": True,
            "skip_metadata_api_check": True,
            "skip_region_validation": True,
        }
    }


@dataclass
class Variant:
    config: dict
    applied: list[str]  # "address: action (gap)" lines of the overlay, for the log


def variant(config: dict, stack: str, endpoint: str, local_dir: Path) -> Variant:
    result = apply_overlay(config)
    config = result.config
    for provider in config.get("provider", {}).get("aws", []):
        provider.update(emulator_provider(endpoint))
    block = config.setdefault("terraform", {})
    backend = block.pop("backend", None)
    block.pop("cloud", None)
    block["backend"] = emulator_backend(backend, stack, endpoint, local_dir)
    return Variant(config, result.applied)


def write_variant(stack_dir: Path, work_dir: Path, stack: str, endpoint: str, local_dir: Path) -> list[str]:
    """Write the emulator variant of the stack synthesized in `stack_dir` into `work_dir` (the same directory
    for cdktf.out), with the project's provider lock file; create its state bucket on the emulator first."""
    result = variant(json.loads((stack_dir / CONFIG).read_text()), stack, endpoint, local_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    if work_dir.resolve() != stack_dir.resolve():
        for extra in stack_dir.iterdir():  # assets such as zipped Lambda code
            if extra.is_dir() and extra.name != ".terraform":
                shutil.copytree(extra, work_dir / extra.name, dirs_exist_ok=True)
    for name in STALE_FILES:
        (work_dir / name).unlink(missing_ok=True)
    if LOCK_FILE.exists():
        shutil.copyfile(LOCK_FILE, work_dir / ".terraform.lock.hcl")
    backend = result.config["terraform"]["backend"]
    if "s3" in backend:
        state_bucket(backend["s3"])
    else:
        local_dir.mkdir(parents=True, exist_ok=True)
    write_if_changed(work_dir / CONFIG, json.dumps(result.config, indent=2, sort_keys=True))
    return result.applied


# -- the state bucket --------------------------------------------------------------------------------
def state_bucket(s3: dict) -> None:
    """Create the backend's bucket on the emulator as a state bucket is on AWS: versioned, default encryption
    with a KMS key (the backend's alias, else alias/terraform-state), public access blocked; and the legacy
    lock table when the backend names one. Idempotent."""
    import boto3
    from botocore.exceptions import ClientError

    endpoint, region, bucket = s3["endpoints"]["s3"], s3["region"], s3["bucket"]

    def client(service: str):
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id="emulator",
            aws_secret_access_key="emulator",
        )

    kms, alias = client("kms"), s3.get("kms_key_id") or STATE_KEY_ALIAS
    try:
        key_arn = kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
    except ClientError:
        key = kms.create_key(Description=f"Terraform state in {bucket} (emulator)")["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        key_arn = key["Arn"]
    storage = client("s3")
    try:
        storage.head_bucket(Bucket=bucket)
    except ClientError:
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        storage.create_bucket(Bucket=bucket, **location)
    storage.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    storage.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    storage.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    if s3.get("dynamodb_table"):
        dynamodb = client("dynamodb")
        if s3["dynamodb_table"] not in dynamodb.list_tables()["TableNames"]:
            dynamodb.create_table(
                TableName=s3["dynamodb_table"],
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            )


# -- state lifetime ----------------------------------------------------------------------------------
def claim_state(local_dir: Path, emulator: Emulator) -> bool:
    """Local emulator state belongs to the emulator it was written on. True when `emulator` is new to
    `local_dir`: what another emulator left there is deleted (its objects are gone with it)."""
    owner = {"pid": emulator.pid, "port": emulator.port, "started": emulator.started}
    record = local_dir / "emulator.json"
    if record.exists() and json.loads(record.read_text()) == owner:
        return False
    for state in local_dir.glob("*.tfstate*"):
        state.unlink()
    local_dir.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(owner))
    return True


def backend_cache(work_dir: Path) -> dict | None:
    """The backend `terraform init` configured in work_dir: {"type": ..., "config": {non-null settings}}."""
    cache = work_dir / ".terraform" / "terraform.tfstate"
    try:
        backend = json.loads(cache.read_text()).get("backend") or {}
    except (OSError, ValueError):
        return None
    return {"type": backend.get("type"), "config": _non_null(backend.get("config") or {})} if backend else None


def _non_null(value):
    if isinstance(value, dict):
        return {k: _non_null(v) for k, v in value.items() if v is not None and _non_null(v) != {}}
    return value


def is_current(cache: dict, backend: dict) -> bool:
    """Does the configured backend (`backend_cache`) equal this backend block?"""
    kind, settings = next(iter(backend.items()))
    return cache["type"] == kind and cache["config"] == _non_null(settings)


def emulator_of(cache: dict, local_dir: Path) -> str | None:
    """The emulator a configured backend belongs to: its endpoint (s3), "local" (this state directory), else
    None (a real backend)."""
    config = cache["config"]
    if cache["type"] == "s3":
        endpoint = (config.get("endpoints") or {}).get("s3") or config.get("endpoint") or ""
        return endpoint if urlparse(endpoint).hostname == HOST else None
    if cache["type"] == "local" and config.get("path"):
        return "local" if Path(config["path"]).resolve().parent == local_dir else None
    return None


def foreign_backend_cache(work_dir: Path, endpoint: str | None, local_dir: Path) -> bool:
    """Forget work_dir's backend cache when it belongs elsewhere: with `endpoint` (an emulator deploy), a real
    backend or another emulator's; without (a real deploy), any emulator's. True when forgotten."""
    cache = backend_cache(work_dir)
    if cache is None:
        return False
    owner = emulator_of(cache, local_dir)
    foreign = owner not in ("local", endpoint) if endpoint else owner is not None
    if foreign:
        (work_dir / ".terraform" / "terraform.tfstate").unlink()
    return foreign
