"""`docker`, `aws` and `kubectl` for the rehearsal's build shell: no Docker daemon, AWS CLI or cluster here.

    python -m tooling.rehearsal.recorder docker|aws|kubectl ARGS...    (what the build's PATH runs)

They do what the buildspec's commands need, as the build role (its credentials in the environment; every call
checked like the in-process clients, tooling/rehearsal/actors.py), and append each call to $REHEARSAL_CALLS:
  docker login        reads the password (from `aws ecr get-login-password`) and checks it is the registry's;
  docker build        records the image: the context as one layer, a config blob, and their manifest;
  docker push         the registry's upload calls for missing blobs, then ecr:PutImage of the manifest (so the
                      repository's tag immutability is the emulator's);
  aws ecr get-login-password / describe-images      the ECR calls, answered as the AWS CLI does (exit 254 on error);
  aws codeartifact login / get-authorization-token  checked by the evaluator only: moto 5.2.5 has no CodeArtifact;
  aws eks update-kubeconfig                          eks:DescribeCluster, the cluster's version kept for kubectl;
  kubectl apply / rollout status                     no cluster: the manifests validated against the Kubernetes API
                                                     schemas of that version (kubernetes-validate), offline.
A denied call prints the one-line denial, records it and exits 3.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
from pathlib import Path

from botocore.exceptions import ClientError

from envconfig.account import Account
from tooling.rehearsal.actors import CallRecord, Identity, RoleActors
from tooling.rehearsal.contracts import RehearsalDenied

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DENIED_EXIT = 3
CLI_ERROR_EXIT = 254  # the AWS CLI's exit status for a service error


def actors_from_environment() -> tuple[RoleActors, str]:
    """The build role's actors, from the file the build runner wrote ($REHEARSAL_ACTOR)."""
    spec = json.loads(Path(os.environ["REHEARSAL_ACTOR"]).read_text())
    calls = Path(os.environ["REHEARSAL_CALLS"])

    def on_call(record: CallRecord) -> None:
        with calls.open("a") as log:
            log.write(json.dumps(record.to_json()) + "\n")

    identity = Identity(spec["role"], spec["name"], spec["credentials"], spec["policies"])
    actors = RoleActors(
        spec["endpoint"],
        Account(spec["account_id"], spec["region"]),
        {spec["role"]: identity},
        spec["admin_keys"],
        current_step=lambda: os.environ.get("REHEARSAL_STEP", "-"),
        on_call=on_call,
    )
    return actors, spec["role"]


