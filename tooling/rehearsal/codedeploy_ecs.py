"""A blue/green release as CodePipeline's CodeDeployToECS action and CodeDeploy's ECS lifecycle make it.

moto has CodeDeploy's API but runs no deployment, so this module makes the lifecycle's calls itself, in the
order AWS documents, with the acting roles' clients (`Actors`): the pipeline role for the action, the deployment
group's service role for the lifecycle, the hooks role for the hook functions. Where AWS acts on its own (not
with a customer role) no client is used:
- CodeDeploy's own records (the deployment's AppSpec, its group's settings, the hooks' reports) are read from
  the emulator patch `codedeploy-lifecycle-hook-status` (/moto-api/codedeploy/records);
- ECS starts the task set's tasks (inside CreateTaskSet);
- Lambda runs the hook function: the real code (modules/ecs/hook_code/validate.py) in a subprocess with the hooks
  role's credentials, because moto's Lambda needs Docker; the codedeploy role's lambda:InvokeFunction is still
  called and checked, as a DryRun invocation (patch `lambda-invoke-dry-run`). The hook code's own calls (its
  PutLifecycleEventHookExecutionStatus) are recorded in the subprocess by botocore's events and judged after
  they were answered (`Actors.made`): moto checked them at action level when made, the evaluator at resource
  level when the hook returns, before its status counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from envconfig.loader import load_environment
from envconfig.naming import EnvironmentNames
from modules.ecs.deploy_hooks import HOOK_CODE
from release.deployment_config import PREDEFINED
from release.model import IMAGE_PLACEHOLDER, TASK_DEFINITION_PLACEHOLDER, release_spec
from tooling.rehearsal.contracts import TRAFFIC_INTERVAL, Actors, Clock, DeploymentOutcome, Timeline
from tooling.rehearsal.steps import doc

ACTION_DOC = doc("bluegreen_action")
LIFECYCLE_DOC = doc("bluegreen_lifecycle")
HOOKS_DOC = doc("bluegreen_hooks") + "#reference-appspec-file-structure-hooks-list-ecs"
CONFIGS_DOC = doc("bluegreen_traffic")
ROLLBACK_DOC = doc("bluegreen_rollback")
STAGE = "Deploy (CodeDeploy)"  # the timeline's stage when the caller names none (the pipeline's stage name)

# The ECS lifecycle events that accept a hook (HOOKS_DOC); the others CodeDeploy runs itself.
HOOK_EVENTS = ("BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic")
HOOK_TIMEOUT_SECONDS = 60.0  # the rehearsal's bound on one hook run (AWS waits up to an hour for its report)
HOOK_ATTEMPTS = 3  # the hook code's CHECK_ATTEMPTS (its default, 10, only makes a failing check slower)
# Run before the hook code in its subprocess: each of its boto3 calls (service, operation, parameters, HTTP status,
# parsed error) written as one JSON line to $REHEARSAL_CALLS, for `Actors.made` to judge and record.
RECORD_CALLS = """
import json, os, boto3
def _keep(params, context, **_):
    context["rehearsal_params"] = dict(params)
def _record(http_response, parsed, model, context, **_):
    error = (parsed or {}).get("Error", {}) if http_response.status_code >= 300 else {}
    call = [model.service_model.service_name, model.name, context.get("rehearsal_params", {}),
            http_response.status_code, error]
    with open(os.environ["REHEARSAL_CALLS"], "a") as calls:
        calls.write(json.dumps(call, default=str) + "\\n")
