"""The rehearsal's acting roles on a private emulator (IAM enforced): a denied call stops with one line naming
step, role, action and resource, whether the resource-level evaluator or the emulator denies it; the evaluator
catches what the emulator's action-level check lets through; the `docker push` recorder meets ECR's tag
immutability."""

from __future__ import annotations

import json

import boto3
import pytest

from envconfig.account import Account
from tooling.emulator.server import Emulator
from tooling.rehearsal import recorder
from tooling.rehearsal.actors import RoleActors, enforcement, without_action
from tooling.rehearsal.contracts import RehearsalDenied

ACCOUNT = Account("123456789012", "eu-west-1")
ROLE = "rehearsal-test-build"
STEP = "release-1 Build/push"
REPOSITORY, OTHER = "team/app", "team/other"


def _policy() -> dict:
    repository = ACCOUNT.arn("ecr", f"repository/{REPOSITORY}")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": [
                    "ecr:PutImage",
                    "ecr:BatchGetImage",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                ],
                "Resource": repository,
            },
        ],
    }


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with Emulator.start(account_id=ACCOUNT.account_id, state_dir=tmp_path_factory.mktemp("emulator")) as running:
        client = running.boto3_client
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        client("iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
        client("iam").put_role_policy(RoleName=ROLE, PolicyName="build", PolicyDocument=json.dumps(_policy()))
        for name in (REPOSITORY, OTHER):
            client("ecr").create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
        yield running


@pytest.fixture(scope="module")
def actors(emulator):
    return RoleActors.assume(emulator.endpoint, ACCOUNT, {"build": ROLE}, current_step=lambda: STEP)


def _manifest(seed: str) -> str:
    digest = seed.encode().hex().ljust(64, "0")[:64]
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": recorder.MANIFEST_TYPE,
            "config": {"mediaType": recorder.CONFIG_TYPE, "size": 1, "digest": f"sha256:{digest}"},
            "layers": [],
        }
    )


def test_allowed_call_passes_both_checks(emulator, actors):
    with enforcement(emulator.endpoint):
        actors.client("build", "ecr").put_image(repositoryName=REPOSITORY, imageTag="v1", imageManifest=_manifest("a"))


def test_evaluator_catches_a_resource_level_denial_the_emulator_lets_through(emulator, actors):
    with enforcement(emulator.endpoint):
        with pytest.raises(RehearsalDenied) as denied:
            actors.client("build", "ecr").put_image(repositoryName=OTHER, imageTag="v1", imageManifest=_manifest("b"))
        # the same call, unchecked, with the same credentials: the emulator (action level) lets it through
        raw = boto3.client(
            "ecr", endpoint_url=emulator.endpoint, region_name=ACCOUNT.region, **actors.identities["build"].credentials
        )
        raw.put_image(repositoryName=OTHER, imageTag="v2", imageManifest=_manifest("c"))
    message = str(denied.value)
    assert "\n" not in message
    assert STEP in message and "build" in message and ROLE in message
    assert "ecr:PutImage" in message and ACCOUNT.arn("ecr", f"repository/{OTHER}") in message


def test_emulator_denial_is_one_line_too(emulator, actors):
    """The evaluator is given a copy that allows ecr:DescribeImages; the role in the emulator does not."""
    policies = actors.identities["build"].policies
    widened = [*policies, {"Statement": [{"Effect": "Allow", "Action": "ecr:DescribeImages", "Resource": "*"}]}]
    actors.identities["build"].policies = widened
    try:
        with enforcement(emulator.endpoint), pytest.raises(RehearsalDenied) as denied:
            actors.client("build", "ecr").describe_images(repositoryName=REPOSITORY)
    finally:
        actors.identities["build"].policies = policies
    message = str(denied.value)
    assert "\n" not in message and STEP in message and "ecr:DescribeImages" in message
    assert "from the emulator" in message


def test_removing_one_action_from_a_copy_denies_it(emulator, actors):
    policies = actors.identities["build"].policies
    actors.identities["build"].policies = without_action(policies, "ecr:PutImage")
    try:
        with enforcement(emulator.endpoint), pytest.raises(RehearsalDenied, match="ecr:PutImage"):
            actors.client("build", "ecr").put_image(
                repositoryName=REPOSITORY, imageTag="v9", imageManifest=_manifest("d")
            )
    finally:
        actors.identities["build"].policies = policies
    assert any("ecr:PutImage" in json.dumps(p) for p in policies)  # the deployed copy was not touched


def test_recorder_push_meets_tag_immutability(emulator, actors, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REHEARSAL_DOCKER_DIR", str(tmp_path / "images"))
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\n")
    image = f"{ACCOUNT.account_id}.dkr.ecr.{ACCOUNT.region}.amazonaws.com/{REPOSITORY}:release-1"
    with enforcement(emulator.endpoint):
        assert recorder.docker(["build", "-t", image, str(context)], actors, "build") == 0
        assert recorder.docker(["push", image], actors, "build") == 0
        pushed = actors.admin("ecr").describe_images(repositoryName=REPOSITORY, imageIds=[{"imageTag": "release-1"}])
        (context / "app.py").write_text("print('changed')\n")  # another build, the same tag
        assert recorder.docker(["build", "-t", image, str(context)], actors, "build") == 0
        assert recorder.docker(["push", image], actors, "build") == 1
    # AWS names it ImageTagAlreadyExistsException; moto 5.2.5 ImageAlreadyExistsException (same refusal)
    assert "AlreadyExistsException" in capsys.readouterr().err
    images = emulator.boto3_client("ecr", region=ACCOUNT.region).describe_images(repositoryName=REPOSITORY)
    tagged = [d["imageDigest"] for d in images["imageDetails"] if "release-1" in d.get("imageTags", [])]
    assert tagged == [pushed["imageDetails"][0]["imageDigest"]]  # the first push keeps the tag
