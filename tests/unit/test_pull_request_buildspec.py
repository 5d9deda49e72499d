"""The pull-request buildspec is the image buildspec's install and tests, and nothing that needs the registry,
the deploy files or (unless asked) the build's secrets: a pull request's code is untrusted."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from envconfig.model import Build
from release.buildspec import PackageLogin, container_image_buildspec, pull_request_buildspec

# What only an image build may do: log in to or push to a registry, run docker, write deploy files.
REGISTRY_WORDS = ("docker", "ecr", "push", "imagedefinitions", "imageDetail", "$ECR_REGISTRY")
LOGIN = PackageLogin("npm", "acme-dev", "111111111111", "npm-store")


def builds(catalog):
    return [service.build for env in catalog.by_name.values() for service in env.services]


def image_spec(build: Build) -> dict:
    return yaml.safe_load(
        container_image_buildspec(
            build,
            registry="111111111111.dkr.ecr.eu-west-1.amazonaws.com",
            repository="acme-dev-app",
            container_name="app",
            coverage_report_group="coverage",
            package_logins=(LOGIN,),
        ).render()
    )


def pr_spec(build: Build, **options) -> dict:
    return yaml.safe_load(
        pull_request_buildspec(build, coverage_report_group="coverage", package_logins=(LOGIN,), **options).render()
    )


def commands(spec: dict) -> list[str]:
    return [command for phase in spec["phases"].values() for command in phase.get("commands", [])]


@pytest.mark.parametrize("docker", [True, False])
def test_no_registry_docker_or_deploy_file_in_any_pull_request_build(catalog, docker):
    for build in builds(catalog):
        spec = pr_spec(dataclasses.replace(build, docker=docker))
        found = [(word, command) for command in commands(spec) for word in REGISTRY_WORDS if word in command]
        assert not found, f"pull-request buildspec reaches the registry: {found}"
        assert "artifacts" not in spec and list(spec["phases"]) in (["install"], ["install", "build"])


def test_same_install_tests_reports_and_cache_as_the_image_build(catalog):
    for build in builds(catalog):
        image, pr = image_spec(build), pr_spec(build)
        assert pr["phases"]["install"] == image["phases"]["install"]
        assert pr["phases"]["build"]["commands"] == list(build.test_commands)
        assert image["phases"]["build"]["commands"][: len(build.test_commands)] == list(build.test_commands)
        assert pr.get("reports") == image.get("reports") and pr.get("cache") == image.get("cache")


def test_build_parameters_and_secrets_only_when_asked(catalog):
    build = next(build for build in builds(catalog) if build.parameter_store and build.secrets_manager)
    assert "env" not in pr_spec(build)
    assert pr_spec(build, read_build_secrets=True)["env"] == {
        "parameter-store": build.parameter_store,
        "secrets-manager": build.secrets_manager,
    }
