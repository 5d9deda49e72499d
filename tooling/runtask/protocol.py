"""HCP Terraform's run task protocol, as documented: the request it POSTs, the signature on it, the plan
JSON download and the task-results callback.

- request body, headers, callback body and time limits:
  https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run-tasks/run-tasks-integration
- X-TFC-Task-Signature (HMAC-SHA512 of the body with the task's HMAC key, hex):
  https://developer.hashicorp.com/terraform/cloud-docs/integrations/run-tasks#securing-your-run-task
- plan JSON: GET plan_json_api_url answers 307 to a temporary pre-authenticated URL (1 minute), 204 while
  the plan is not finished: https://developer.hashicorp.com/terraform/cloud-docs/api-docs/plans#retrieve-the-json-execution-plan
- the request HCP Terraform sends when a task is created (it must get a 200) carries the access token
  "test-token": HashiCorp's reference integration, https://github.com/hashicorp/terraform-run-task-scaffolding-go
  (internal/sdk/api/structs.go, VerificationToken / IsEndpointValidation).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("tooling.runtask")

SIGNATURE_HEADER = "X-TFC-Task-Signature"
VERIFICATION_TOKEN = "test-token"  # never a valid token: the request only checks that the URL answers 200
JSON_API = "application/vnd.api+json"
PLAN_STAGES = ("post_plan", "pre_apply", "post_apply")  # the stages whose request carries plan_json_api_url
STATUSES = ("running", "passed", "failed")  # the only task-result statuses the callback accepts (no "errored")
TAG_LEVELS = ("none", "info", "warning", "error")
BODY_LIMIT = 256 * 1024  # outcome bodies: the docs recommend under 1 MB (5 MB at most)


class RequestError(ValueError):
    """A run task request this service cannot act on (answered 400)."""


class PlanDownloadError(RuntimeError):
    """The plan JSON could not be downloaded; `str()` is the message shown in the run."""

    def __init__(self, message: str, status: int = 0):
        self.status = status
        super().__init__(message)


# ---------------------------------------------------------------------------- the request
def signature(body: bytes, key: bytes) -> str:
    """What HCP Terraform puts in X-TFC-Task-Signature: hex HMAC-SHA512 of the raw body."""
    return hmac.new(key, body, hashlib.sha512).hexdigest()


def signature_valid(body: bytes, header: str, key: bytes) -> bool:
    """Constant-time comparison of the header with the body's signature."""
    return hmac.compare_digest(signature(body, key).encode(), header.strip().lower().encode())


@dataclass(frozen=True)
class RunTaskRequest:
    """The fields of the request body this service uses (payload_version 1)."""

    access_token: str  # bearer token for the plan download and the callback, valid while the task runs
    stage: str  # pre_plan | post_plan | pre_apply | post_apply
    task_result_id: str
    task_result_callback_url: str
    run_id: str
    workspace_id: str
    workspace_name: str = ""
    workspace_working_directory: str = ""  # cdktf.out/stacks/<stack> for the project's workspaces
    plan_json_api_url: str = ""  # empty at pre_plan
    run_app_url: str = ""
    is_speculative: bool = False  # a plan-only run (e.g. a pull request): it is never applied
    task_result_enforcement_level: str = ""  # mandatory | advisory

    @property
    def is_verification(self) -> bool:
        return self.access_token == VERIFICATION_TOKEN


_REQUIRED = ("access_token", "stage", "task_result_id", "task_result_callback_url", "run_id", "workspace_id")


def parse_request(payload: Any) -> RunTaskRequest:
    """The request from its JSON body; the verification request needs only its access token."""
    if not isinstance(payload, dict):
        raise RequestError("the request body is not a JSON object")
    if payload.get("access_token") == VERIFICATION_TOKEN:
        return RunTaskRequest(VERIFICATION_TOKEN, str(payload.get("stage") or ""), "", "", "", "")
    if payload.get("payload_version") != 1:
        raise RequestError(f"payload_version {payload.get('payload_version')!r}: only 1 is supported")
    missing = [key for key in _REQUIRED if not isinstance(payload.get(key), str) or not payload[key]]
    if missing:
        raise RequestError(f"missing or empty: {', '.join(missing)}")
    for key in ("task_result_callback_url", "plan_json_api_url"):
        if payload.get(key) and not str(payload[key]).startswith(("https://", "http://")):
            raise RequestError(f"{key} is not an http(s) URL")
    text = {
        key: str(payload.get(key) or "")
        for key in (
            "workspace_name",
            "workspace_working_directory",
            "plan_json_api_url",
            "run_app_url",
            "task_result_enforcement_level",
        )
    }
    return RunTaskRequest(
        **{key: payload[key] for key in _REQUIRED}, **text, is_speculative=bool(payload.get("is_speculative"))
    )


# ---------------------------------------------------------------------------- the callback body
@dataclass(frozen=True)
class Tag:
    """One label of an outcome's tag; `Status` and `Severity` tags get special display."""

    label: str
    level: str = "none"  # none | info | warning | error


