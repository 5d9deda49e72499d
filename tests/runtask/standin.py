"""A stand-in for HCP Terraform's side of a run task, on 127.0.0.1, and small plan JSON documents.

It serves each plan as the documented API does (GET /api/v2/plans/:id/json-output with the run's bearer
token answers 307 to a temporary URL, which serves the JSON without a token), receives the task-results
PATCHes, and records every request with its time. `send` signs and POSTs a run task request the way HCP
Terraform does.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tooling.runtask.protocol import SIGNATURE_HEADER, signature

PROVIDER = "registry.terraform.io/hashicorp/aws"


@dataclass
class Served:
    plan: dict
    token: str
    delay: float = 0.0  # seconds before the json-output endpoint answers


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: dict | None
    at: float = field(default_factory=time.monotonic)


class StandIn:
    def __init__(self):
        self.plans: dict[str, Served] = {}
        self.seen: list[Seen] = []
        self._changed = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def serve_plan(self, plan_id: str, plan: dict, token: str, delay: float = 0.0) -> str:
        self.plans[plan_id] = Served(plan, token, delay)
        return f"{self.base}/api/v2/plans/{plan_id}/json-output"

    def callback_url(self, task_result_id: str) -> str:
        return f"{self.base}/api/v2/task-results/{task_result_id}/callback"

    def record(self, seen: Seen) -> None:
        with self._changed:
            self.seen.append(seen)
            self._changed.notify_all()

    def requests(self, path_part: str, method: str = "") -> list[Seen]:
        with self._changed:
            return [s for s in self.seen if path_part in s.path and (not method or s.method == method)]

    def callbacks(self, task_result_id: str) -> list[Seen]:
        return self.requests(f"/task-results/{task_result_id}/", "PATCH")

    def final_result(self, task_result_id: str, timeout: float = 120.0) -> Seen:
        """The PATCH with a final status (passed or failed)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for seen in self.seen:
                    if (
                        f"/task-results/{task_result_id}/" in seen.path
                        and seen.method == "PATCH"
                        and seen.body["data"]["attributes"]["status"] != "running"
                    ):
                        return seen
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no final task result for {task_result_id} in {timeout}s"
                self._changed.wait(remaining)


def _handler(standin: StandIn):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            standin.record(Seen("GET", self.path, dict(self.headers), None))
            parts = self.path.strip("/").split("/")
            if parts[:3] == ["api", "v2", "plans"] and parts[-1] == "json-output":
                served = standin.plans.get(parts[3])
                if served is None:
                    self._reply(404, b'{"errors":[{"status":"404","title":"not found"}]}')
                elif self.headers.get("Authorization") != f"Bearer {served.token}":
                    self._reply(401, b'{"errors":[{"status":"401","title":"unauthorized"}]}')
                else:
                    time.sleep(served.delay)
                    self._reply(307, headers={"Location": f"/archivist/{parts[3]}?expires=60"})
            elif parts[0] == "archivist":
                served = standin.plans[parts[1].split("?")[0]]
                self._reply(200, json.dumps(served.plan).encode(), {"Content-Type": "application/json"})
            else:
                self._reply(404)

        def do_PATCH(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            standin.record(Seen("PATCH", self.path, dict(self.headers), body))
            self._reply(200)

    return Handler


# ---------------------------------------------------------------------------- requests
def payload(
    standin: StandIn,
    task_result_id: str,
    plan_url: str,
    token: str,
    *,
    run_id: str = "run-1",
    workspace_id: str = "ws-clean",
    stack: str = "prod-delivery",
    stage: str = "post_plan",
    speculative: bool = False,
) -> dict:
    """A run task request shaped like the documented sample payload."""
    return {
        "payload_version": 1,
        "stage": stage,
        "access_token": token,
        "capabilities": {"outcomes": True},
        "configuration_version_download_url": None,
        "configuration_version_id": "cv-1",
        "is_speculative": speculative,
        "organization_name": "acme",
        "plan_json_api_url": plan_url,
        "run_app_url": f"https://app.terraform.io/app/acme/platform-{stack}/runs/{run_id}",
        "run_created_at": "2025-01-01T00:00:00.000Z",
        "run_created_by": "someone",
        "run_id": run_id,
        "run_message": "Triggered via CLI",
        "task_result_callback_url": standin.callback_url(task_result_id),
        "task_result_enforcement_level": "mandatory",
        "task_result_id": task_result_id,
        "vcs_branch": None,
        "vcs_commit_url": None,
        "vcs_pull_request_url": None,
        "vcs_repo_url": None,
        "workspace_app_url": f"https://app.terraform.io/app/acme/platform-{stack}",
        "workspace_id": workspace_id,
        "workspace_name": f"platform-{stack}",
        "workspace_working_directory": f"cdktf.out/stacks/{stack}",
    }


def send(url: str, body: dict | bytes, key: bytes | None, signature_header: str | None = None) -> tuple[int, float]:
    """POST a run task request as HCP Terraform does; (status, seconds until the answer)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "TFC/1.0 (+https://app.terraform.io; TFC)"}
    header = signature_header if signature_header is not None else (signature(raw, key) if key else "")
    headers[SIGNATURE_HEADER] = header
    start = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, raw, headers, method="POST"), timeout=30) as resp:
            status = resp.status
    except urllib.error.HTTPError as err:
        status = err.code
    return status, time.monotonic() - start


# ---------------------------------------------------------------------------- plans
def ecr_repository(name: str, mutability: str = "IMMUTABLE") -> tuple[str, str, dict]:
    return (
        "aws_ecr_repository",
        name,
        {
            "name": f"prod-{name}",
            "image_tag_mutability": mutability,
            "force_delete": False,
            "tags": {"stack": "x"},
            "encryption_configuration": [
                {"encryption_type": "KMS", "kms_key": "arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d"}
            ],
            "image_scanning_configuration": [{"scan_on_push": True}],
        },
    )


def role_policy(name: str, role: str, actions: list[str], resource: str) -> tuple[str, str, dict]:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}
    return "aws_iam_role_policy", name, {"name": name, "role": role, "policy": json.dumps(document)}


def plan(*resources: tuple[str, str, dict]) -> dict:
    """A Terraform JSON plan creating `resources` ((type, name, values) each)."""

    def address(rtype, name):
        return f"{rtype}.{name}"

    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": address(t, n),
                        "mode": "managed",
                        "type": t,
                        "name": n,
                        "provider_name": PROVIDER,
                        "schema_version": 0,
                        "values": v,
                    }
                    for t, n, v in resources
                ]
            }
        },
        "resource_changes": [
            {
                "address": address(t, n),
                "mode": "managed",
                "type": t,
                "name": n,
                "provider_name": PROVIDER,
                "change": {"actions": ["create"], "before": None, "after": v, "after_unknown": {}},
            }
            for t, n, v in resources
        ],
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": PROVIDER}},
            "root_module": {
                "resources": [
                    {
                        "address": address(t, n),
                        "mode": "managed",
                        "type": t,
                        "name": n,
                        "provider_config_key": "aws",
                        "expressions": {},
                        "schema_version": 0,
                    }
                    for t, n, _ in resources
                ]
            },
        },
    }
