"""The pipeline's actions, as the deployed pipeline defines them (GetPipeline), each a timeline step made of the
calls AWS documents for that action type (tooling/rehearsal/steps.py names the pages).

moto 5.2.5 stores pipelines but runs none (no StartPipelineExecution, no PutApprovalResult), so the project walks
the stages in order and makes each action's calls itself, with the role CodePipeline or CodeBuild would use.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import shutil
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from tooling.rehearsal.actors import RoleActors
from tooling.rehearsal.buildrunner import run_buildspec
from tooling.rehearsal.contracts import Clock
from tooling.rehearsal.steps import doc
from tooling.rehearsal.timeline import RecordingTimeline

# CodePipeline's artifact keys: <pipeline name, 20 chars>/<artifact name, 10 chars>/<random>
# (envconfig.naming ARTIFACT_PREFIX_LENGTH; reference/service_calls.json samples)
ARTIFACT_NAME_LENGTH = 10


class ActionFailed(RuntimeError):
    """A pipeline action failed (not a permission: those raise RehearsalDenied)."""


@dataclass(frozen=True)
class Artifact:
    bucket: str
    key: str
    directory: Path  # unpacked here


def artifact_key(prefix: str, artifact: str) -> str:
    return f"{prefix}/{artifact[:ARTIFACT_NAME_LENGTH]}/{secrets.token_hex(4)}.zip"


def zip_directory(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file() and "node_modules" not in p.parts):
            archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def unzip(data: bytes, directory: Path) -> Path:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(directory)  # noqa: S202 (our own artifact)
    return directory


def artifact_store(pipeline: dict) -> tuple[str, str]:
    """(bucket, KMS key id) of the pipeline's artifact store."""
    store = pipeline["artifactStore"]
    return store["location"], store["encryptionKey"]["id"]


# ----------------------------------------------------------------------------------------------- source
def source(
    actors: RoleActors, timeline: RecordingTimeline, pipeline: dict, prefix: str, app_dir: Path, work: Path
) -> tuple[Artifact, str]:
    """The source action's output: the application's files zipped into the artifact bucket (SSE-KMS with the
    pipeline's key) as the pipeline role. Returns it and the commit id the build resolves."""
    bucket, key_id = artifact_store(pipeline)
    action = pipeline["stages"][0]["actions"][0]
    data = zip_directory(app_dir)
    commit = hashlib.sha1(data).hexdigest()  # noqa: S324 (a commit id's shape, not security)
    key = artifact_key(prefix, action["outputArtifacts"][0]["name"])
    with timeline.step("Source", action["name"], "pipeline", doc("source")):
        connection = action["configuration"].get("ConnectionArn")
        if connection:  # a permission, not an API call: judged only
            actors.check_only("pipeline", "codestar-connections", "UseConnection", {"ConnectionArn": connection})
        s3 = actors.client("pipeline", "s3")
        s3.get_bucket_versioning(Bucket=bucket)  # the artifact store, as CodePipeline checks it
        s3.get_bucket_location(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key=key, Body=data, ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id)
        timeline.note(f"commit {commit[:8]}")
    return Artifact(bucket, key, unzip(data, work / "source")), commit


# ------------------------------------------------------------------------------------------------ build
def start_build(actors: RoleActors, timeline: RecordingTimeline, stage: str, action: dict) -> str:
    """The CodeBuild action as the pipeline role: StartBuild, then BatchGetBuilds (the action polls it)."""
    project = action["configuration"]["ProjectName"]
    with timeline.step(stage, f"{action['name']}: StartBuild", "pipeline", doc("start_build")):
        codebuild = actors.client("pipeline", "codebuild")
        build_id = codebuild.start_build(projectName=project)["build"]["id"]
        codebuild.batch_get_builds(ids=[build_id])
    return build_id


def _project(actors: RoleActors, name: str) -> dict:
    return actors.admin("codebuild").batch_get_projects(names=[name])["projects"][0]


def _codebuild_environment(project: dict, pipeline: dict, build_id: str, commit: str, region: str) -> dict:
    """https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html"""
    return {
        "AWS_DEFAULT_REGION": region,
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_ARN": project["arn"].replace(":project/", ":build/") + ":" + build_id.split(":")[-1],
        "CODEBUILD_BUILD_NUMBER": "1",
        "CODEBUILD_INITIATOR": f"codepipeline/{pipeline['name']}",
        "CODEBUILD_RESOLVED_SOURCE_VERSION": commit,
        "CODEBUILD_BUILD_IMAGE": project["environment"]["image"],
        "CODEBUILD_CI": "true",
        **{v["name"]: v["value"] for v in project["environment"].get("environmentVariables", [])},
    }


