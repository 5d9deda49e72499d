"""`make rehearse`: releases travel through the deployed system on the emulator, as the roles AWS's services use.

    python -m tooling.rehearsal [--releases dev,prod] [--without ROLE=ACTION] [--reports DIR]

1. dev: its pipeline (source, build, rolling ECS deploy);
2. prod: its pipeline (source, build, staging's EKS deploy up to kubectl, approval, CodeDeploy blue/green) — good;
3. prod again, the hook's check failing (the local server standing for the test listener answers 500);
4. prod again, an alarm set to ALARM during the canary.
Exit 0 only when 1 and 2 completed (2 with all production traffic on the new task set) and 3 and 4 were rolled
back (traffic back on the old one). A permission denied anywhere stops the rehearsal with one line (exit 1).
`--without pipeline=ecs:RegisterTaskDefinition` rehearses with that action removed from a copy of the role's
deployed policies (the negative test). Reports: reports/rehearsal.json and reports/rehearsal.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

from envconfig.loader import Catalog, load_environments
from envconfig.model import Environment, Service
from envconfig.naming import EnvironmentNames
from tooling import ROOT
from tooling.iam.sufficiency import role_instances
from tooling.rehearsal.actors import RoleActors, enforcement, role_policies, without_action
from tooling.rehearsal.codedeploy_ecs import (
    HOOK_EVENTS,
    HookServer,
    group_alarms,
    run_ecs_lifecycle,
    start_codedeploy_to_ecs,
)
from tooling.rehearsal.contracts import TRAFFIC_INTERVAL, ActingRole, RehearsalDenied
from tooling.rehearsal.deployments import Deployed, ensure_deployed
from tooling.rehearsal.pipeline import (
    Subscriber,
    approval,
    build,
    deploy_ecs,
    run_project,
    source,
    subscribe,
)
from tooling.rehearsal.timeline import TIME_SCALE, RecordingTimeline, ScaledClock

APP_DIR = ROOT / "examples" / "app"
REPORTS_DIR = ROOT / "reports"
RELEASE_ENVIRONMENTS = ("dev", "prod")  # the environments with a pipeline (staging has none: prod deploys it)
BUDGET_SECONDS = 180  # the rehearsal itself, after deploy, on 2 cores


@dataclass
class AlarmDuringCanary:
    """`contracts.Clock` of the alarm release: at the first interval between production traffic shifts (the canary's,
    `during=TRAFFIC_INTERVAL`) the deployment group's alarm goes to ALARM (SetAlarmState, admin), as a failing green
    task set would make it; other waits only wait."""

    clock: ScaledClock
    set_alarm: Callable[[], str]
    fired: list[str] = field(default_factory=list)

    @property
    def scale(self) -> float:
        return self.clock.scale

    def wait_minutes(self, minutes: float, during: str = "") -> None:
        if during == TRAFFIC_INTERVAL and not self.fired:
            self.fired.append(self.set_alarm())
        self.clock.wait_minutes(minutes, during)


# --------------------------------------------------------------------------------------- environments
@dataclass
class Stage:
    """One environment's pipeline on its emulator, with its acting roles."""

    env: str
    deployed: Deployed
    actors: RoleActors
    pipeline: dict
    prefix: str
    service: str
    subscriber: Subscriber | None


def rehearsed_service(env: Environment) -> Service:
    """The environment's first container service: a function service's release (Lambda versions, CodeDeploy for
    Lambda) would need Lambda's invoke, which the emulator cannot run without Docker."""
    return next(service for service in env.services if service.kind == "container")


def acting_roles(catalog: Catalog, stacks: tuple[str, ...], env: Environment, service: Service) -> dict[str, str]:
    """Acting role -> role name, for the roles of the deployed stacks (names from envconfig/naming.py, as
    tooling/iam/sufficiency.py finds them); where several services have a role of one kind, `service`'s."""
    acting = set(get_args(ActingRole))
    own = f"{EnvironmentNames(env).service(service).base}-"
    roles: dict[str, str] = {}
    for role in role_instances(catalog):
        if role.stack in stacks and role.kind in acting and (role.kind not in roles or role.name.startswith(own)):
            roles[role.kind] = role.name
    return roles