boto3.setup_default_session()
boto3.DEFAULT_SESSION.events.register("provide-client-params", _keep)
boto3.DEFAULT_SESSION.events.register("after-call", _record)
"""


@dataclass(frozen=True)
class TrafficStep:
    green_percent: int  # production traffic on the replacement task set after this shift
    wait_minutes: int  # how long CodeDeploy waits (watching the alarms) before the next shift


def traffic_steps(config_name: str) -> tuple[TrafficStep, ...]:
    """The production traffic shifts of a predefined ECS deployment configuration (CONFIGS_DOC): canary shifts
    its percentage, waits its interval, then shifts the rest; linear shifts its percentage every interval until
    all traffic is shifted; all-at-once shifts everything."""
    shapes = {name: shape for shape, name in PREDEFINED.items()}
    if config_name not in shapes:
        raise ValueError(f"{config_name}: not a predefined ECS deployment configuration")
    traffic, percent, interval = shapes[config_name]
    if traffic == "all_at_once":
        return (TrafficStep(100, 0),)
    if traffic == "canary":
        return (TrafficStep(percent, interval), TrafficStep(100, 0))
    shares = list(range(percent, 100, percent)) + [100]
    return tuple(TrafficStep(share, interval if share < 100 else 0) for share in shares)


class HookServer:
    """The listener the hooks check, standing for the ALB: GET /<anything> answers 200, or 500 when `healthy` is
    False (the failing release)."""

    def __init__(self) -> None:
        self.healthy = True
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                self.send_response(200 if server.healthy else 500)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def start_codedeploy_to_ecs(
    actors: Actors, timeline: Timeline, artifact_dir: Path, env: str, service: str, stage: str = STAGE
) -> str:
    """The CodeDeployToECS action (ACTION_DOC) with the pipeline role: the task definition template with the
    image from imageDetail.json registered, the AppSpec naming it, the deployment created. Returns its id.

    AWS authorizes RegisterTaskDefinition also as iam:PassRole on the definition's execution and task roles
    (iam:PassedToService ecs-tasks.amazonaws.com), as it does CreateTaskSet for the CodeDeploy role: no call of
    its own, so the acting roles' `Actors` evaluate it with the call."""
    environment = load_environment(env)
    spec = next(s for s in environment.services if s.name == service)
    names, release = EnvironmentNames(environment).service(spec), release_spec(environment, spec)
    with timeline.step(stage, "CodeDeployToECS: register the task definition", "pipeline", doc=ACTION_DOC):
        image = json.loads((artifact_dir / "imageDetail.json").read_text())["ImageURI"]
        template = (artifact_dir / release.taskdef_file).read_text()
        task_definition = json.loads(template.replace(IMAGE_PLACEHOLDER, image))
        registered = actors.client("pipeline", "ecs").register_task_definition(**task_definition)
        arn = registered["taskDefinition"]["taskDefinitionArn"]
    with timeline.step(stage, "CodeDeployToECS: create the deployment", "pipeline", doc=ACTION_DOC):
        appspec = (artifact_dir / release.appspec_file).read_text().replace(TASK_DEFINITION_PLACEHOLDER, arn)
        codedeploy = actors.client("pipeline", "codedeploy")
        deployment_id = codedeploy.create_deployment(
            applicationName=names.codedeploy_application,
            deploymentGroupName=names.deployment_group,
            revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec}},
        )["deploymentId"]
        codedeploy.get_deployment(deploymentId=deployment_id)  # the action follows the deployment's status
    return deployment_id


class _Failed(Exception):
    def __init__(self, event: str, reason: str, rollback_event: str):
        super().__init__(reason)
        self.event, self.reason, self.rollback_event = event, reason, rollback_event


@dataclass
class _Deployment:
    """What CodeDeploy knows when the lifecycle starts: its records and what it read from ECS and ELB."""

    id: str
    endpoint: str
    appspec: dict
    group: dict
    config_name: str
    cluster: str = ""
    service: str = ""
    original_task_set: str = ""
    replacement_task_set: str = ""
    original_target_group: str = ""
    replacement_target_group: str = ""
    health_check_path: str = "/"
    network: dict | None = None
    stage: str = STAGE

    @property
    def target(self) -> dict:
        return self.appspec["Resources"][0]["TargetService"]["Properties"]

    @property
    def hooks(self) -> dict[str, str]:
        hooks = {event: function for hook in self.appspec.get("Hooks", []) for event, function in hook.items()}
        unknown = sorted(set(hooks) - set(HOOK_EVENTS))
        if unknown:  # CodeDeploy refuses such an AppSpec
            raise ValueError(f"AppSpec hooks {unknown}: an ECS deployment's hooks are {', '.join(HOOK_EVENTS)}")
        return hooks

    @property
    def routes(self) -> dict:
        return self.group["loadBalancerInfo"]["targetGroupPairInfoList"][0]

    def hook_status(self, execution: str) -> str:
        return _records(self.endpoint, self.id)["deployment"]["hookStatuses"].get(execution, "")


