"""The hook Lambda's code: HTTP check, then the status reported to CodeDeploy (stubbed client)."""

from __future__ import annotations

import http.server
import threading

import boto3
import pytest
from botocore.stub import Stubber

from modules.ecs.hook_code import validate

EVENT = {"DeploymentId": "d-ABC123", "LifecycleEventHookExecutionId": "hook-1"}


@pytest.fixture
def server():
    class Handler(http.server.BaseHTTPRequestHandler):
        status = 200

        def do_GET(self):  # noqa: N802 (http.server's API)
            self.send_response(Handler.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, Handler
    httpd.shutdown()


def run_hook(monkeypatch, url: str, expected_status: str):
    client = boto3.client("codedeploy", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response("put_lifecycle_event_hook_execution_status", {"lifecycleEventHookExecutionId": "hook-1"},
                      {"deploymentId": "d-ABC123", "lifecycleEventHookExecutionId": "hook-1",
                       "status": expected_status})
    monkeypatch.setenv("CHECK_URL", url)
    monkeypatch.setenv("CHECK_ATTEMPTS", "2")
    monkeypatch.setenv("CHECK_DELAY_SECONDS", "0")
    with stub:
        result = validate.handler(EVENT, None, codedeploy=client)
    stub.assert_no_pending_responses()
    return result


def test_healthy_listener_reports_succeeded(server, monkeypatch):
    httpd, _ = server
    assert run_hook(monkeypatch, f"http://127.0.0.1:{httpd.server_port}/health", "Succeeded") == {"status": "Succeeded"}


def test_server_errors_report_failed(server, monkeypatch):
    httpd, handler = server
    handler.status = 503
    assert run_hook(monkeypatch, f"http://127.0.0.1:{httpd.server_port}/health", "Failed") == {"status": "Failed"}


def test_unreachable_listener_reports_failed(monkeypatch):
    assert run_hook(monkeypatch, "http://127.0.0.1:9/health", "Failed") == {"status": "Failed"}
