"""prod's blue/green service on the emulator, released three times through the CodeDeployToECS action and
CodeDeploy's ECS lifecycle (tooling/rehearsal/codedeploy_ecs.py): a good release ends on the replacement task set
with all traffic; a release whose hook check fails and one whose alarm fires during the canary roll back.

It runs on the rehearsal's prod deployment (tests/e2e/conftest.py `rehearsal_deployment`, shared with
test_rehearsal.py: one deploy for both) and asserts what the rehearsal's timeline does not show: each lifecycle
step in order, the waits, the task sets and both listeners' weights, GetDeployment's status. The clients here use
admin credentials: the roles' own, and the resource-level checks of every call, are test_rehearsal.py's. The
hook code's report is also judged here against the hooks role's policy as deployed."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import pytest

from envconfig.model import Environment
from envconfig.naming import EnvironmentNames
from release.buildspec import json_file, yaml_file
from release.model import release_spec
from tests.e2e.deployment import TIMINGS
from tests.rehearsal_doubles import AdminActors, InstantClock, ListTimeline
from tooling.emulator.server import Emulator
from tooling.iam.evaluator import Request, evaluate
from tooling.rehearsal.actors import role_policies
from tooling.rehearsal.codedeploy_ecs import HookServer, run_ecs_lifecycle, start_codedeploy_to_ecs
from tooling.rehearsal.contracts import TRAFFIC_INTERVAL

pytestmark = pytest.mark.e2e
ENV = "prod"
IAM_PREFIXES = {"elbv2": "elasticloadbalancing"}  # boto3 client name -> IAM action prefix, where they differ


@dataclass(frozen=True)
class Prod:
    env: Environment
    emulator: Emulator

    def client(self, service: str):
        return self.emulator.boto3_client(service, region=self.env.region)


@pytest.fixture(scope="module")
def prod(catalog, rehearsal_deployment):
    return Prod(catalog.by_name[ENV], rehearsal_deployment(ENV).emulator)


@dataclass
class RecordingActors(AdminActors):
    """Admin clients that record each call: (role, IAM action prefix, operation, parameters, response), and the
    calls the hook code reports (`made`)."""

    calls: list[tuple[str, str, str, dict, dict]] = field(default_factory=list)
    made_calls: list[tuple[str, str, str, dict, int]] = field(default_factory=list)

    def made(self, role: str, service: str, operation: str, params: dict, status: int, error: dict) -> None:
        self.made_calls.append((role, service, operation, params, status))

    def client(self, role: str, service: str):
        client = super().client(role, service)
        prefix = IAM_PREFIXES.get(service, service)

        def keep(params, context, **_):
            context["rehearsal_params"] = dict(params)

        def record(model, parsed, context, **_):
            self.calls.append((role, prefix, model.name, context.get("rehearsal_params", {}), parsed))

        client.meta.events.register("provide-client-params", keep)
        client.meta.events.register("after-call", record)
        return client


@pytest.fixture(scope="module")
def release(prod, tmp_path_factory):
    """What the build hands the deploy action: the rendered task definition and AppSpec, and imageDetail.json."""
    env = prod.env
    spec = env.services[0]
    names, release = EnvironmentNames(env).service(spec), release_spec(env, spec)
    directory = tmp_path_factory.mktemp("build-output")
    for generated in (
        json_file(release.taskdef_file, release.task_definition()),
        yaml_file(release.appspec_file, release.appspec()),
    ):
        (directory / generated.path).write_text(generated.content + "\n")

    def build(commit: str):
        image = f"{names.ecr_repository_url}:release-{commit}"
        (directory / "imageDetail.json").write_text(json.dumps({"ImageURI": image}))
        return directory

    return spec, names, build


@pytest.fixture(scope="module")
def rehearsal(prod, release):
    spec, names, build = release
    actors = RecordingActors(prod.emulator, prod.env.region)
    ecs, elbv2 = prod.client("ecs"), prod.client("elbv2")
    results = {}

    def state():
        service = ecs.describe_services(cluster=EnvironmentNames(prod.env).cluster, services=[names.ecs_service])
        task_sets = service["services"][0]["taskSets"]
        listeners = {}
        for listener in elbv2.describe_listeners(LoadBalancerArn=_alb_arn(elbv2, names.load_balancer))["Listeners"]:
            forward = listener["DefaultActions"][0]
            groups = forward.get("ForwardConfig", {}).get("TargetGroups") or [
                {"TargetGroupArn": forward["TargetGroupArn"], "Weight": 1}
            ]
            total = sum(g.get("Weight", 1) for g in groups)
            listeners[listener["Port"]] = {g["TargetGroupArn"]: 100 * g.get("Weight", 1) // total for g in groups}
        return task_sets, listeners

    def run(name: str, healthy: bool = True, on_wait=None):
        timeline, clock = ListTimeline(), InstantClock(on_wait=on_wait)
        before = state()
        start = time.monotonic()
        with HookServer() as server:
            server.healthy = healthy
            deployment_id = start_codedeploy_to_ecs(actors, timeline, build(name), ENV, spec.name)
            outcome = run_ecs_lifecycle(actors, timeline, clock, deployment_id, server.url)
        assert server.requests and set(server.requests) == {spec.health_check_path}, "the hook code checked"
        TIMINGS.append((f"release {name}", time.monotonic() - start))
        # what the action sees when it follows the deployment
        reported = prod.client("codedeploy").get_deployment(deploymentId=deployment_id)["deploymentInfo"]["status"]
        assert reported == outcome.status, (reported, outcome)
        results[name] = (outcome, timeline, clock, before, state())
        return results[name]

    return run, results, actors, names


def _alb_arn(elbv2, name: str) -> str:
    return elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]["LoadBalancerArn"]


def _primary(task_sets: list[dict]) -> dict:
    return next(t for t in task_sets if t["status"] == "PRIMARY")


def _serving(task_set: dict) -> str:
    return task_set["loadBalancers"][0]["targetGroupArn"]


def good_release(env) -> list[str]:
    """The lifecycle's steps for prod's configuration: its hooks (environments/prod.hcl) where their events run."""
    hooks = {hook.name for hook in env.services[0].deployment.hooks}
    prefix = EnvironmentNames(env).service(env.services[0]).base

    def hook(event: str) -> list[str]:
        function = f"{prefix}-{event}"
        return [f"{event}: invoke {function}", f"{event}: {function} checks the listener and reports"] * (
            event in hooks
        )

    canary = "CodeDeployDefault.ECSCanary10Percent5Minutes"
    return [
        "CodeDeployToECS: register the task definition",
        "CodeDeployToECS: create the deployment",
        "Start: read the service, its target groups and listeners",
        *hook("BeforeInstall"),
        "Install: replacement task set on the replacement target group",
        *hook("AfterInstall"),
        "AllowTestTraffic: test listener to the replacement",
        *hook("AfterAllowTestTraffic"),
        *hook("BeforeAllowTraffic"),
        f"AllowTraffic: production 10 % to the replacement ({canary})",
        f"AllowTraffic: production 100 % to the replacement ({canary})",
        *hook("AfterAllowTraffic"),
        "Replacement task set becomes primary",
        "Original task set deleted after 60 min",
    ]


def test_good_release_ends_on_the_replacement_with_all_traffic(prod, rehearsal):
    run, *_ = rehearsal
    outcome, timeline, clock, (before, _), (task_sets, listeners) = run("good")
    assert outcome.status == "Succeeded", outcome
    assert timeline.actions() == good_release(prod.env)
    assert len([a for a in timeline.actions() if "checks the listener" in a]) == len(
        prod.env.services[0].deployment.hooks
    )
    assert {result for *_, result in timeline.steps} == {"ok"}
    assert clock.waits == [5, 60]  # the canary's interval, then prod's termination wait
    original, replacement = _primary(before), _primary(task_sets)
    assert [t["status"] for t in task_sets] == ["PRIMARY"] and replacement["id"] != original["id"]
    assert (
        replacement["externalId"]
        and replacement["taskDefinition"].split(":")[-1] != original["taskDefinition"].split(":")[-1]
    )
    green = _serving(replacement)
    assert green != _serving(original)
    production, test = listeners[80], listeners[prod.env.services[0].deployment.test_listener_port]
    assert production[green] == 100 and sum(production.values()) == 100
    assert test == {green: 100}


def _assert_rolled_back(before: list[dict], after: list[dict], listeners: dict, test_port: int) -> None:
    original = _primary(before)
    assert [t["id"] for t in after] == [original["id"]], "the replacement task set is removed"
    blue = _serving(original)
    assert listeners[80][blue] == 100
    assert listeners[test_port] == {blue: 100}


def test_failing_hook_rolls_back_at_after_allow_test_traffic(prod, rehearsal):
    run, *_ = rehearsal
    outcome, timeline, clock, (before, _), (after, listeners) = run("hook-fails", healthy=False)
    assert (outcome.status, outcome.failed_step) == ("Failed", "AfterAllowTestTraffic"), outcome
    assert "reported Failed" in outcome.reason
    assert timeline.steps[-2][3] == "failed" and timeline.actions()[-1].startswith("Rollback")
    assert not any(a.startswith("AllowTraffic") for a in timeline.actions()) and clock.waits == []
    _assert_rolled_back(before, after, listeners, prod.env.services[0].deployment.test_listener_port)


def test_alarm_during_the_canary_rolls_back_at_allow_traffic(prod, rehearsal):
    run, _, _, names = rehearsal
    cloudwatch = prod.client("cloudwatch")
    alarm = f"{names.deployment_group}-cpu-high"

    def fire(minutes, during):
        assert during == TRAFFIC_INTERVAL
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="rehearsal: canary breaks")

    try:
        outcome, timeline, clock, (before, _), (after, listeners) = run("alarm-fires", on_wait=fire)
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="rehearsal: reset")
    assert (outcome.status, outcome.failed_step) == ("Failed", "AllowTraffic"), outcome
    assert alarm in outcome.reason and clock.waits == [5]
    failed = [action for _, action, _, result in timeline.steps if result == "failed"]
    assert failed == ["AllowTraffic: production 10 % to the replacement (CodeDeployDefault.ECSCanary10Percent5Minutes)"]
    _assert_rolled_back(before, after, listeners, prod.env.services[0].deployment.test_listener_port)


def _role_policies(prod, role: str) -> list[dict]:
    policies = role_policies(prod.client("iam"), role)
    assert policies, f"{role}: no policy deployed"
    return policies


def test_hook_report_is_allowed_by_the_hooks_role_policy(prod, rehearsal):
    """The hook code's one call, as its subprocess recorded it: PutLifecycleEventHookExecutionStatus, answered and
    authorized on the deployment group."""
    _, results, actors, names = rehearsal
    assert len(results) == 3, "the releases ran first"
    assert actors.made_calls and {call[:3] for call in actors.made_calls} == {
        ("hooks", "codedeploy", "PutLifecycleEventHookExecutionStatus")
    }
    assert {call[4] for call in actors.made_calls} == {200}
    policies = _role_policies(prod, names.role("hooks"))
    request = Request("codedeploy:PutLifecycleEventHookExecutionStatus", names.deployment_group_arn)
    assert evaluate(policies, request).allowed