def _download(actors: RoleActors, role: str, artifact: Artifact, directory: Path) -> Path:
    body = actors.client(role, "s3").get_object(Bucket=artifact.bucket, Key=artifact.key)["Body"].read()
    return unzip(body, directory)


def run_project(
    actors: RoleActors,
    timeline: RecordingTimeline,
    stage: str,
    action: dict,
    role: str,
    pipeline: dict,
    inputs: dict[str, Artifact],
    commit: str,
    work: Path,
    extra_env: dict[str, str] | None = None,
) -> dict:
    """The project's buildspec (as deployed) over the action's primary input, as the project's role; other
    inputs as CODEBUILD_SRC_DIR_<name>. Returns the project."""
    project = _project(actors, action["configuration"]["ProjectName"])
    build_id = start_build(actors, timeline, stage, action)
    key = "deploy_eks" if role == "eks_deploy" else "buildspec"
    with timeline.step(stage, f"{action['name']}: buildspec", role, doc(key)):
        primary = action["configuration"].get("PrimarySource", action["inputArtifacts"][0]["name"])
        s3 = actors.client(role, "s3")
        for bucket in {artifact.bucket for artifact in inputs.values()}:  # CodeBuild locates the input buckets
            s3.get_bucket_acl(Bucket=bucket)
            s3.get_bucket_location(Bucket=bucket)
        directories = {name: _download(actors, role, artifact, work / name) for name, artifact in inputs.items()}
        env = _codebuild_environment(project, pipeline, build_id, commit, actors.account.region)
        env |= {f"CODEBUILD_SRC_DIR_{name}": str(path) for name, path in directories.items() if name != primary}
        env |= {v["name"]: v["value"] for v in json.loads(action["configuration"].get("EnvironmentVariables", "[]"))}
        env |= extra_env or {}
        cache = S3Cache.of(project)
        if cache:
            cache.download(actors, role, directories[primary])
        result = run_buildspec(
            actors,
            role,
            project["source"]["buildspec"],
            directories[primary],
            work / "codebuild",
            env,
            timeline.current_step(),
        )
        if cache:
            cache.upload(actors, role, directories[primary], project)
        _build_logs(actors, role, project, build_id, result.output)
        timeline.note(", ".join(f"{p.name} {p.status.lower()}" for p in result.phases))
    return project


@dataclass(frozen=True)
class S3Cache:
    """A project's S3 cache, as CodeBuild keeps it with the project's role: downloaded before the install phase
    (the object its last build uploaded), uploaded after the build (a new object under the cache location)
    (https://docs.aws.amazon.com/codebuild/latest/userguide/caching-s3.html)."""

    bucket: str
    prefix: str
    paths: tuple[str, ...]

    LAST: ClassVar[dict[str, str]] = {}  # location -> the object the last build uploaded (CodeBuild's metadata)

    @classmethod
    def of(cls, project: dict) -> S3Cache | None:
        import yaml

        cache = project.get("cache") or {}
        if cache.get("type") != "S3":
            return None
        bucket, _, prefix = cache["location"].partition("/")
        paths = (yaml.safe_load(project["source"]["buildspec"]).get("cache") or {}).get("paths", [])
        return cls(bucket, prefix, tuple(p.split("/", 1)[0] for p in paths if not p.startswith("/")))

    def download(self, actors: RoleActors, role: str, directory: Path) -> None:
        key = self.LAST.get(f"{self.bucket}/{self.prefix}")
        if key:
            data = actors.client(role, "s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                archive.extractall(directory, filter="data")

    def upload(self, actors: RoleActors, role: str, directory: Path, project: dict) -> None:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name in self.paths:
                if (directory / name).exists():
                    archive.add(directory / name, name)
        key = f"{self.prefix}/{secrets.token_hex(16)}"
        actors.client(role, "s3").put_object(
            Bucket=self.bucket,
            Key=key,
            Body=buffer.getvalue(),
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=project["encryptionKey"],
        )
        self.LAST[f"{self.bucket}/{self.prefix}"] = key


def _build_logs(actors: RoleActors, role: str, project: dict, build_id: str, output: str) -> None:
    """CodeBuild writes the build's output to the project's log group with the project's role."""
    group = project.get("logsConfig", {}).get("cloudWatchLogs", {})
    if group.get("status") != "ENABLED":
        return
    logs, stream = actors.client(role, "logs"), build_id.split(":")[-1]
    logs.create_log_stream(logGroupName=group["groupName"], logStreamName=stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now, "message": line} for line in output.splitlines()[-500:] if line] or [
        {"timestamp": now, "message": "(no output)"}
    ]
    logs.put_log_events(logGroupName=group["groupName"], logStreamName=stream, logEvents=events)