def _records(endpoint: str, deployment_id: str, status: str = "") -> dict:
    """CodeDeploy's own records of a deployment (emulator patch `codedeploy-lifecycle-hook-status`); with
    `status`, the deployment's new status (what GetDeployment reports to the pipeline)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/codedeploy/records?deployment={deployment_id}",
        data=json.dumps({"status": status}).encode() if status else None,
        method="POST" if status else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the emulator's loopback URL)
        return json.loads(response.read())


def group_alarms(endpoint: str, deployment_id: str) -> list[str]:
    """The alarms of the deployment's group (CodeDeploy's records), watched when the group enables them."""
    alarms = _records(endpoint, deployment_id)["deploymentGroup"]["alarmConfiguration"]
    return [alarm["name"] for alarm in alarms.get("alarms", [])] if alarms.get("enabled") else []


def run_ecs_lifecycle(
    actors: Actors, timeline: Timeline, clock: Clock, deployment_id: str, hook_server_url: str, stage: str = STAGE
) -> DeploymentOutcome:
    """CodeDeploy's ECS blue/green deployment (LIFECYCLE_DOC) with the deployment group's service role: each
    lifecycle event in order, a failed hook or an alarm in ALARM rolling back when the group says so."""
    endpoint = actors.credentials("codedeploy")["AWS_ENDPOINT_URL"]
    records = _records(endpoint, deployment_id)
    revision = records["deployment"]["revision"]["appSpecContent"]["content"]
    deployment = _Deployment(
        deployment_id, endpoint, yaml.safe_load(revision), records["deploymentGroup"],
        records["deployment"]["deploymentConfigName"], stage=stage,
    )  # fmt: skip
    ecs, elbv2 = actors.client("codedeploy", "ecs"), actors.client("codedeploy", "elbv2")
    with timeline.step(
        deployment.stage, "Start: read the service, its target groups and listeners", "codedeploy", LIFECYCLE_DOC
    ):
        _discover(deployment, ecs, elbv2)
    _records(endpoint, deployment_id, "InProgress")
    installed = False
    try:
        _hook(actors, timeline, clock, deployment, "BeforeInstall", hook_server_url)
        with timeline.step(
            deployment.stage,
            "Install: replacement task set on the replacement target group",
            "codedeploy",
            LIFECYCLE_DOC,
        ):
            _install(deployment, ecs)
            installed = True
        _hook(actors, timeline, clock, deployment, "AfterInstall", hook_server_url)
        with timeline.step(
            deployment.stage, "AllowTestTraffic: test listener to the replacement", "codedeploy", LIFECYCLE_DOC
        ):
            for listener in deployment.routes.get("testTrafficRoute", {}).get("listenerArns", []):
                _forward(elbv2, listener, {deployment.replacement_target_group: 1})
        _hook(actors, timeline, clock, deployment, "AfterAllowTestTraffic", hook_server_url)
        _hook(actors, timeline, clock, deployment, "BeforeAllowTraffic", hook_server_url)
        _allow_traffic(actors, timeline, clock, deployment, elbv2)
        _hook(actors, timeline, clock, deployment, "AfterAllowTraffic", hook_server_url)
    except _Failed as failed:
        rollback = deployment.group.get("autoRollbackConfiguration") or {}
        if installed and rollback.get("enabled") and failed.rollback_event in rollback.get("events", []):
            _roll_back(timeline, deployment, ecs, elbv2)
        _records(endpoint, deployment_id, "Failed")
        return DeploymentOutcome("Failed", failed.event, failed.reason)
    _finish(timeline, clock, deployment, ecs)
    _records(endpoint, deployment_id, "Succeeded")
    return DeploymentOutcome("Succeeded")


def _discover(deployment: _Deployment, ecs, elbv2) -> None:
    service = deployment.group["ecsServices"][0]
    deployment.cluster, deployment.service = service["clusterName"], service["serviceName"]
    described = ecs.describe_services(cluster=deployment.cluster, services=[deployment.service])["services"][0]
    primary = next(s for s in described.get("taskSets", []) if s["status"] == "PRIMARY")
    deployment.original_task_set = primary["taskSetArn"]
    deployment.network = described.get("networkConfiguration") or primary.get("networkConfiguration")
    names = [group["name"] for group in deployment.routes["targetGroups"]]
    groups = elbv2.describe_target_groups(Names=names)["TargetGroups"]
    deployment.original_target_group = primary["loadBalancers"][0]["targetGroupArn"]
    replacement = next(g for g in groups if g["TargetGroupArn"] != deployment.original_target_group)
    deployment.replacement_target_group = replacement["TargetGroupArn"]
    deployment.health_check_path = replacement.get("HealthCheckPath") or "/"
    routes = deployment.routes
    listeners = [
        *routes["prodTrafficRoute"]["listenerArns"],
        *routes.get("testTrafficRoute", {}).get("listenerArns", []),
    ]
    elbv2.describe_listeners(ListenerArns=listeners)
    pair = {deployment.original_target_group, deployment.replacement_target_group}
    for listener in listeners:  # CodeDeploy shifts rules that forward to the pair too; this project has none
        for rule in elbv2.describe_rules(ListenerArn=listener)["Rules"]:
            if not rule["IsDefault"] and pair & set(_forwarded_to(rule["Actions"])):
                raise NotImplementedError(f"{rule['RuleArn']}: listener rules are not rehearsed, default actions are")


def _forwarded_to(actions: list[dict]) -> list[str]:
    forwards = [a for a in actions if a["Type"] == "forward"]
    return [a["TargetGroupArn"] for a in forwards if "TargetGroupArn" in a] + [
        g["TargetGroupArn"] for a in forwards for g in a.get("ForwardConfig", {}).get("TargetGroups", [])
    ]


def _install(deployment: _Deployment, ecs) -> None:
    """CreateTaskSet: the AppSpec's task definition behind the replacement target group, at the service's scale;
    ECS (not the role) starts its tasks."""
    target = deployment.target
    request = {
        "cluster": deployment.cluster,
        "service": deployment.service,
        "taskDefinition": target["TaskDefinition"],
        "externalId": deployment.id,
        "loadBalancers": [
            {
                "targetGroupArn": deployment.replacement_target_group,
                "containerName": target["LoadBalancerInfo"]["ContainerName"],
                "containerPort": int(target["LoadBalancerInfo"]["ContainerPort"]),
            }
        ],
        "launchType": "FARGATE",
        "platformVersion": target.get("PlatformVersion", "LATEST"),
        "scale": {"unit": "PERCENT", "value": 100.0},
    }
    network = target.get("NetworkConfiguration") or deployment.network
    if network:
        request["networkConfiguration"] = network
    deployment.replacement_task_set = ecs.create_task_set(**request)["taskSet"]["taskSetArn"]


def _forward(elbv2, listener: str, weights: dict[str, int]) -> None:
    """ModifyListener: the default action forwards to the target groups with these weights."""
    elbv2.modify_listener(
        ListenerArn=listener,
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [{"TargetGroupArn": arn, "Weight": weight} for arn, weight in weights.items()]
                },
            }
        ],
    )


def _allow_traffic(actors: Actors, timeline: Timeline, clock: Clock, deployment: _Deployment, elbv2) -> None:
    """AllowTraffic: production shifted in the configuration's steps; the group's alarms read after each shift
    and after each wait (CodeDeploy stops the deployment when one is in ALARM)."""
    cloudwatch = actors.client("codedeploy", "cloudwatch")
    alarms = deployment.group.get("alarmConfiguration") or {}
    alarm_names = [a["name"] for a in alarms.get("alarms", [])] if alarms.get("enabled") else []
    for step in traffic_steps(deployment.config_name):
        action = f"AllowTraffic: production {step.green_percent} % to the replacement ({deployment.config_name})"
        with timeline.step(deployment.stage, action, "codedeploy", CONFIGS_DOC):
            for listener in deployment.routes["prodTrafficRoute"]["listenerArns"]:
                _forward(
                    elbv2,
                    listener,
                    {
                        deployment.original_target_group: 100 - step.green_percent,
                        deployment.replacement_target_group: step.green_percent,
                    },
                )
            _check_alarms(cloudwatch, alarm_names)
            if step.wait_minutes:
                clock.wait_minutes(step.wait_minutes, during=TRAFFIC_INTERVAL)
                _check_alarms(cloudwatch, alarm_names)


def _check_alarms(cloudwatch, names: list[str]) -> None:
    if not names:
        return
    alarming = [
        a["AlarmName"]
        for a in cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]
        if a["StateValue"] == "ALARM"
    ]
    if alarming:
        raise _Failed("AllowTraffic", f"alarm in ALARM: {', '.join(alarming)}", "DEPLOYMENT_STOP_ON_ALARM")


def _hook(actors: Actors, timeline: Timeline, clock: Clock, deployment: _Deployment, event: str, url: str) -> None:
    """A lifecycle hook (HOOKS_DOC): CodeDeploy invokes the function with the deployment id and an execution id,
    then waits for the function's PutLifecycleEventHookExecutionStatus; Failed, or no report, fails the event."""
    function = deployment.hooks.get(event)
    if not function:
        return
    execution = str(uuid.uuid4())
    event_payload = {"DeploymentId": deployment.id, "LifecycleEventHookExecutionId": execution}
    with timeline.step(deployment.stage, f"{event}: invoke {function}", "codedeploy", HOOKS_DOC):
        actors.client("codedeploy", "lambda").invoke(
            FunctionName=function, InvocationType="DryRun", Payload=json.dumps(event_payload).encode()
        )
    with (
        timeline.step(deployment.stage, f"{event}: {function} checks the listener and reports", "hooks", HOOKS_DOC),
        tempfile.TemporaryDirectory(prefix="hook-") as scratch,
    ):
        calls = Path(scratch) / "calls.jsonl"
        environment = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "SYSTEMROOT", "LANG")},
            **actors.credentials("hooks"),
            "CHECK_URL": f"{url}{deployment.health_check_path}",
            "CHECK_ATTEMPTS": str(HOOK_ATTEMPTS),
            "CHECK_DELAY_SECONDS": str(0.1 * clock.scale),  # the function's 6 s between attempts, scaled
            "CHECK_TIMEOUT_SECONDS": "2",
            "PYTHONPATH": str(HOOK_CODE),
            "PYTHONDONTWRITEBYTECODE": "1",  # leaves no __pycache__ in the source tree
            "REHEARSAL_CALLS": str(calls),
        }
        program = RECORD_CALLS + (
            f"import validate; validate.handler(json.loads({json.dumps(json.dumps(event_payload))}), None)"
        )
        try:
            run = subprocess.run(  # noqa: S603 (our interpreter, our code)
                [sys.executable, "-c", program], env=environment, timeout=HOOK_TIMEOUT_SECONDS, capture_output=True
            )
            log = run.stderr.decode(errors="replace").strip().splitlines()
        except subprocess.TimeoutExpired:
            log = [f"timed out after {HOOK_TIMEOUT_SECONDS:.0f} s"]
        for line in calls.read_text().splitlines() if calls.exists() else []:
            actors.made("hooks", *json.loads(line))  # its report, judged as the hooks role's call
        status = deployment.hook_status(execution)
        if status != "Succeeded":
            detail = f"reported {status}" if status else f"did not report ({log[-1] if log else 'no output'})"
            raise _Failed(event, f"{function} {detail}", "DEPLOYMENT_FAILURE")


