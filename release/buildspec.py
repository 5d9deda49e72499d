"""The CodeBuild buildspec as a Python model, rendered once to YAML.

`container_image_buildspec` is the seed's flow (install, test, build, push, write deploy files),
built from the same environment data and release model as the infrastructure.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field

import yaml

from envconfig.model import Build, Function


@dataclass(frozen=True)
class Report:
    name: str
    files: tuple[str, ...]
    file_format: str


@dataclass(frozen=True)
class Buildspec:
    variables: dict[str, str] = field(default_factory=dict)
    parameter_store: dict[str, str] = field(default_factory=dict)
    secrets_manager: dict[str, str] = field(default_factory=dict)
    runtime_versions: dict[str, str] = field(default_factory=dict)
    install: tuple[str, ...] = ()
    pre_build: tuple[str, ...] = ()
    build: tuple[str, ...] = ()
    post_build: tuple[str, ...] = ()
    artifacts: tuple[str, ...] = ()
    reports: tuple[Report, ...] = ()
    cache_paths: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        env = {
            key: value
            for key, value in (
                ("variables", self.variables),
                ("parameter-store", self.parameter_store),
                ("secrets-manager", self.secrets_manager),
            )
            if value
        }
        install = {"commands": list(self.install)}
        if self.runtime_versions:
            install = {"runtime-versions": dict(self.runtime_versions), **install}
        phases = {"install": install}
        for name, commands in (("pre_build", self.pre_build), ("build", self.build), ("post_build", self.post_build)):
            if commands:
                phases[name] = {"on-failure": "ABORT", "commands": list(commands)}
        spec = {"version": 0.2}
        if env:
            spec["env"] = env
        spec["phases"] = phases
        if self.artifacts:
            spec["artifacts"] = {"files": list(self.artifacts)}
        if self.reports:
            spec["reports"] = {r.name: {"files": list(r.files), "file-format": r.file_format} for r in self.reports}
        if self.cache_paths:
            spec["cache"] = {"paths": list(self.cache_paths)}
        return spec

    def render(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, width=1000)


@dataclass(frozen=True)
class GeneratedFile:
    """A file the build writes from data known at synthesis time (task definitions, appspecs)."""

    path: str
    content: str

    def write_command(self) -> str:
        return f"printf '%s\\n' {shlex.quote(self.content)} > {shlex.quote(self.path)}"


def json_file(path: str, document: dict) -> GeneratedFile:
    return GeneratedFile(path, json.dumps(document, sort_keys=True))


def yaml_file(path: str, document: dict) -> GeneratedFile:
    return GeneratedFile(path, yaml.safe_dump(document, sort_keys=False).rstrip("\n"))


@dataclass(frozen=True)
class PackageLogin:
    """`aws codeartifact login` for one package format (maven uses a token variable instead)."""

    tool: str
    domain: str
    domain_owner: str
    repository: str

    def command(self) -> str:
        if self.tool == "maven":
            return (
                f"export CODEARTIFACT_AUTH_TOKEN=$(aws codeartifact get-authorization-token --domain "
                f"{self.domain} --domain-owner {self.domain_owner} --query authorizationToken --output text)"
            )
        return (
            f"aws codeartifact login --tool {self.tool} --domain {self.domain} "
            f"--domain-owner {self.domain_owner} --repository {self.repository}"
        )


CODEARTIFACT_TOOLS = {"npm": "npm", "pypi": "pip", "maven": "maven"}

# Image tags tell the ECR lifecycle policy (modules/delivery/ecr.py) which images may go:
# release-<commit>: built by a pipeline run, so possibly running somewhere; expired only past the
#   last N releases (delivery.keep_releases), never by age.
# build-<commit or build number>: built outside a pipeline (the project started by hand); expired by age.
RELEASE_TAG_PREFIX = "release-"
BUILD_TAG_PREFIX = "build-"


def container_image_buildspec(
    build: Build,
    *,
    registry: str,
    repository: str,
    container_name: str,
    coverage_report_group: str,
    deploy_files: tuple[GeneratedFile, ...] = (),
    package_logins: tuple[PackageLogin, ...] = (),
) -> Buildspec:
    """Test, build and push one image; write the files the deploy actions read.

    Images are tagged once, with the whole commit id: the repository's tags are immutable, so the
    seed's extra `latest` tag would fail on the second build. Releasing a commit again (a retried or
    re-run pipeline) finds its tag in ECR and reuses that image instead of failing at the push; any
    other error of the look-up fails the build.
    """
    image = "$ECR_REGISTRY/$IMAGE_REPO:$IMAGE_TAG"
    not_pushed = '[ "$IMAGE_EXISTS" = false ]'

    return Buildspec(
        variables={
            "DOCKER_BUILDKIT": "1",
            "ECR_REGISTRY": registry,
            "IMAGE_REPO": repository,
            "CONTAINER_NAME": container_name,
        },
        parameter_store=dict(build.parameter_store),
        secrets_manager=dict(build.secrets_manager),
        runtime_versions=dict(build.runtime_versions),
        install=(*(login.command() for login in package_logins), *build.install_commands),
        pre_build=(
            "aws ecr get-login-password --region $AWS_DEFAULT_REGION"
            " | docker login --username AWS --password-stdin $ECR_REGISTRY",
            f'case "$CODEBUILD_INITIATOR" in codepipeline/*) TAG_PREFIX={RELEASE_TAG_PREFIX} ;;'
            f" *) TAG_PREFIX={BUILD_TAG_PREFIX} ;; esac",
            "IMAGE_TAG=$TAG_PREFIX${CODEBUILD_RESOLVED_SOURCE_VERSION:-$CODEBUILD_BUILD_NUMBER}",
            'if LOOKUP=$(aws ecr describe-images --repository-name "$IMAGE_REPO" --image-ids imageTag="$IMAGE_TAG"'
            ' 2>&1 > /dev/null); then IMAGE_EXISTS=true; echo "$IMAGE_TAG is in ECR: reusing it";'
            ' elif echo "$LOOKUP" | grep -q ImageNotFoundException; then IMAGE_EXISTS=false;'
            ' else echo "$LOOKUP" >&2; false; fi',
        ),
        build=(*build.test_commands, f"if {not_pushed}; then docker build -t {image} .; fi"),
        post_build=(
            f"if {not_pushed}; then docker push {image}; fi",
            f'printf \'[{{"name":"%s","imageUri":"%s"}}]\' $CONTAINER_NAME {image} > imagedefinitions.json',
            f'printf \'{{"ImageURI":"%s"}}\' {image} > imageDetail.json',
            *(generated.write_command() for generated in deploy_files),
        ),
        artifacts=("imagedefinitions.json", "imageDetail.json", *(f.path for f in deploy_files)),
        reports=(
            (Report(coverage_report_group, (build.coverage_report,), "CLOVERXML"),) if build.coverage_report else ()
        ),
        cache_paths=build.cache_paths if build.cache != "none" else (),
    )


def pull_request_buildspec(
    build: Build,
    *,
    coverage_report_group: str,
    read_build_secrets: bool = False,
    package_logins: tuple[PackageLogin, ...] = (),
) -> Buildspec:
    """The install and tests of `container_image_buildspec`, and nothing after them: a pull request's code is not
    trusted with the registry or the deploy files, so no image is built or pushed and nothing is written for a
    deploy. The build's parameters and secrets reach it only when `read_build_secrets` says so."""
    return Buildspec(
        parameter_store=dict(build.parameter_store) if read_build_secrets else {},
        secrets_manager=dict(build.secrets_manager) if read_build_secrets else {},
        runtime_versions=dict(build.runtime_versions),
        install=(*(login.command() for login in package_logins), *build.install_commands),
        build=build.test_commands,
        reports=(
            (Report(coverage_report_group, (build.coverage_report,), "CLOVERXML"),) if build.coverage_report else ()
        ),
        cache_paths=build.cache_paths if build.cache != "none" else (),
    )


def function_package_buildspec(
    build: Build,
    function: Function,
    *,
    coverage_report_group: str,
    package_logins: tuple[PackageLogin, ...] = (),
) -> Buildspec:
    """A function service's build: install, test, then the package commands, whose zip (`function.package`) is the
    build's one artifact. Nothing is deployed here: the deploy build publishes the package as a version
    (release/function.py). No docker and no registry: the package is a file."""
    return Buildspec(
        parameter_store=dict(build.parameter_store),
        secrets_manager=dict(build.secrets_manager),
        runtime_versions=dict(build.runtime_versions),
        install=(*(login.command() for login in package_logins), *build.install_commands),
        build=(*build.test_commands, *function.package_commands),
        post_build=(
            f"test -f {shlex.quote(function.package)}"
            f" || {{ echo {shlex.quote(function.package + ' was not written by the package commands')} >&2; false; }}",
        ),
        artifacts=(function.package,),
        reports=(
            (Report(coverage_report_group, (build.coverage_report,), "CLOVERXML"),) if build.coverage_report else ()
        ),
        cache_paths=build.cache_paths if build.cache != "none" else (),
    )