def build(
    actors: RoleActors,
    timeline: RecordingTimeline,
    stage: dict,
    pipeline: dict,
    prefix: str,
    source_artifact: Artifact,
    commit: str,
    work: Path,
) -> Artifact:
    """The build stage: the project's buildspec, then its artifacts zipped to the bucket as the build role."""
    action = stage["actions"][0]
    inputs = {action["inputArtifacts"][0]["name"]: source_artifact}
    project = run_project(actors, timeline, stage["name"], action, "build", pipeline, inputs, commit, work)
    source_dir = work / action["inputArtifacts"][0]["name"]
    with timeline.step(stage["name"], f"{action['name']}: UPLOAD_ARTIFACTS", "build", doc("buildspec")):
        import yaml

        files = yaml.safe_load(project["source"]["buildspec"]).get("artifacts", {}).get("files", [])
        output = work / "artifact"
        shutil.rmtree(output, ignore_errors=True)
        output.mkdir(parents=True)
        for name in files:
            shutil.copy(source_dir / name, output / name)
        bucket, _ = artifact_store(pipeline)
        key = artifact_key(prefix, action["outputArtifacts"][0]["name"])
        actors.client("build", "s3").put_object(
            Bucket=bucket,
            Key=key,
            Body=zip_directory(output),
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=project["encryptionKey"],
        )
        uploaded = upload_reports(actors, project, source_dir)
        timeline.note(", ".join([*files, *uploaded]))
    return Artifact(bucket, key, output)


def upload_reports(actors: RoleActors, project: dict, source_dir: Path) -> list[str]:
    """The buildspec's `reports` whose files the build wrote, as CodeBuild uploads them with the build role to the
    report group `<project>-<report name>` (https://docs.aws.amazon.com/codebuild/latest/userguide/report-create.html);
    a declared report without its file is skipped, as CodeBuild does."""
    import yaml

    uploaded = []
    for name, report in (yaml.safe_load(project["source"]["buildspec"]).get("reports") or {}).items():
        if not all((source_dir / path).is_file() for path in report["files"]):
            continue
        group = {"reportGroupArn": actors.account.arn("codebuild", f"report-group/{project['name']}-{name}")}
        coverage = report.get("file-format") in ("CLOVERXML", "COBERTURAXML", "JACOCOXML", "SIMPLECOV")
        for action in ("CreateReportGroup", "CreateReport", "UpdateReport"):
            actors.check_only("build", "codebuild", action, group)
        actors.check_only("build", "codebuild", "BatchPutCodeCoverages" if coverage else "BatchPutTestCases", group)
        uploaded.append(f"report {name}")
    return uploaded


