"""The run task as a Lambda function (tooling/runtask/lambda_handler.py), driven with function URL events and
the asynchronous event it hands itself, against the stand-in for HCP Terraform, with its store in S3 on
moto's in-process mock. checkov is stubbed (its findings empty): the protocol, the store and the hand-off
are what is tested here; tests/runtask/test_service.py runs checkov for real.
"""

from __future__ import annotations

import base64
import json
import time

import boto3
import pytest
from moto import mock_aws

from envconfig.loader import load_environments
from envconfig.naming import EnvironmentNames
from tests.runtask.standin import StandIn, ecr_repository, payload, plan
from tooling import ROOT
from tooling.runtask import checks, lambda_handler
from tooling.runtask.lambda_handler import WORK_EVENT, LambdaRunTask, SecretKey
from tooling.runtask.protocol import signature
from tooling.runtask.server import RunTaskService
from tooling.runtask.storage import S3Storage

KEY = b"run-task-hmac-key"
TOKEN = "4QEuyyxug1f2rw.atlasv1.lambda"
REGION = "eu-west-1"
BUCKET = "acme-prod-runtask-222222222222"


class Context:
    """What the handler reads of Lambda's context object."""

    def __init__(self, remaining_seconds: float = 900.0):
        self.deadline = time.monotonic() + remaining_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def url_event(body: bytes, signature_header: str | None, method: str = "POST", encoded: bool = False) -> dict:
    """A function URL request (payload format 2.0, headers lower-cased)."""
    headers = {"content-type": "application/json"}
    if signature_header is not None:
        headers["x-tfc-task-signature"] = signature_header
    return {
        "version": "2.0",
        "rawPath": "/",
        "headers": headers,
        "requestContext": {"http": {"method": method, "path": "/"}},
        "body": base64.b64encode(body).decode() if encoded else body.decode(),
        "isBase64Encoded": encoded,
    }


@pytest.fixture(scope="module")
def standin():
    standin = StandIn()
    yield standin
    standin.close()


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


@pytest.fixture
def findings(monkeypatch):
    """checkov's findings for every check (empty: the plan passes)."""
    found: list = []
    monkeypatch.setattr(checks, "run_checkov", lambda framework, inputs, workdir, skip_ids: list(found))
    return found


@pytest.fixture
def function(s3, findings, tmp_path):
    invoked: list[dict] = []
    service = RunTaskService(tmp_path, None, workers=1, storage=S3Storage(BUCKET, s3), ack_file=tmp_path / "none")
    key = {"value": KEY}
    handler = LambdaRunTask(service, lambda: key["value"], invoked.append)
    handler.invoked, handler.key_value = invoked, key
    return handler


def signed(standin: StandIn, task_result_id: str, plan_id: str, token: str = TOKEN, **fields) -> tuple[bytes, str]:
    url = standin.serve_plan(plan_id, plan(ecr_repository("app")), TOKEN)
    body = json.dumps(payload(standin, task_result_id, url, token, **fields)).encode()
    return body, signature(body, KEY)


def finals(standin: StandIn, task_result_id: str) -> list[dict]:
    return [
        seen.body["data"]["attributes"]
        for seen in standin.callbacks(task_result_id)
        if seen.body["data"]["attributes"]["status"] != "running"
    ]


# ---------------------------------------------------------------------------- the function URL
@pytest.mark.parametrize("header", [None, "", "0" * 128], ids=["absent", "empty", "wrong"])
def test_a_bad_signature_is_401_and_nothing_is_invoked(function, standin, header):
    body, _ = signed(standin, f"taskrs-l401-{header}", "plan-l401")
    response = function(url_event(body, header), None)
    assert response["statusCode"] == 401
    assert function.invoked == []
    assert standin.requests("plan-l401") == [] and standin.callbacks(f"taskrs-l401-{header}") == []


def test_a_signed_request_is_200_at_once_and_hands_one_event_over(function, standin):
    body, sig = signed(standin, "taskrs-lgood", "plan-lgood")
    started = time.monotonic()
    response = function(url_event(body, sig, encoded=True), None)
    assert response["statusCode"] == 200 and time.monotonic() - started < 1.0
    assert function.invoked == [{WORK_EVENT: {"body": body.decode(), "signature": sig}}]
    assert standin.requests("plan-lgood") == [], "the URL's answer downloads nothing: the event does"
    assert standin.callbacks("taskrs-lgood") == []


def test_the_verification_request_is_200_and_hands_nothing_over(function, standin):
    body, sig = signed(standin, "taskrs-lverify", "plan-lverify", token="test-token")
    assert function(url_event(body, sig), None)["statusCode"] == 200
    assert function.invoked == []


def test_without_a_key_nothing_is_accepted(function, standin):
    """The stack creates the secret without a value: until it is put, every request is refused."""
    function.key_value["value"] = None
    body, sig = signed(standin, "taskrs-lnokey", "plan-lnokey")
    unsigned = json.dumps(json.loads(body)).encode()
    assert function(url_event(body, sig), None)["statusCode"] == 503
    assert function(url_event(unsigned, None), None)["statusCode"] == 503, "never unauthenticated"
    function({WORK_EVENT: {"body": body.decode(), "signature": sig}}, Context())
    assert function.invoked == [] and standin.requests("plan-lnokey") == []