@dataclass(frozen=True)
class Outcome:
    """One detailed result (task-result-outcomes) shown in the run."""

    outcome_id: str
    description: str  # one line
    body: str = ""  # markdown
    url: str = ""  # where to read more; omitted when empty
    status: Tag | None = None
    severity: Tag | None = None


def outcome_document(outcome: Outcome) -> dict:
    attributes: dict[str, Any] = {
        "outcome-id": outcome.outcome_id,
        "description": " ".join(outcome.description.split()),
    }
    if outcome.body:
        body = outcome.body.encode()[:BODY_LIMIT].decode(errors="ignore")
        attributes["body"] = body if len(body) == len(outcome.body) else body + "\n\n… (truncated)"
    if outcome.url:
        attributes["url"] = outcome.url
    tags = {
        name: [{"label": tag.label, "level": tag.level}]
        for name, tag in (("Status", outcome.status), ("Severity", outcome.severity))
        if tag is not None
    }
    if tags:
        attributes["tags"] = tags
    return {"type": "task-result-outcomes", "attributes": attributes}


def task_result_document(status: str, message: str, outcomes: tuple[Outcome, ...] = (), url: str = "") -> dict:
    """The JSON:API body of the callback PATCH."""
    if status not in STATUSES:
        raise ValueError(f"task result status {status!r}: the API accepts only {', '.join(STATUSES)}")
    attributes = {"status": status, "message": message}
    if url:
        attributes["url"] = url
    data: dict[str, Any] = {"type": "task-results", "attributes": attributes}
    if outcomes:
        data["relationships"] = {"outcomes": {"data": [outcome_document(o) for o in outcomes]}}
    return {"data": data}


# ---------------------------------------------------------------------------- calls to HCP Terraform
class HcpTerraform:
    """The two calls a run task makes, with the run's access token."""

    def __init__(self, token: str, timeout: float = 30.0, not_ready_retries: int = 5, retry_seconds: float = 2.0):
        self.token = token
        self.timeout = timeout
        self.not_ready_retries = not_ready_retries
        self.retry_seconds = retry_seconds

    def _request(self, url: str, method: str, body: bytes | None = None) -> urllib.request.Request:
        request = urllib.request.Request(url, data=body, method=method)
        # Unredirected: the plan download redirects to a pre-authenticated storage URL, which must not get the token.
        request.add_unredirected_header("Authorization", f"Bearer {self.token}")
        request.add_unredirected_header("Content-Type", JSON_API)
        return request

    def download_plan(self, url: str) -> dict:
        """GET plan_json_api_url, following its redirect; 204 (plan not finished) is retried a few times."""
        status, content = self._get(url)
        for _ in range(self.not_ready_retries):
            if status != 204:
                break
            time.sleep(self.retry_seconds)
            status, content = self._get(url)
        if status == 204:
            raise PlanDownloadError("could not download the plan JSON: the plan has not finished (HTTP 204)", 204)
        try:
            document = json.loads(content)
        except ValueError:
            raise PlanDownloadError("the plan JSON download did not return JSON", status) from None
        if not isinstance(document, dict) or "format_version" not in document:
            raise PlanDownloadError("the plan JSON download did not return a Terraform JSON plan", status)
        return document

    def _get(self, url: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self._request(url, "GET"), timeout=self.timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            raise PlanDownloadError(_download_failure(err.code, err.reason), err.code) from None
        except (urllib.error.URLError, OSError) as err:
            raise PlanDownloadError(f"could not download the plan JSON: {getattr(err, 'reason', err)}") from None

    def send_result(self, callback_url: str, document: dict, attempts: int = 3) -> int:
        """PATCH task_result_callback_url; connection errors and 5xx are retried. Returns the HTTP status (0: none)."""
        body = json.dumps(document).encode()
        status = 0
        for attempt in range(attempts):
            try:
                with urllib.request.urlopen(self._request(callback_url, "PATCH", body), timeout=self.timeout) as resp:  # noqa: S310
                    return resp.status
            except urllib.error.HTTPError as err:
                status = err.code
                detail = err.read()[:500].decode(errors="replace")
                log.error("callback %s answered %s: %s", callback_url, err.code, detail)
                if err.code < 500:
                    return status
            except (urllib.error.URLError, OSError) as err:
                log.error("callback %s failed: %s", callback_url, err)
            if attempt + 1 < attempts:
                time.sleep(2**attempt)
        return status


def _download_failure(code: int, reason: str) -> str:
    if code in (401, 403, 404):
        return (
            f"could not download the plan JSON: HCP Terraform answered {code} {reason}. The run's access token "
            "is invalid or has expired (it is valid only while the task runs), or the plan cannot be read with "
            "it. Nothing was checked: re-run the plan."
        )
    return f"could not download the plan JSON: HCP Terraform answered {code} {reason}. Nothing was checked."