def prepare(catalog: Catalog, deployed: Deployed, timeline: RecordingTimeline, without: dict[str, str]) -> Stage:
    """Seed what the build reads (admin), subscribe a queue to the approval topic, issue each role's credentials."""
    env = catalog.by_name[deployed.env]
    names = EnvironmentNames(env)
    service = rehearsed_service(env)
    account = names.account
    roles = acting_roles(catalog, deployed.stacks, env, service)
    actors = RoleActors.assume(
        deployed.emulator.endpoint, account, roles, current_step=timeline.current_step, on_call=timeline.record
    )
    iam = actors.admin("iam")
    for role, action in without.items():
        if role in actors.identities:
            actors.identities[role].policies = without_action(role_policies(iam, roles[role]), action)
    _seed(actors, service)
    pipeline = actors.admin("codepipeline").get_pipeline(name=names.service(service).pipeline)["pipeline"]
    subscriber = None
    if any(a["actionTypeId"]["category"] == "Approval" for s in pipeline["stages"] for a in s["actions"]):
        subscriber = subscribe(actors, names.approval_topic_arn, f"{names.prefix}-rehearsal-approvers")
    prefix = names.service(service).artifact_prefix
    return Stage(deployed.env, deployed, actors, pipeline, prefix, service.name, subscriber)


def _seed(actors: RoleActors, service) -> None:
    """The build's parameter-store and secrets-manager values, as an operator would have stored them."""
    ssm, secrets = actors.admin("ssm"), actors.admin("secretsmanager")
    for name in service.build.parameter_store.values():
        ssm.put_parameter(Name=name, Value=f"rehearsal-value-of-{name}", Type="SecureString", Overwrite=True)
    for reference in service.build.secrets_manager.values():
        secret_id, _, key = reference.partition(":")
        value = f'{{"{key}": "rehearsal-secret"}}' if key else "rehearsal-secret"
        try:
            secrets.create_secret(Name=secret_id, SecretString=value)
        except secrets.exceptions.ResourceExistsException:
            secrets.put_secret_value(SecretId=secret_id, SecretString=value)


# ------------------------------------------------------------------------------------------ a release
@dataclass
class Release:
    name: str
    expect: str  # "Succeeded" | "RolledBack"
    hook_healthy: bool = True  # False: the local server standing for the listener answers 500
    alarm: bool = False
    blue_green: bool = False  # its pipeline ends with CodeDeploy's blue/green deployment: traffic is judged
    fails_at: tuple[str, ...] = ()  # the lifecycle events a "RolledBack" release may fail at


def _app_copy(release: Release, work: Path) -> Path:
    """The application as committed for this release (a file that changes its commit id and image)."""
    app = work / "app"
    shutil.copytree(APP_DIR, app, ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    (app / "RELEASE").write_text(f"{release.name} {time.time_ns()}\n")
    return app


def production_traffic(actors: RoleActors, pipeline: dict) -> dict[str, int]:
    """Target group name -> weight of the blue/green deployment group's production listener (admin read)."""
    action = next(
        a for s in pipeline["stages"] for a in s["actions"] if a["actionTypeId"]["provider"] == "CodeDeployToECS"
    )
    config = action["configuration"]
    group = actors.admin("codedeploy").get_deployment_group(
        applicationName=config["ApplicationName"], deploymentGroupName=config["DeploymentGroupName"]
    )["deploymentGroupInfo"]
    listener_arn = group["loadBalancerInfo"]["targetGroupPairInfoList"][0]["prodTrafficRoute"]["listenerArns"][0]
    elbv2 = actors.admin("elbv2")
    forward = elbv2.describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]["DefaultActions"][0]
    groups = forward.get("ForwardConfig", {}).get("TargetGroups") or [
        {"TargetGroupArn": forward["TargetGroupArn"], "Weight": 1}
    ]
    total = sum(g.get("Weight", 1) for g in groups) or 1
    return {g["TargetGroupArn"].split("/")[-2]: round(100 * g.get("Weight", 1) / total) for g in groups}