def _images() -> Path:
    directory = Path(os.environ["REHEARSAL_DOCKER_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _image_file(reference: str) -> Path:
    return _images() / (hashlib.sha256(reference.encode()).hexdigest()[:16] + ".json")


def _digest(blob: bytes) -> str:
    return f"sha256:{hashlib.sha256(blob).hexdigest()}"


def docker(args: list[str], actors: RoleActors, role: str) -> int:
    command = args[0] if args else ""
    if command == "login":
        password = sys.stdin.read().strip()
        token = actors.client(role, "ecr").get_authorization_token()["authorizationData"][0]["authorizationToken"]
        if base64.b64decode(token).decode().split(":", 1)[1] != password:
            print("Error response from daemon: login attempt failed: unauthorized", file=sys.stderr)
            return 1
        print("Login Succeeded")
        return 0
    if command == "build":
        tag, context = args[args.index("-t") + 1], Path(args[-1])
        if not (context / "Dockerfile").is_file():
            print(f"ERROR: failed to read dockerfile: open {context / 'Dockerfile'}: no such file", file=sys.stderr)
            return 1
        layer = io.BytesIO()
        with tarfile.open(fileobj=layer, mode="w:gz") as archive:  # the context as one layer, reproducibly
            for path in sorted(p for p in context.rglob("*") if p.is_file() and "node_modules" not in p.parts):
                info = archive.gettarinfo(str(path), str(path.relative_to(context)))
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                with path.open("rb") as data:
                    archive.addfile(info, data)
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}).encode()
        for blob in (layer.getvalue(), config):
            _image_file(_digest(blob)).with_suffix(".blob").write_bytes(blob)
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "size": len(config), "digest": _digest(config)},
            "layers": [{"mediaType": LAYER_TYPE, "size": len(layer.getvalue()), "digest": _digest(layer.getvalue())}],
        }
        _image_file(tag).write_text(json.dumps(manifest))
        print(f"naming to {tag} done")
        return 0
    if command == "push":
        reference = args[1]
        image = _image_file(reference)
        if not image.exists():
            print(f"An image does not exist locally with the tag: {reference}", file=sys.stderr)
            return 1
        repository, tag = reference.split("/", 1)[1].rsplit(":", 1)
        manifest, ecr = json.loads(image.read_text()), actors.client(role, "ecr")
        digests = [manifest["config"]["digest"], *(layer["digest"] for layer in manifest["layers"])]
        try:
            # docker push: blobs the registry lacks are uploaded, then the manifest is put under the tag
            # (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push.html)
            found = ecr.batch_check_layer_availability(repositoryName=repository, layerDigests=digests)
            missing = [layer["layerDigest"] for layer in found["layers"] if layer["layerAvailability"] != "AVAILABLE"]
            missing += [failure["layerDigest"] for failure in found.get("failures", [])]
            for digest in dict.fromkeys(missing):
                blob = _image_file(digest).with_suffix(".blob").read_bytes()
                upload = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
                ecr.upload_layer_part(
                    repositoryName=repository,
                    uploadId=upload,
                    partFirstByte=0,
                    partLastByte=len(blob) - 1,
                    layerPartBlob=blob,
                )
                ecr.complete_layer_upload(repositoryName=repository, uploadId=upload, layerDigests=[digest])
            ecr.put_image(repositoryName=repository, imageTag=tag, imageManifest=image.read_text())
        except ClientError as err:
            print(f"{err.response['Error']['Code']}: {err.response['Error']['Message']}", file=sys.stderr)
            return 1
        print(f"{tag}: digest: pushed")
        return 0
    print(f"recorder: docker {command} is not something the buildspec runs", file=sys.stderr)
    return 2


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def aws(args: list[str], actors: RoleActors, role: str) -> int:
    service, command = args[0], args[1]
    try:
        if (service, command) == ("ecr", "get-login-password"):
            data = actors.client(role, "ecr").get_authorization_token()["authorizationData"][0]
            print(base64.b64decode(data["authorizationToken"]).decode().split(":", 1)[1])
            return 0
        if (service, command) == ("ecr", "describe-images"):
            tag = _option(args, "--image-ids").split("=", 1)[1]
            found = actors.client(role, "ecr").describe_images(
                repositoryName=_option(args, "--repository-name"), imageIds=[{"imageTag": tag}]
            )
            print(json.dumps(found["imageDetails"], default=str))
            return 0
        if (service, command) == ("eks", "update-kubeconfig"):
            cluster = actors.client(role, "eks").describe_cluster(name=_option(args, "--name"))["cluster"]
            kubeconfig = Path(os.environ["HOME"]) / ".kube" / "config"
            kubeconfig.parent.mkdir(parents=True, exist_ok=True)
            kubeconfig.write_text(json.dumps({"cluster": cluster["name"], "version": cluster["version"]}))
            print(f"Added new context {cluster['arn']} to {kubeconfig}")
            return 0
        if service == "codeartifact" and command in ("login", "get-authorization-token"):
            domain, owner = _option(args, "--domain"), _option(args, "--domain-owner")
            actors.check_only(role, "codeartifact", "GetAuthorizationToken", {"domain": domain, "domainOwner": owner})
            if command == "login":
                repository = _option(args, "--repository")
                actors.check_only(
                    role, "codeartifact", "GetRepositoryEndpoint", {"domain": domain, "repository": repository}
                )
                print(
                    f"Successfully configured {_option(args, '--tool')} to use AWS CodeArtifact repository (rehearsal)"
                )
            else:
                print("rehearsal-codeartifact-token")
            return 0
    except ClientError as err:
        error = err.response["Error"]
        print(
            f"An error occurred ({error['Code']}) when calling the {err.operation_name} operation: {error['Message']}",
            file=sys.stderr,
        )
        return CLI_ERROR_EXIT
    print(f"recorder: aws {service} {command} is not something the buildspec runs", file=sys.stderr)
    return 2


def kubectl(args: list[str], actors: RoleActors, role: str) -> int:
    """No cluster: `apply` validates what it would send against the cluster version's Kubernetes API schemas
    (kubernetes-validate, strict: unknown fields fail), `rollout status` reports it rolled out."""
    import kubernetes_validate
    import yaml

    kubeconfig = Path(os.environ["HOME"]) / ".kube" / "config"
    if args[:2] == ["version", "--client"]:
        print("Client Version: v1 (rehearsal: manifests validated offline)")
        return 0
    if not kubeconfig.exists():
        print("error: no kubeconfig: run `aws eks update-kubeconfig` first", file=sys.stderr)
        return 1
    version = json.loads(kubeconfig.read_text())["version"]
    if args[0] == "apply":
        directory = Path(args[args.index("-f") + 1])
        for path in sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml", ".json")):
            for document in filter(None, yaml.safe_load_all(path.read_text())):
                try:
                    kubernetes_validate.validate(document, f"{version}.0", strict=True)
                except kubernetes_validate.ValidationError as err:
                    print(f"error: {path.name}: {err.message} (Kubernetes {version} schema)", file=sys.stderr)
                    return 1
                print(f"{document['kind'].lower()}/{document['metadata']['name']} configured (validated, {version})")
        return 0
    if args[0] == "rollout":
        print(f"{args[2]} successfully rolled out (rehearsal: no cluster; manifests validated at apply)")
        return 0
    print(f"recorder: kubectl {args[0]} is not something the deploy buildspec runs", file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    tool, args = argv[0], argv[1:]
    actors, role = actors_from_environment()
    try:
        return {"docker": docker, "aws": aws, "kubectl": kubectl}[tool](args, actors, role)
    except RehearsalDenied as denied:
        print(denied, file=sys.stderr)
        with Path(os.environ["REHEARSAL_CALLS"]).open("a") as log:
            log.write(json.dumps({"denied": str(denied)}) + "\n")
        return DENIED_EXIT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
