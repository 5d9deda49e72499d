"""The run task endpoint HCP Terraform calls at post_plan (and pre_apply).

Protocol: https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run-tasks/run-tasks-integration.
A POST is answered at once: 401 when a key is set and the X-TFC-Task-Signature is missing or wrong
(nothing runs), 400 for a body this service cannot use, else 200 (HCP Terraform retries until it gets
one). The verification request sent when the task is created gets its 200 and nothing else. Every other
request gets a thread of its own: a `running` update, the plan download, the gate's checks (at most
`workers` checkov runs at a time, one run at a time per workspace) and the final `passed`/`failed` PATCH.
While a job waits or runs, `running` is re-sent every `heartbeat_seconds`: HCP Terraform errors a task
that sends no update for 10 minutes, or runs for more than 60.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tooling.gate.runner import ACK_FILE, SKIPS_FILE
from tooling.runtask.baselines import BaselineStore
from tooling.runtask.checks import Verdict, check_plan, failure
from tooling.runtask.protocol import (
    PLAN_STAGES,
    SIGNATURE_HEADER,
    HcpTerraform,
    PlanDownloadError,
    RunTaskRequest,
    parse_request,
    signature_valid,
    task_result_document,
)
from tooling.runtask.storage import LocalStorage, Storage
from tooling.runtask.workspaces import stack_for

log = logging.getLogger("tooling.runtask")
MAX_BODY = 1024 * 1024  # a run task request is a few KB
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


class RunTaskService:
    """Accepts run task requests and runs each in the background; HTTP-free, so tests can drive it too."""

    def __init__(
        self,
        state_dir: Path,
        hmac_key: bytes | None = None,
        workers: int = 2,
        heartbeat_seconds: float = 240.0,
        known_workspaces: dict[str, str] | None = None,
        skips_file: Path = SKIPS_FILE,
        ack_file: Path = ACK_FILE,
        client: Callable[[str], HcpTerraform] = HcpTerraform,
        storage: Storage | None = None,
    ):
        self.state_dir = Path(state_dir)  # scratch space; and the storage, unless one is given
        self.storage = storage or LocalStorage(self.state_dir)
        self.hmac_key = hmac_key or None
        self.heartbeat_seconds = heartbeat_seconds
        self.known_workspaces = known_workspaces or {}
        self.skips_file, self.ack_file = skips_file, ack_file
        self.client = client
        self.baselines = BaselineStore(self.storage)
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._workspace_locks: dict[str, threading.Lock] = {}
        self._accepted: set[str] = set()
        self._jobs: set[threading.Thread] = set()

    # ------------------------------------------------------------------------ the POST
    def accept(self, body: bytes, signature: str) -> tuple[int, str, RunTaskRequest | None]:
        """(HTTP status, text, the request to run or None) for one POST; runs nothing. The signature is
        verified before the body is even parsed."""
        if self.hmac_key is not None:
            if not signature or not signature_valid(body, signature, self.hmac_key):
                log.warning("rejected a request with a missing or invalid %s", SIGNATURE_HEADER)
                return 401, f"missing or invalid {SIGNATURE_HEADER}", None
        elif signature:
            return 400, "the request is signed, but this service has no HMAC key to verify it with", None
        try:
            request = parse_request(json.loads(body))
        except ValueError as err:
            return 400, f"not a run task request: {err}", None
        if request.is_verification:
            log.info("verification request answered")
            return 200, "", None
        return 200, "", request

    def claim(self, request: RunTaskRequest) -> bool:
        """True once per task result: HCP Terraform retries a POST until it gets a 200, and a retried
        request must not run twice (here, or in another process sharing the storage)."""
        with self._lock:
            if request.task_result_id in self._accepted:
                return False
            self._accepted.add(request.task_result_id)
        if _SAFE_ID.match(request.task_result_id) and not self.storage.create(
            f"accepted/{request.task_result_id}", request.run_id.encode()
        ):
            return False
        log.info(
            "accepted %s %s of %s (%s)", request.stage, request.run_id, request.workspace_name, request.task_result_id
        )
        return True

    def receive(self, body: bytes, signature: str) -> tuple[int, str]:
        """(HTTP status, text) for one POST; the accepted request runs in a thread of its own."""
        status, text, request = self.accept(body, signature)
        if request is not None and self.claim(request):
            with self._lock:
                job = threading.Thread(
                    target=self._job, args=(request,), name=f"runtask-{request.task_result_id}", daemon=True
                )
                self._jobs.add(job)
                job.start()
        return status, text

    def wait_idle(self, timeout: float) -> bool:
        """Wait for every job started so far; False if one is still running after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            jobs = list(self._jobs)
        for job in jobs:
            job.join(max(0.0, deadline - time.monotonic()))
        return not any(job.is_alive() for job in jobs)

    # ------------------------------------------------------------------------ the job
    def _job(self, request: RunTaskRequest) -> None:
        try:
            self.run(request)
        finally:
            with self._lock:
                self._jobs.discard(threading.current_thread())

    def run(self, request: RunTaskRequest) -> None:
        """One accepted request, start to end: `running`, download, checks, the final callback."""
        start = time.monotonic()
        client = self.client(request.access_token)
        stack = stack_for(request.workspace_working_directory, request.workspace_name, self.known_workspaces)
        try:
            with self._heartbeat(client, request.task_result_callback_url):
                verdict = self._verdict(request, client, stack)
        except Exception as err:  # an unexpected error still ends the task (failed), with its reason
            log.exception("run task %s failed", request.task_result_id)
            verdict = failure(f"the run task failed: {err}")
        document = task_result_document(verdict.status, verdict.message, verdict.outcomes)
        answered = client.send_result(request.task_result_callback_url, document)
        seconds = time.monotonic() - start
        log.info(
            "%s %s: %s in %.1fs (callback answered %s): %s",
            request.run_id,
            stack,
            verdict.status,
            seconds,
            answered,
            verdict.message,
        )
        self._keep_result(request, stack, document, answered, seconds)

    def _verdict(self, request: RunTaskRequest, client: HcpTerraform, stack: str) -> Verdict:
        if request.stage not in PLAN_STAGES or not request.plan_json_api_url:
            return failure(
                f"stage {request.stage} has no plan to check: attach this task at post_plan (or pre_apply)", "no-plan"
            )
        try:
            plan = client.download_plan(request.plan_json_api_url)
        except PlanDownloadError as err:
            return failure(str(err), "plan-download")
        with self._workspace_lock(request.workspace_id), self._slots:
            baseline = self.baselines.baseline_for(request.workspace_id, request.run_id)
            (self.state_dir / "work").mkdir(parents=True, exist_ok=True)
            workdir = Path(tempfile.mkdtemp(dir=self.state_dir / "work", prefix=f"{stack}-"))
            try:
                verdict = check_plan(plan, stack, baseline, workdir, self.skips_file, self.ack_file)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            if verdict.status == "passed" and not request.is_speculative:  # speculative plans are never applied
                self.baselines.record(request.workspace_id, request.run_id, plan)
        return verdict

    def _workspace_lock(self, workspace_id: str) -> threading.Lock:
        with self._lock:
            return self._workspace_locks.setdefault(workspace_id, threading.Lock())

    @contextmanager
    def _heartbeat(self, client: HcpTerraform, callback_url: str) -> Iterator[None]:
        """`running` now, and again every heartbeat_seconds until the block ends."""
        running = task_result_document("running", "checking the plan: checkov with policies/ and permission broadening")
        client.send_result(callback_url, running, attempts=1)
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.heartbeat_seconds):
                client.send_result(callback_url, running, attempts=1)

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _keep_result(self, request: RunTaskRequest, stack: str, document: dict, answered: int, seconds: float) -> None:
        """What was reported, as results/<task result id>.json of the storage (no token), for audit."""
        if not _SAFE_ID.match(request.task_result_id):
            return
        record = {
            "task_result_id": request.task_result_id,
            "run_id": request.run_id,
            "stage": request.stage,
            "workspace_id": request.workspace_id,
            "workspace_name": request.workspace_name,
            "stack": stack,
            "speculative": request.is_speculative,
            "seconds": round(seconds, 2),
            "callback_status": answered,
            "result": document,
        }
        self.storage.write(f"results/{request.task_result_id}.json", json.dumps(record, indent=1).encode())


# ---------------------------------------------------------------------------- HTTP
class RunTaskServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: RunTaskService):
        self.service = service
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: RunTaskServer
    server_version = "platform-runtask/1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._reply(413, "request too large")
            return
        body = self.rfile.read(length)
        status, text = self.server.service.receive(body, self.headers.get(SIGNATURE_HEADER, ""))
        self._reply(status, text)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.rstrip("/") in ("/healthz", "/healthcheck"):
            self._reply(200, json.dumps({"status": "available"}), "application/json")
        else:
            self._reply(404, "not found")

    def _reply(self, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        log.info("%s %s", self.address_string(), format % args)