def test_health_and_other_methods(function):
    health = function({"rawPath": "/healthz", "requestContext": {"http": {"method": "GET"}}}, None)
    assert (health["statusCode"], json.loads(health["body"])) == (200, {"status": "available"})
    assert function({"rawPath": "/", "requestContext": {"http": {"method": "PUT"}}}, None)["statusCode"] == 404


# ---------------------------------------------------------------------------- the asynchronous run
def test_the_event_runs_the_checks_and_calls_back(function, standin, s3):
    body, sig = signed(standin, "taskrs-lrun", "plan-lrun", run_id="run-l1", workspace_id="ws-lambda")
    assert function(url_event(body, sig), None)["statusCode"] == 200
    (event,) = function.invoked
    assert function(json.loads(json.dumps(event)), Context()) is None  # as Lambda delivers it: JSON
    statuses = [seen.body["data"]["attributes"]["status"] for seen in standin.callbacks("taskrs-lrun")]
    assert statuses[0] == "running" and statuses[-1] == "passed"
    assert standin.requests("plan-lrun", "GET")[0].headers["Authorization"] == f"Bearer {TOKEN}"
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key="baselines/ws-lambda/current.json")["Body"].read())
    assert stored["run_id"] == "run-l1"
    result = json.loads(s3.get_object(Bucket=BUCKET, Key="results/taskrs-lrun.json")["Body"].read())
    assert result["result"]["data"]["attributes"]["status"] == "passed" and TOKEN not in json.dumps(result)


def test_a_retried_request_runs_once(function, standin):
    body, sig = signed(standin, "taskrs-lretry", "plan-lretry", workspace_id="ws-retry")
    for _ in range(2):  # HCP Terraform retried: two events
        assert function(url_event(body, sig), None)["statusCode"] == 200
    assert len(function.invoked) == 2
    for event in function.invoked:
        function(event, Context())
    assert len(finals(standin, "taskrs-lretry")) == 1


def test_a_forged_event_runs_nothing(function, standin):
    """The function can be invoked directly (lambda:InvokeFunction is granted to "*"): an event is verified
    like a URL request."""
    body, _ = signed(standin, "taskrs-lforged", "plan-lforged")
    function({WORK_EVENT: {"body": body.decode(), "signature": signature(body, b"other key")}}, Context())
    function({WORK_EVENT: {"body": body.decode()}}, Context())
    assert standin.requests("plan-lforged") == [] and standin.callbacks("taskrs-lforged") == []


def test_a_check_past_the_time_limit_ends_the_task_failed(function, standin, monkeypatch):
    def slow(*args):
        time.sleep(1.5)
        return []

    monkeypatch.setattr(checks, "run_checkov", slow)
    function.margin_seconds = 29.0
    body, sig = signed(standin, "taskrs-lslow", "plan-lslow", workspace_id="ws-slow")
    function({WORK_EVENT: {"body": body.decode(), "signature": sig}}, Context(remaining_seconds=29.5))
    first = finals(standin, "taskrs-lslow")[0]
    assert first["status"] == "failed" and "time limit" in first["message"]


# ---------------------------------------------------------------------------- AWS wiring
def test_the_key_is_read_from_the_secret_once_it_has_a_value():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        client.create_secret(Name="acme-prod/runtask/hmac-key")  # as the stack creates it: no value
        key = SecretKey("acme-prod/runtask/hmac-key", client)
        assert key() is None
        client.put_secret_value(SecretId="acme-prod/runtask/hmac-key", SecretString="k3y\n")
        assert key() == b"k3y"
        client.put_secret_value(SecretId="acme-prod/runtask/hmac-key", SecretString="rotated")
        assert key() == b"k3y", "read at cold start: a new value needs new instances"


def test_the_handler_is_built_from_the_functions_settings(monkeypatch):
    prod = load_environments(["prod"]).by_name["prod"]
    names = EnvironmentNames(prod).run_task
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        built = lambda_handler.build(
            {"RUN_TASK_BUCKET": names.bucket, "RUN_TASK_SECRET_ID": names.secret, "AWS_LAMBDA_FUNCTION_NAME": "f"}
        )
    assert built.service.storage.bucket == names.bucket and built.key.secret_id == names.secret
    assert built.service.known_workspaces["platform-prod-runtask"] == "prod-runtask"


def test_the_image_installs_the_versions_the_project_locks():
    locked = json.loads((ROOT / "Pipfile.lock").read_text())["default"]
    lines = (ROOT / "requirements/runtask.txt").read_text().splitlines()
    pinned = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    assert {"python-hcl2", "lark", "regex", "pyyaml", "boto3"} <= set(pinned)
    assert {name: f"=={version}" for name, version in pinned.items()} == {
        name: locked[name]["version"] for name in pinned
    }
    dockerfile = (ROOT / "tooling/runtask/Dockerfile").read_text()
    assert "public.ecr.aws/lambda/python:3.12" in dockerfile
    assert 'CMD ["tooling.runtask.lambda_handler.handler"]' in dockerfile
    for needed in (
        "tooling/",
        "envconfig/",
        "policies/",
        "reference/",
        "environments/",
        "checkov-skips.yaml",
        ".gate/",
    ):
        assert f"COPY {needed}" in dockerfile, needed
