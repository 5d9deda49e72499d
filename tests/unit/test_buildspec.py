"""The buildspec model renders the seed's flow, and the files it writes are the model's own."""

from __future__ import annotations

import json
import subprocess

import yaml

from envconfig.model import Build
from release.buildspec import PackageLogin, container_image_buildspec, json_file, yaml_file


def render(**overrides) -> dict:
    spec = container_image_buildspec(
        overrides.pop("build", Build()),
        registry="111111111111.dkr.ecr.eu-west-1.amazonaws.com",
        repository="acme-dev-app",
        container_name="app",
        coverage_report_group="coverage",
        **overrides,
    )
    return yaml.safe_load(spec.render())


def test_seed_phases_and_artifacts():
    spec = render()
    assert spec["version"] == 0.2
    assert list(spec["phases"]) == ["install", "pre_build", "build", "post_build"]
    assert spec["phases"]["install"]["runtime-versions"] == {"nodejs": "18"}
    assert spec["phases"]["build"]["commands"][0] == "npm test"
    assert spec["reports"]["coverage"] == {"files": ["coverage/clover.xml"], "file-format": "CLOVERXML"}
    assert spec["artifacts"]["files"] == ["imagedefinitions.json", "imageDetail.json"]
    assert spec["cache"]["paths"] == ["node_modules/**/*", "/root/.npm/**/*"]


def test_images_are_pushed_by_commit_only_because_tags_are_immutable():
    commands = " ".join(render()["phases"]["post_build"]["commands"])
    assert ":latest" not in commands
    assert "docker push $ECR_REGISTRY/$IMAGE_REPO:$IMAGE_TAG" in commands


def test_failed_tests_abort_before_the_push():
    assert render()["phases"]["build"]["on-failure"] == "ABORT"


def test_no_cache_section_without_a_cache():
    assert "cache" not in render(build=Build(cache="none"))


def test_parameter_and_secret_references_are_passed_through():
    spec = render(build=Build(parameter_store={"NPM_TOKEN": "/acme/npm"}, secrets_manager={"HUB": "hub:token"}))
    assert spec["env"]["parameter-store"] == {"NPM_TOKEN": "/acme/npm"}
    assert spec["env"]["secrets-manager"] == {"HUB": "hub:token"}


def test_codeartifact_logins_come_first():
    login = PackageLogin("pip", "acme", "111111111111", "pypi-store")
    commands = render(package_logins=(login,))["phases"]["install"]["commands"]
    assert commands[0] == (
        "aws codeartifact login --tool pip --domain acme --domain-owner 111111111111 --repository pypi-store"
    )


def test_generated_files_written_by_the_shell_equal_the_model(tmp_path):
    document = {"family": "acme-dev-app", "quote": "it's", "nested": {"list": [1, 2]}}
    appspec = {"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service"}}]}
    files = (json_file("taskdef-dev.json", document), yaml_file("appspec-dev.yaml", appspec))
    spec = render(deploy_files=files)
    for command in spec["phases"]["post_build"]["commands"][-2:]:
        subprocess.run(["bash", "-c", command], cwd=tmp_path, check=True)
    assert json.loads((tmp_path / "taskdef-dev.json").read_text()) == document
    assert yaml.safe_load((tmp_path / "appspec-dev.yaml").read_text()) == appspec
    assert spec["artifacts"]["files"][-2:] == ["taskdef-dev.json", "appspec-dev.yaml"]
