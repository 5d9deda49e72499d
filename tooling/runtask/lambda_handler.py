"""The run task service as an AWS Lambda function (stack `<env>-runtask`, image from tooling/runtask/Dockerfile).

One function, two kinds of event:
- a function URL request (HCP Terraform's POST; auth NONE because HCP Terraform cannot sign with SigV4):
  the HMAC signature is verified before anything else (`RunTaskService.accept`, as in `serve`); a valid
  run request is handed to an asynchronous invocation of this same function and answered 200 at once.
  Lambda freezes an environment once it has answered, so no thread may outlive the response
  (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
- that asynchronous event, `{"run_task_request": {"body", "signature"}}`: the signature is verified again
  (the function may also be invoked directly, see README), the request claimed once in the store
  (a retried POST makes a second event, which stops there), then `RunTaskService.run`: `running`, plan
  download, checks, callback. A watchdog sends `failed` shortly before the function's time limit, so a
  check that cannot finish in Lambda's 15 minutes ends the task instead of leaving HCP Terraform waiting.

Settings (environment variables of the function, none secret): RUN_TASK_BUCKET (the store),
RUN_TASK_SECRET_ID (the HMAC key's secret, read at cold start and again while it has no value),
AWS_LAMBDA_FUNCTION_NAME (set by Lambda: whom to invoke).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tooling.runtask.checks import failure
from tooling.runtask.protocol import SIGNATURE_HEADER, RunTaskRequest, task_result_document
from tooling.runtask.server import MAX_BODY, RunTaskService

log = logging.getLogger("tooling.runtask")

BUCKET_VARIABLE = "RUN_TASK_BUCKET"
SECRET_VARIABLE = "RUN_TASK_SECRET_ID"
WORK_EVENT = "run_task_request"
DEADLINE_MARGIN_SECONDS = 30.0  # the watchdog's `failed` leaves this much of the time limit for its PATCH
SCRATCH = Path("/tmp/runtask")  # noqa: S108 (Lambda's only writable directory)


def _response(status: int, text: str = "", content_type: str = "text/plain; charset=utf-8") -> dict:
    return {"statusCode": status, "headers": {"Content-Type": content_type}, "body": text}


class LambdaRunTask:
    """Routes the function's events; `key` returns the HMAC key (None: not set yet), `invoke` hands an
    event to an asynchronous invocation of the function. Both are injected so tests run without AWS."""

    def __init__(
        self,
        service: RunTaskService,
        key: Callable[[], bytes | None],
        invoke: Callable[[dict], None],
        margin_seconds: float = DEADLINE_MARGIN_SECONDS,
    ):
        self.service, self.key, self.invoke, self.margin_seconds = service, key, invoke, margin_seconds

    def __call__(self, event: dict, context) -> dict | None:
        if WORK_EVENT in event:
            self.work(event[WORK_EVENT], context)
            return None
        return self.http(event)

    # ---------------------------------------------------------------------------- function URL
    def http(self, event: dict) -> dict:
        method = event.get("requestContext", {}).get("http", {}).get("method", "")
        if method == "GET" and event.get("rawPath", "").rstrip("/") in ("/healthz", "/healthcheck"):
            return _response(200, json.dumps({"status": "available"}), "application/json")
        if method != "POST":
            return _response(404, "not found")
        body = event.get("body") or ""
        raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
        if len(raw) > MAX_BODY:
            return _response(413, "request too large")
        if not self._keyed():
            return _response(503, "the run task's HMAC key is not set (README: HCP Terraform run task)")
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        signature = headers.get(SIGNATURE_HEADER.lower(), "")
        status, text, request = self.service.accept(raw, signature)
        if request is not None:
            self.invoke({WORK_EVENT: {"body": raw.decode(), "signature": signature}})
        return _response(status, text)

    def _keyed(self) -> bool:
        """Requests are never run unauthenticated: without a key (secret without a value) nothing runs."""
        self.service.hmac_key = self.key()
        return self.service.hmac_key is not None

    # ---------------------------------------------------------------------------- the asynchronous run
    def work(self, payload: dict, context) -> None:
        if not self._keyed():
            log.error("asynchronous run without an HMAC key: nothing runs")
            return
        status, text, request = self.service.accept(str(payload.get("body", "")).encode(), payload.get("signature", ""))
        if request is None:
            log.warning("asynchronous event not run (%s): %s", status, text or "verification request")
            return
        if not self.service.claim(request):
            log.info("%s was accepted before: not run again", request.task_result_id)
            return
        remaining = context.get_remaining_time_in_millis() / 1000.0 if context is not None else 0.0
        watchdog = threading.Timer(max(remaining - self.margin_seconds, 0.0), self._timed_out, (request,))
        watchdog.daemon = True
        if remaining:
            watchdog.start()
        try:
            self.service.run(request)
        finally:
            watchdog.cancel()

    def _timed_out(self, request: RunTaskRequest) -> None:
        verdict = failure(
            "the check did not finish within the run task function's time limit (Lambda allows 15 minutes). "
            "Nothing was reported as checked: re-run the plan, or check the plan with `make gate`.",
            "time-limit",
        )
        document = task_result_document(verdict.status, verdict.message, verdict.outcomes)
        self.service.client(request.access_token).send_result(request.task_result_callback_url, document)


# -------------------------------------------------------------------------------- AWS wiring
class SecretKey:
    """The HMAC key from Secrets Manager: read at cold start, and again while the secret has no value
    (the stack creates it empty; README says how to put it)."""

    def __init__(self, secret_id: str, client=None):
        self.secret_id, self.client, self._key = secret_id, client, None

    def __call__(self) -> bytes | None:
        if self._key is None:
            if self.client is None:
                import boto3

                self.client = boto3.client("secretsmanager")
            try:
                value = self.client.get_secret_value(SecretId=self.secret_id).get("SecretString", "")
            except self.client.exceptions.ResourceNotFoundException:  # no version: no value put yet
                value = ""
            self._key = value.strip().encode() or None
        return self._key


def _self_invoker(function_name: str, client=None) -> Callable[[dict], None]:
    if client is None:
        import boto3

        client = boto3.client("lambda")

    def invoke(event: dict) -> None:
        client.invoke(FunctionName=function_name, InvocationType="Event", Payload=json.dumps(event).encode())

    return invoke


def build(environ: dict | None = None) -> LambdaRunTask:
    """The handler from the function's environment (the store, the secret, its own name)."""
    from envconfig.loader import ConfigError, load_environments
    from tooling.runtask.storage import S3Storage
    from tooling.runtask.workspaces import known_workspaces

    environ = os.environ if environ is None else environ
    try:
        known = known_workspaces(load_environments())
    except ConfigError as err:
        log.warning("environment files did not load (%s): stacks come from working directories only", err)
        known = {}
    service = RunTaskService(
        SCRATCH, None, workers=1, known_workspaces=known, storage=S3Storage(environ[BUCKET_VARIABLE])
    )
    return LambdaRunTask(
        service, SecretKey(environ[SECRET_VARIABLE]), _self_invoker(environ["AWS_LAMBDA_FUNCTION_NAME"])
    )


_handler: LambdaRunTask | None = None


def handler(event: dict, context) -> dict | None:
    """The image's CMD (tooling.runtask.lambda_handler.handler)."""
    global _handler
    if _handler is None:
        logging.getLogger().setLevel(logging.INFO)
        started = time.monotonic()
        _handler = build()
        log.info("run task function ready in %.1fs", time.monotonic() - started)
    return _handler(event, context)