def _alarm_setter(actors: RoleActors, deployment_id: str, timeline: RecordingTimeline):
    """SetAlarmState (admin) of the deployment group's alarm on the replacement's 5xx, as CodeDeploy knows the
    group's alarms (moto's GetDeploymentGroup returns none: CodeDeploy's records, codedeploy_ecs.group_alarms)."""
    alarms = group_alarms(actors.endpoint, deployment_id)
    alarm = next((a for a in alarms if "green-5xx" in a), alarms[0] if alarms else None)

    def set_state(state: str, reason: str) -> str:
        if alarm is None:
            raise RuntimeError("the deployment group has no alarm to set")
        actors.admin("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue=state, StateReason=reason)
        timeline.note(f"SetAlarmState {alarm} -> {state}")
        return alarm

    return set_state


def run_release(
    stage: Stage, release: Release, timeline: RecordingTimeline, clock: ScaledClock, hook: HookServer, work: Path
) -> dict:
    """One pipeline execution; returns its outcome (status, failed step, production traffic)."""
    timeline.release = release.name
    actors, pipeline = stage.actors, stage.pipeline
    hook.healthy = release.hook_healthy
    work = Path(tempfile.mkdtemp(prefix=f"{release.name}-", dir=work))
    artifact, commit = source(actors, timeline, pipeline, stage.prefix, _app_copy(release, work), work)
    built = None
    before = {}
    for pipeline_stage in pipeline["stages"][1:]:
        for action in pipeline_stage["actions"]:
            provider, name = action["actionTypeId"]["provider"], pipeline_stage["name"]
            if provider == "CodeBuild" and action.get("outputArtifacts"):
                built = build(
                    actors, timeline, pipeline_stage, pipeline, stage.prefix, artifact, commit, work / "build"
                )
            elif provider == "CodeBuild":  # a deploy project (EKS): source and build artifacts in
                inputs = {action["inputArtifacts"][0]["name"]: artifact, action["inputArtifacts"][1]["name"]: built}
                run_project(actors, timeline, name, action, "eks_deploy", pipeline, inputs, commit, work / "eks")
            elif provider == "ECS":
                deploy_ecs(actors, timeline, clock, name, action, built, work)
            elif provider == "Manual":
                approval(actors, timeline, name, action, pipeline, stage.subscriber)
            elif provider == "CodeDeployToECS":
                before = production_traffic(actors, pipeline)
                outcome = blue_green(stage, release, timeline, clock, hook, built, name)
                if outcome.status != "Succeeded":
                    return {
                        "status": outcome.status,
                        "failed_step": outcome.failed_step,
                        "reason": outcome.reason,
                        "traffic_before": before,
                        "traffic_after": production_traffic(actors, pipeline),
                    }
            else:
                raise RuntimeError(f"{name}/{action['name']}: no rehearsal for {provider} actions")
    result = {"status": "Succeeded", "failed_step": "", "reason": ""}
    if before:
        result |= {"traffic_before": before, "traffic_after": production_traffic(actors, pipeline)}
    return result


def blue_green(stage: Stage, release: Release, timeline, clock: ScaledClock, hook: HookServer, built, stage_name: str):
    """The CodeDeployToECS action and CodeDeploy's ECS lifecycle: tooling/rehearsal/codedeploy_ecs.py."""
    actors = stage.actors
    deployment_id = start_codedeploy_to_ecs(actors, timeline, built.directory, stage.env, stage.service, stage_name)
    if not release.alarm:
        return run_ecs_lifecycle(actors, timeline, clock, deployment_id, hook.url, stage_name)
    set_state = _alarm_setter(actors, deployment_id, timeline)
    alarm_clock = AlarmDuringCanary(clock, lambda: set_state("ALARM", "rehearsal: 5xx from the replacement task set"))
    try:
        return run_ecs_lifecycle(actors, timeline, alarm_clock, deployment_id, hook.url, stage_name)
    finally:  # moto evaluates no metrics: the alarm stays in ALARM until set back (the next rehearsal's canary)
        if alarm_clock.fired:
            set_state("OK", "rehearsal: the release was rolled back")


def verdict(outcomes: dict[str, dict], releases: list[Release]) -> list[str]:
    """What is wrong with the outcomes (empty: the good releases are live on their new task set, the bad ones
    rolled back to the old one)."""
    problems = []
    for release in releases:
        outcome = outcomes.get(release.name)
        if outcome is None:
            problems.append(f"{release.name}: did not run")
            continue
        before, after = outcome.get("traffic_before"), outcome.get("traffic_after")
        live = [name for name, weight in (after or {}).items() if weight == 100]
        was = [name for name, weight in (before or {}).items() if weight == 100]
        if release.expect == "Succeeded":
            if outcome["status"] != "Succeeded":
                problems.append(f"{release.name}: {outcome['status']} at {outcome['failed_step']}: {outcome['reason']}")
            elif release.blue_green and (before is None or len(live) != 1 or live == was):
                problems.append(f"{release.name}: production traffic is {after}, not 100 % on the new task set")
        elif outcome["status"] != "Failed" or outcome["failed_step"] not in release.fails_at or len(was) != 1:
            # only a deployment that CodeDeploy's lifecycle failed, at the event meant to fail, counts (an error
            # elsewhere is no rollback)
            problems.append(
                f"{release.name}: expected a failed deployment rolled back, got {outcome['status']} "
                f"at {outcome['failed_step'] or '-'}: {outcome['reason']}"
            )
        elif live != was:
            problems.append(f"{release.name}: rolled back but production traffic is {after} (was {before})")
    return problems


RELEASES = {
    "dev": [Release("dev-release", "Succeeded")],
    "prod": [
        Release("prod-release", "Succeeded", blue_green=True),
        Release("prod-bad-hook", "RolledBack", hook_healthy=False, blue_green=True, fails_at=HOOK_EVENTS),
        Release("prod-alarm", "RolledBack", alarm=True, blue_green=True, fails_at=("AllowTraffic",)),
    ],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.rehearsal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", default=",".join(RELEASE_ENVIRONMENTS), help="environments, in order")
    parser.add_argument("--without", action="append", default=[], metavar="ROLE=ACTION")
    parser.add_argument("--reports", type=Path, default=REPORTS_DIR)
    args = parser.parse_args(argv)
    without = dict(item.split("=", 1) for item in args.without)
    environments = [name for name in args.releases.split(",") if name]

    from tooling.harness.synth import load_or_exit, synthesize

    catalog = load_environments()
    synthesis = synthesize(load_or_exit(None))
    deployed = [ensure_deployed(catalog, synthesis, name) for name in environments]

    timeline, clock = RecordingTimeline(), ScaledClock()
    print(f"rehearsal: AWS waits compressed to {TIME_SCALE} s per AWS minute")
    started = time.monotonic()
    releases = [release for name in environments for release in RELEASES[name]]
    denied = ""
    with HookServer() as hook, tempfile.TemporaryDirectory(prefix="rehearsal-") as work:
        try:
            for deployment in deployed:
                stage = prepare(catalog, deployment, timeline, without)
                with enforcement(deployment.emulator.endpoint):
                    for release in RELEASES[deployment.env]:
                        try:
                            outcome = run_release(stage, release, timeline, clock, hook, Path(work))
                        except RehearsalDenied:
                            raise
                        except Exception as err:  # noqa: BLE001 - a failed action ends this release, reported
                            mine = [s for s in timeline.steps if s.release == release.name]
                            failed = next((s.label for s in reversed(mine) if s.result == "failed"), "-")
                            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
                            outcome = {"status": "Error", "failed_step": failed, "reason": reason}
                        timeline.conclude(release.name, outcome)
        except RehearsalDenied as err:
            denied = str(err)
    seconds = time.monotonic() - started
    timeline.write(args.reports, clock, seconds)
    for line in timeline.summary():
        print(f"rehearsal: {line}")
    calls = sum(len(step.calls) for step in timeline.steps)
    print(
        f"rehearsal: {len(timeline.steps)} steps, {calls} calls in {seconds:.1f}s (budget {BUDGET_SECONDS}s); "
        f"deploys before it: {sum(d.seconds for d in deployed):.0f}s; reports in {args.reports}"
    )
    if denied:
        print(denied, file=sys.stderr)
        return 1
    problems = verdict(timeline.outcomes, releases)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0
