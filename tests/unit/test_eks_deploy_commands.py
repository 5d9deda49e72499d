"""The EKS deploy project's commands, run for real: the buildspec's phases in a POSIX shell (dash here,
stricter than the bash CodeBuild's Amazon Linux image runs them with), with stub `aws` and `kubectl` on
PATH, over a manifest directory like an application repository's `k8s/`.

The kubectl stub reads a directory as kubectl documents it for `apply -f <dir>`: the *.json, *.yaml and
*.yml files directly in it (subdirectories only with --recursive)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from modules.eks.deploy import MANIFEST_EXTENSIONS, eks_deploy_buildspec

pytestmark = pytest.mark.skipif(not shutil.which("jq"), reason="jq (on the CodeBuild standard image) is not here")

REGISTRY = "222222222222.dkr.ecr.eu-west-1.amazonaws.com"
IMAGE_URI = f"{REGISTRY}/acme-app:1a2b3c4"

STUB = """#!{python}
import os, shutil, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(" ".join([Path(sys.argv[0]).name, *args]) + "\\n")
if Path(sys.argv[0]).name == "kubectl" and args[0] == "apply":
    directory = Path(args[args.index("-f") + 1])
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.suffix in (".json", ".yaml", ".yml"):
            shutil.copy(path, os.environ["APPLIED_DIR"])