# ------------------------------------------------------------------------------------- deploy (rolling)
def deploy_ecs(
    actors: RoleActors, timeline: RecordingTimeline, clock: Clock, stage: str, action: dict, artifact: Artifact, work
) -> str:
    """The ECS (standard) deploy action as the pipeline role: read imagedefinitions.json, register a task
    definition revision with the new image (and the current revision's tags), update the service; then wait for
    it to be stable. Returns the new task definition ARN."""
    config = action["configuration"]
    cluster, service = config["ClusterName"], config["ServiceName"]
    with timeline.step(stage, f"{action['name']}: ECS deploy", "pipeline", doc("deploy_ecs")):
        files = _download(actors, "pipeline", artifact, work / "deploy-input")
        images = {
            d["name"]: d["imageUri"]
            for d in json.loads((files / config.get("FileName", "imagedefinitions.json")).read_text())
        }
        ecs = actors.client("pipeline", "ecs")
        current = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
        described = ecs.describe_task_definition(taskDefinition=current["taskDefinition"], include=["TAGS"])
        definition = described["taskDefinition"]
        containers = [{**c, "image": images.get(c["name"], c["image"])} for c in definition["containerDefinitions"]]
        kept = (
            "family",
            "taskRoleArn",
            "executionRoleArn",
            "networkMode",
            "volumes",
            "placementConstraints",
            "requiresCompatibilities",
            "cpu",
            "memory",
            "runtimePlatform",
        )
        registered = ecs.register_task_definition(
            **{k: definition[k] for k in kept if definition.get(k)},
            containerDefinitions=containers,
            **({"tags": described["tags"]} if described.get("tags") else {}),
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.update_service(cluster=cluster, service=service, taskDefinition=registered)
        timeline.note(registered.rsplit("/", 1)[-1])
    with timeline.step(stage, f"{action['name']}: wait for a stable service", "pipeline", doc("service_stable")):
        # Stable as far as moto 5.2.5 models it: the service is on the new revision. moto starts no tasks and
        # keeps its first deployment entry, so running counts and the deployment list cannot show a rollout.
        for _ in range(10):
            described = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
            if described["taskDefinition"] == registered and described["status"] == "ACTIVE":
                break
            clock.wait_minutes(0.25)  # the action polls every 15 seconds
        else:
            raise ActionFailed(f"{service} did not move to {registered}")
        timeline.note(f"on {registered.rsplit('/', 1)[-1]}; moto runs no tasks ({described['runningCount']} running)")
    task_pull(actors, timeline, stage, action["name"], registered)
    return registered


def task_pull(actors: RoleActors, timeline: RecordingTimeline, stage: str, action: str, task_definition: str) -> None:
    """What the ECS agent does for a new task with the task execution role: pull the image, open its log stream."""
    definition = actors.admin("ecs").describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    with timeline.step(stage, f"{action}: tasks pull and log", "task_execution", doc("task_pull")):
        ecr, logs = actors.client("task_execution", "ecr"), actors.client("task_execution", "logs")
        for container in definition["containerDefinitions"]:
            repository, tag = container["image"].split("/", 1)[1].rsplit(":", 1)
            ecr.get_authorization_token()
            found = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": tag}])
            if not found["images"]:
                raise ActionFailed(f"CannotPullContainerError: {container['image']} not found")
            manifest = json.loads(found["images"][0]["imageManifest"])
            for layer in manifest.get("layers", []):  # moto 5.2.5 has no GetDownloadUrlForLayer: judged only
                layer_call = {"repositoryName": repository, "layerDigest": layer["digest"]}
                actors.check_only("task_execution", "ecr", "GetDownloadUrlForLayer", layer_call)
            options = container["logConfiguration"]["options"]
            stream = f"{options['awslogs-stream-prefix']}/{container['name']}/{secrets.token_hex(16)}"
            logs.create_log_stream(logGroupName=options["awslogs-group"], logStreamName=stream)
            logs.put_log_events(
                logGroupName=options["awslogs-group"],
                logStreamName=stream,
                logEvents=[{"timestamp": int(time.time() * 1000), "message": "rehearsal: task started"}],
            )
        timeline.note(", ".join(c["image"].rsplit("/", 1)[-1] for c in definition["containerDefinitions"]))


# ------------------------------------------------------------------------------------------- approval
@dataclass(frozen=True)
class Subscriber:
    queue_url: str


def subscribe(actors: RoleActors, topic_arn: str, name: str) -> Subscriber:
    """A queue subscribed to the approval topic (admin, before the rehearsal): stands for the approvers' email."""
    sqs = actors.admin("sqs")
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    actors.admin("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    sqs.purge_queue(QueueUrl=queue_url)  # an earlier rehearsal's notifications
    return Subscriber(queue_url)


def approval(
    actors: RoleActors, timeline: RecordingTimeline, stage: str, action: dict, pipeline: dict, subscriber: Subscriber
) -> None:
    """The manual approval: CodePipeline publishes its notification (the JSON AWS documents) to the action's topic
    as the pipeline role; a subscriber must receive it; then an approver approves (PutApprovalResult: not in
    moto 5.2.5, recorded as orchestrated)."""
    config = action["configuration"]
    token = secrets.token_hex(16)
    with timeline.step(stage, f"{action['name']}: notify approvers", "pipeline", doc("approval")):
        message = {
            "region": actors.account.region,
            "consoleLink": "",
            "approval": {
                "pipelineName": pipeline["name"],
                "stageName": stage,
                "actionName": action["name"],
                "token": token,
                "expires": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() + 7 * 86400)),
                "customData": config.get("CustomData", ""),
            },
        }
        actors.client("pipeline", "sns").publish(
            TopicArn=config["NotificationArn"],
            Subject=f"APPROVAL NEEDED: AWS CodePipeline {pipeline['name']} for action {action['name']}",
            Message=json.dumps(message),
        )
        sqs = actors.admin("sqs")
        received = sqs.receive_message(QueueUrl=subscriber.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = received.get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=subscriber.queue_url, ReceiptHandle=message["ReceiptHandle"])
        bodies = [json.loads(json.loads(m["Body"])["Message"]) for m in messages]
        if not any(b.get("approval", {}).get("token") == token for b in bodies):
            raise ActionFailed("the approval notification did not reach the topic's subscriber")
        timeline.note("subscriber received it; approved")
