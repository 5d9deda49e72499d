"""CodeDeploy lifecycle hook: an HTTP(S) check of the listener that carries the new tasks' traffic at
this point of the deployment, reported back to CodeDeploy. Standard library and boto3 only.

The hook always reports: bad settings, HTTP and TLS errors and timeouts all report `Failed`, and the
checks stop early enough to report before Lambda's own timeout. Otherwise CodeDeploy would wait for
the hook's timeout (an hour) before it rolls back. A report that fails is retried once; if the retry
fails too, the invocation raises, so the error shows in the function's log and error metrics.

Settings (environment variables):
  CHECK_URL              the URL as clients see it, e.g. https://app.example.com:8080/health
  CHECK_ADDRESS          optional: connect here (the ALB's DNS name) instead of the URL's host; the TLS
                         server name, the certificate check and the Host header still use the URL's host
  CHECK_EXPECTED_STATUS  the HTTP status a healthy release answers with (default 200); redirects are not followed
  CHECK_ATTEMPTS         attempts before giving up (default 10)
  CHECK_DELAY_SECONDS    pause between attempts (default 6)
  CHECK_TIMEOUT_SECONDS  connect and read timeout of one attempt (default 5)
  HOOK_CA_BUNDLE         optional CA bundle (PEM file) to verify the certificate with; default: the system's
"""

from __future__ import annotations

import http.client
import logging
import os
import ssl
import time
import urllib.parse
from dataclasses import dataclass

import boto3

REPORT_RESERVE_SECONDS = 10.0  # checks stop this long before Lambda's timeout, so the report still goes out
REPORT_RETRY_DELAY_SECONDS = 2.0

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


@dataclass(frozen=True)
class Check:
    url: urllib.parse.SplitResult
    address: str  # where to connect
    port: int
    expected_status: int
    attempts: int
    delay_seconds: float
    timeout_seconds: float
    ca_bundle: str | None

    @classmethod
    def from_environment(cls, environ) -> Check:
        """The check the settings describe; ValueError (naming the setting) when they do not describe one."""
        url = urllib.parse.urlsplit(_setting(environ, "CHECK_URL", None, str))
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"CHECK_URL: {url.geturl()!r} is not an http(s) URL with a host")
        try:
            port = url.port or (443 if url.scheme == "https" else 80)
        except ValueError as err:
            raise ValueError(f"CHECK_URL: {err}") from None
        check = cls(
            url=url,
            address=environ.get("CHECK_ADDRESS") or url.hostname,
            port=port,
            expected_status=_setting(environ, "CHECK_EXPECTED_STATUS", "200", int),
            attempts=_setting(environ, "CHECK_ATTEMPTS", "10", int),
            delay_seconds=_setting(environ, "CHECK_DELAY_SECONDS", "6", float),
            timeout_seconds=_setting(environ, "CHECK_TIMEOUT_SECONDS", "5", float),
            ca_bundle=environ.get("HOOK_CA_BUNDLE") or None,
        )
        if not 100 <= check.expected_status <= 599:
            raise ValueError(f"CHECK_EXPECTED_STATUS: {check.expected_status} is not an HTTP status")
        if check.attempts < 1 or check.delay_seconds < 0 or check.timeout_seconds <= 0:
            raise ValueError(
                "CHECK_ATTEMPTS must be at least 1, CHECK_DELAY_SECONDS at least 0, CHECK_TIMEOUT_SECONDS more than 0"
            )
        if check.ca_bundle and not os.path.isfile(check.ca_bundle):
            raise ValueError(f"HOOK_CA_BUNDLE: no file {check.ca_bundle!r}")
        return check

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.url.scheme == "https":
            return _VerifiedConnection(
                self.address, self.port, self.url.hostname, timeout, ssl.create_default_context(cafile=self.ca_bundle)
            )
        return http.client.HTTPConnection(self.address, self.port, timeout=timeout)

    def status(self, timeout: float) -> int:
        """One GET; the response's status code."""
        connection = self.connection(timeout)
        try:
            path = urllib.parse.urlunsplit(("", "", self.url.path or "/", self.url.query, ""))
            connection.request("GET", path, headers={"Host": self.url.netloc, "User-Agent": "codedeploy-hook"})
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


class _VerifiedConnection(http.client.HTTPConnection):
    """HTTPS to `address`, with the TLS server name and certificate verification of `server_name`."""

    default_port = 443

    def __init__(self, address: str, port: int, server_name: str, timeout: float, context: ssl.SSLContext):
        super().__init__(address, port, timeout=timeout)
        self.server_name, self.context = server_name, context

    def connect(self) -> None:
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.server_name)


def _setting(environ, name: str, default: str | None, convert):
    raw = environ.get(name, default)
    if raw is None:
        raise ValueError(f"{name}: missing")
    try:
        return convert(raw)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a {convert.__name__}") from None


def healthy(check: Check, seconds_left=lambda: float("inf")) -> bool:
    """Whether the listener answers with the expected status within `check.attempts` attempts and the time
    `seconds_left()` allows."""
    for attempt in range(1, check.attempts + 1):
        timeout = min(check.timeout_seconds, seconds_left())
        if timeout <= 0:
            logger.error("no time left for attempt %d", attempt)
            return False
        try:
            status = check.status(timeout)
            if status == check.expected_status:
                logger.info("attempt %d: HTTP %d", attempt, status)
                return True
            logger.warning("attempt %d: HTTP %d", attempt, status)
        except Exception as err:  # any failure to get an answer (socket, TLS, HTTP protocol) is an unhealthy answer
            logger.warning("attempt %d: %s: %s", attempt, type(err).__name__, err)
        if attempt < check.attempts:
            if seconds_left() <= check.delay_seconds:
                logger.error("no time left after attempt %d", attempt)
                return False
            time.sleep(check.delay_seconds)
    return False


def report(event: dict, status: str, codedeploy=None) -> None:
    """PutLifecycleEventHookExecutionStatus, retried once; raises when both attempts fail."""
    try:
        request = {
            "deploymentId": event["DeploymentId"],
            "lifecycleEventHookExecutionId": event["LifecycleEventHookExecutionId"],
            "status": status,
        }
    except (KeyError, TypeError):
        raise ValueError(f"not a CodeDeploy hook event, nothing to report to: {event!r}") from None
    for attempt in (1, 2):
        try:
            (codedeploy or boto3.client("codedeploy")).put_lifecycle_event_hook_execution_status(**request)
            logger.info("reported %s for deployment %s", status, request["deploymentId"])
            return
        except Exception as err:
            logger.error("report attempt %d of %s failed: %s: %s", attempt, status, type(err).__name__, err)
            if attempt == 2:
                raise RuntimeError(
                    f"could not report {status} to CodeDeploy for deployment "
                    f"{request['deploymentId']}: it waits until the hook times out"
                ) from err
            time.sleep(REPORT_RETRY_DELAY_SECONDS)


def handler(event, context, codedeploy=None):
    status = "Failed"
    try:
        seconds_left = _time_left(context)
        if healthy(Check.from_environment(os.environ), seconds_left):
            status = "Succeeded"
    except Exception:
        logger.exception("check failed")
    report(event, status, codedeploy)
    return {"status": status}


def _time_left(context):
    """Seconds left for checking: Lambda's remaining time minus what the report needs."""
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return lambda: float("inf")
    return lambda: context.get_remaining_time_in_millis() / 1000 - REPORT_RESERVE_SECONDS