def _roll_back(timeline: Timeline, deployment: _Deployment, ecs, elbv2) -> None:
    """Automatic rollback (ROLLBACK_DOC): both listeners back to the original target group, replacement removed."""
    with timeline.step(deployment.stage, "Rollback: traffic back to the original task set", "codedeploy", ROLLBACK_DOC):
        routes = deployment.routes
        for listener in routes["prodTrafficRoute"]["listenerArns"]:
            _forward(elbv2, listener, {deployment.original_target_group: 100, deployment.replacement_target_group: 0})
        for listener in routes.get("testTrafficRoute", {}).get("listenerArns", []):
            _forward(elbv2, listener, {deployment.original_target_group: 1})
        ecs.delete_task_set(
            cluster=deployment.cluster, service=deployment.service, taskSet=deployment.replacement_task_set
        )


def _finish(timeline: Timeline, clock: Clock, deployment: _Deployment, ecs) -> None:
    """The replacement becomes the service's primary task set; the original is deleted after the group's
    termination wait."""
    with timeline.step(deployment.stage, "Replacement task set becomes primary", "codedeploy", LIFECYCLE_DOC):
        ecs.update_service_primary_task_set(
            cluster=deployment.cluster, service=deployment.service, primaryTaskSet=deployment.replacement_task_set
        )
    terminate = deployment.group.get("blueGreenDeploymentConfiguration", {}).get(
        "terminateBlueInstancesOnDeploymentSuccess", {}
    )
    if terminate.get("action", "TERMINATE") != "TERMINATE":
        return
    wait = int(terminate.get("terminationWaitTimeInMinutes", 0))
    with timeline.step(deployment.stage, f"Original task set deleted after {wait} min", "codedeploy", LIFECYCLE_DOC):
        clock.wait_minutes(wait, during="BlueTermination")
        ecs.delete_task_set(
            cluster=deployment.cluster, service=deployment.service, taskSet=deployment.original_task_set
        )