"""


def deployment(image: str) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {
                "metadata": {"labels": {"app": "app"}},
                "spec": {"containers": [{"name": "app", "image": image, "ports": [{"containerPort": 80}]}]},
            },
        },
    }


def cronjob(image: str) -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "app-cleanup"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "cleanup", "image": image}]}
                    }
                }
            },
        },
    }


def config_map(version: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-release"}, "data": {"version": version}}


def write_manifests(directory: Path, image: str, version: str) -> None:
    """One file per extension kubectl reads, plus files it does not read (which must stay untouched)."""
    (directory / "sub").mkdir(parents=True)
    (directory / "deployment.yaml").write_text(yaml.safe_dump(deployment(image)))
    (directory / "cronjob.yml").write_text(yaml.safe_dump(cronjob(image)))
    (directory / "release.json").write_text(json.dumps(config_map(version)))
    (directory / "NOTES.md").write_text(f"image: {image}\n")
    (directory / "sub" / "other.yaml").write_text(yaml.safe_dump(deployment(image)))


def shipped_buildspec(stack_config, stack: str) -> dict:
    """The deploy project's buildspec as Terraform passes it to CodeBuild (`$${` is Terraform's escaped `${`)."""
    [project] = stack_config[stack]["resource"]["aws_codebuild_project"].values()
    return yaml.safe_load(project["source"]["buildspec"].replace("$${", "${").replace("%%{", "%{"))


def run_deploy(
    spec: dict, tmp_path: Path, deployment_name: str = "app", image_detail: dict | None = None
) -> tuple[subprocess.CompletedProcess, Path]:
    """Every phase's commands, in order, in one shell (variables carry over, as in CodeBuild), stopping at the
    first command whose exit status is not 0 (CodeBuild checks each command's; on-failure ABORT). The source
    checkout is the working directory, as in CodeBuild."""
    stubs, applied, build_output = tmp_path / "stubs", tmp_path / "applied", tmp_path / "build-output"
    for directory in (stubs, applied, build_output):
        directory.mkdir()
    for tool in ("aws", "kubectl"):
        (stubs / tool).write_text(STUB.format(python=sys.executable))
        (stubs / tool).chmod(0o755)
    (build_output / "imageDetail.json").write_text(
        json.dumps({"ImageURI": IMAGE_URI} if image_detail is None else image_detail)
    )
    commands = [
        command
        for phase in ("install", "pre_build", "build", "post_build")
        for command in spec["phases"].get(phase, {}).get("commands", [])
    ]
    env = {
        **{name: str(value) for name, value in spec["env"]["variables"].items()},
        "PATH": f"{stubs}:/usr/bin:/bin",
        "STUB_LOG": str(tmp_path / "calls.log"),
        "APPLIED_DIR": str(applied),
        "AWS_DEFAULT_REGION": "eu-west-1",
        "CODEBUILD_SRC_DIR_BuildOutput": str(build_output),
        "DEPLOYMENT": deployment_name,
    }
    script = "".join(f"{command}\nstatus=$?; [ $status -eq 0 ] || exit $status\n" for command in commands)
    result = subprocess.run(
        ["sh", "-c", script], cwd=tmp_path / "source", env=env, capture_output=True, text=True, timeout=60
    )
    return result, applied


def calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize("stack", ["staging-eks", "prod-eks"])
def test_the_shipped_deploy_replaces_the_tag_in_every_manifest_kubectl_applies(stack_config, catalog, stack, tmp_path):
    eks = catalog.by_name[stack.removesuffix("-eks")].eks
    spec = shipped_buildspec(stack_config, stack)
    assert (spec["env"]["variables"]["IMAGE_PLACEHOLDER"], eks.image_placeholder_mode) == ("IMAGE_TAG", "tag")
    manifests = tmp_path / "source" / spec["env"]["variables"]["MANIFEST_DIR"]
    write_manifests(manifests, f"{REGISTRY}/acme-app:IMAGE_TAG", "IMAGE_TAG")  # the seed's convention
    result, applied = run_deploy(spec, tmp_path)
    assert result.returncode == 0, result.stderr

    assert sorted(path.name for path in applied.iterdir()) == sorted(
        f"{name}{extension}"
        for name, extension in zip(("deployment", "cronjob", "release"), MANIFEST_EXTENSIONS, strict=True)
    )
    assert yaml.safe_load((applied / "deployment.yaml").read_text()) == deployment(IMAGE_URI)
    assert yaml.safe_load((applied / "cronjob.yml").read_text()) == cronjob(IMAGE_URI)
    assert json.loads((applied / "release.json").read_text()) == config_map("1a2b3c4")
    assert (manifests / "NOTES.md").read_text() == f"image: {REGISTRY}/acme-app:IMAGE_TAG\n"  # not a manifest
    assert "IMAGE_TAG" in (manifests / "sub" / "other.yaml").read_text()  # kubectl does not read it either
    cluster, namespace = spec["env"]["variables"]["EKS_CLUSTER_NAME"], eks.deploy_namespace
    assert calls(tmp_path) == [
        "kubectl version --client",
        f"aws eks update-kubeconfig --name {cluster} --region eu-west-1",
        f"kubectl apply --namespace {namespace} -f k8s/",
        f"kubectl rollout status deployment/app --namespace {namespace} --timeout=5m",
    ]


def test_uri_mode_replaces_the_whole_image_reference(tmp_path):
    spec = eks_deploy_buildspec(
        cluster="c", namespace="n", image_placeholder="APP_IMAGE", placeholder_mode="uri"
    ).to_dict()
    write_manifests(tmp_path / "source" / "k8s", "APP_IMAGE", "v1")
    result, applied = run_deploy(spec, tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((applied / "deployment.yaml").read_text()) == deployment(IMAGE_URI)
    assert yaml.safe_load((applied / "cronjob.yml").read_text()) == cronjob(IMAGE_URI)


def test_manifests_without_the_placeholder_fail_before_kubectl_applies_anything(tmp_path):
    """Applying them would roll out whatever image they name, and rollout status would call it a success."""
    spec = eks_deploy_buildspec(cluster="c", namespace="n").to_dict()
    write_manifests(tmp_path / "source" / "k8s", f"{REGISTRY}/acme-app:v1", "v1")
    result, applied = run_deploy(spec, tmp_path)
    assert result.returncode != 0
    assert "no manifest in k8s/ contains IMAGE_TAG" in result.stderr
    assert not any(call.startswith("kubectl apply") for call in calls(tmp_path))
    assert not list(applied.iterdir())


@pytest.mark.parametrize(
    "deployment_name,image_detail",
    [("app", {}), ("app", {"ImageURI": ""}), ("", None)],
    ids=["no-image-uri", "empty-image-uri", "no-deployment"],
)
def test_a_deploy_without_an_image_or_a_deployment_stops_before_kubectl_apply(tmp_path, deployment_name, image_detail):
    spec = eks_deploy_buildspec(cluster="c", namespace="n").to_dict()
    write_manifests(tmp_path / "source" / "k8s", f"{REGISTRY}/acme-app:IMAGE_TAG", "v1")
    result, _ = run_deploy(spec, tmp_path, deployment_name=deployment_name, image_detail=image_detail)
    assert result.returncode != 0
    assert not any(call.startswith("kubectl apply") for call in calls(tmp_path))


def test_the_rendered_manifests_are_valid_kubernetes_objects(tmp_path, catalog):
    """Offline schema check of what kubectl receives (kubernetes-validate: the API's OpenAPI schemas, strict)."""
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    spec = eks_deploy_buildspec(cluster="c", namespace="n").to_dict()
    write_manifests(tmp_path / "source" / "k8s", f"{REGISTRY}/acme-app:IMAGE_TAG", "IMAGE_TAG")
    result, applied = run_deploy(spec, tmp_path)
    assert result.returncode == 0, result.stderr
    version = f"{catalog.by_name['staging'].eks.kubernetes_version}.0"
    for path in sorted(applied.iterdir()):
        document = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
        kubernetes_validate.validate(document, version, strict=True)
