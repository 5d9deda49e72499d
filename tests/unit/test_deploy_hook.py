"""The hook Lambda's code: the check of a local HTTP or HTTPS listener, then the status reported to CodeDeploy
(stubbed client). Whatever goes wrong, CodeDeploy hears `Failed` rather than waiting for the hook's timeout."""

from __future__ import annotations

import datetime
import http.server
import socket
import ssl
import threading
import time

import boto3
import pytest
from botocore.stub import Stubber
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from modules.ecs.hook_code import validate

EVENT = {"DeploymentId": "d-ABC123", "LifecycleEventHookExecutionId": "hook-1"}
HOST_NAME = "app.acme.example"  # what the listener's certificate covers; the server itself is 127.0.0.1
REPORT = "put_lifecycle_event_hook_execution_status"


def expected_report(status: str) -> dict:
    return {"deploymentId": "d-ABC123", "lifecycleEventHookExecutionId": "hook-1", "status": status}


@pytest.fixture(autouse=True)
def settings(monkeypatch):
    for name in ("CHECK_URL", "CHECK_ADDRESS", "HOOK_CA_BUNDLE", "CHECK_TIMEOUT_SECONDS", "CHECK_EXPECTED_STATUS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHECK_ATTEMPTS", "2")
    monkeypatch.setenv("CHECK_DELAY_SECONDS", "0")
    monkeypatch.setattr(validate, "REPORT_RETRY_DELAY_SECONDS", 0, raising=False)


@pytest.fixture
def codedeploy():
    client = boto3.client("codedeploy", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


class Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    seen: list[dict] = []

    def do_GET(self):  # noqa: N802 (http.server's API)
        Handler.seen.append(
            {
                "host": self.headers["Host"],
                "path": self.path,
                "server_name": getattr(self.connection, "server_name_seen", None),
            }
        )
        self.send_response(Handler.status)
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(httpd):
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd


@pytest.fixture
def server():
    Handler.status, Handler.seen = 200, []
    httpd = serve(http.server.HTTPServer(("127.0.0.1", 0), Handler))
    yield httpd, Handler
    httpd.shutdown()


def certificate(directory, name: str):
    """A self-signed certificate for `name` (its own CA): (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS listener on 127.0.0.1 with a certificate for HOST_NAME; records the TLS server name asked for."""
    Handler.status, Handler.seen = 200, []
    cert_file, key_file = certificate(tmp_path, HOST_NAME)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)

    def remember(sock, server_name, _):
        sock.server_name_seen = server_name

    context.sni_callback = remember
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    serve(httpd)
    yield httpd, cert_file
    httpd.shutdown()


def run_hook(codedeploy, expected_status: str, context=None) -> dict:
    client, stub = codedeploy
    stub.add_response(REPORT, {"lifecycleEventHookExecutionId": "hook-1"}, expected_report(expected_status))
    return validate.handler(EVENT, context, codedeploy=client)


# --------------------------------------------------------------------------------------------- HTTP
def test_healthy_listener_reports_succeeded(server, codedeploy, monkeypatch):
    httpd, handler = server
    monkeypatch.setenv("CHECK_URL", f"http://127.0.0.1:{httpd.server_port}/health")
    assert run_hook(codedeploy, "Succeeded") == {"status": "Succeeded"}
    assert handler.seen[0]["path"] == "/health"


def test_server_errors_report_failed(server, codedeploy, monkeypatch):
    httpd, handler = server
    handler.status = 503
    monkeypatch.setenv("CHECK_URL", f"http://127.0.0.1:{httpd.server_port}/health")
    assert run_hook(codedeploy, "Failed") == {"status": "Failed"}
    assert len(handler.seen) == 2


@pytest.mark.parametrize(
    ("answer", "expected", "status"), [(204, "204", "Succeeded"), (200, "204", "Failed"), (302, "200", "Failed")]
)
def test_only_the_expected_status_is_healthy(server, codedeploy, monkeypatch, answer, expected, status):
    httpd, handler = server
    handler.status = answer
    monkeypatch.setenv("CHECK_URL", f"http://127.0.0.1:{httpd.server_port}/health")
    monkeypatch.setenv("CHECK_EXPECTED_STATUS", expected)
    assert run_hook(codedeploy, status) == {"status": status}


def test_unreachable_listener_reports_failed(codedeploy, monkeypatch):
    monkeypatch.setenv("CHECK_URL", "http://127.0.0.1:9/health")
    assert run_hook(codedeploy, "Failed") == {"status": "Failed"}


def raw_server(reply: bytes | None):
    """A TCP server that answers every connection with `reply` (None: never answers)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    connections = []

    def accept():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connections.append(connection)
            connection.recv(4096)
            if reply is not None:
                connection.sendall(reply)
                connection.close()

    threading.Thread(target=accept, daemon=True).start()
    return listener, connections


@pytest.mark.parametrize(
    "reply",
    [b"SSH-2.0-OpenSSH_9.6\r\n", b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n", b""],
    ids=["not-http", "too-many-headers", "closed"],
)
def test_http_protocol_errors_report_failed(codedeploy, monkeypatch, reply):
    """http.client raises its own exceptions (BadStatusLine, RemoteDisconnected, ...), not only OSError."""
    listener, _ = raw_server(reply)
    monkeypatch.setenv("CHECK_URL", f"http://127.0.0.1:{listener.getsockname()[1]}/health")
    try:
        assert run_hook(codedeploy, "Failed") == {"status": "Failed"}
    finally:
        listener.close()


class LambdaContext:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def test_checks_stop_in_time_to_report_before_lambda_times_out(codedeploy, monkeypatch):
    """A listener that never answers, slow attempts and long pauses: the hook still reports before its
    function's timeout (here 12 s, of which the report needs the last 10)."""
    listener, _ = raw_server(None)
    monkeypatch.setenv("CHECK_URL", f"http://127.0.0.1:{listener.getsockname()[1]}/health")
    monkeypatch.setenv("CHECK_ATTEMPTS", "10")
    monkeypatch.setenv("CHECK_DELAY_SECONDS", "6")
    started = time.monotonic()
    result = {}
    thread = threading.Thread(
        target=lambda: result.update(run_hook(codedeploy, "Failed", LambdaContext(12))), daemon=True
    )
    thread.start()
    thread.join(timeout=15)
    listener.close()
    assert result == {"status": "Failed"}, "no report before the function's timeout"
    assert time.monotonic() - started < 12 - validate.REPORT_RESERVE_SECONDS + 1


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"CHECK_URL": "ftp://listener.example/health"},
        {"CHECK_URL": "http:///health"},
        {"CHECK_URL": "http://127.0.0.1:99999/health"},
        {"CHECK_URL": "http://127.0.0.1:9/health", "CHECK_ATTEMPTS": "ten"},
        {"CHECK_URL": "http://127.0.0.1:9/health", "CHECK_ATTEMPTS": "0"},
        {"CHECK_URL": "https://app.acme.example/health", "HOOK_CA_BUNDLE": "/no/such/bundle.pem"},
        {"CHECK_URL": "http://127.0.0.1:9/health", "CHECK_EXPECTED_STATUS": "ok"},
        {"CHECK_URL": "http://127.0.0.1:9/health", "CHECK_EXPECTED_STATUS": "99"},
    ],
    ids=[
        "no-url",
        "not-http",
        "no-host",
        "bad-port",
        "attempts-not-a-number",
        "no-attempts",
        "no-ca-bundle",
        "status-not-a-number",
        "status-not-http",
    ],
)
def test_bad_settings_report_failed(codedeploy, monkeypatch, environment):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert run_hook(codedeploy, "Failed") == {"status": "Failed"}


# -------------------------------------------------------------------------------------------- HTTPS
def test_https_listener_is_checked_under_the_certificates_name(tls_server, codedeploy, monkeypatch):
    """Connect to the ALB's address, send the certificate's name as TLS server name and Host, and verify
    the certificate against that name (with the CA bundle HOOK_CA_BUNDLE names)."""
    httpd, cert_file = tls_server
    monkeypatch.setenv("CHECK_URL", f"https://{HOST_NAME}:{httpd.server_port}/health")
    monkeypatch.setenv("CHECK_ADDRESS", "127.0.0.1")
    monkeypatch.setenv("HOOK_CA_BUNDLE", str(cert_file))
    assert run_hook(codedeploy, "Succeeded") == {"status": "Succeeded"}
    assert Handler.seen[0] == {"host": f"{HOST_NAME}:{httpd.server_port}", "path": "/health", "server_name": HOST_NAME}


@pytest.mark.parametrize("case", ["other-name", "untrusted", "plain-http"])
def test_https_verification_failures_report_failed(tls_server, codedeploy, monkeypatch, tmp_path, case):
    """TLS verification is on: a name the certificate does not cover, a certificate no trusted CA signed, and
    HTTP to an HTTPS listener all fail the check."""
    httpd, cert_file = tls_server
    name, scheme = ("other.acme.example", "https") if case == "other-name" else (HOST_NAME, "https")
    if case == "plain-http":
        scheme = "http"
    monkeypatch.setenv("CHECK_URL", f"{scheme}://{name}:{httpd.server_port}/health")
    monkeypatch.setenv("CHECK_ADDRESS", "127.0.0.1")
    bundle = certificate(tmp_path, "unrelated.example")[0] if case == "untrusted" else cert_file
    monkeypatch.setenv("HOOK_CA_BUNDLE", str(bundle))
    assert run_hook(codedeploy, "Failed") == {"status": "Failed"}
    assert Handler.seen == []


# ------------------------------------------------------------------------------------------- report
def test_a_failed_report_is_retried_once(server, codedeploy, monkeypatch):
    httpd, _ = server
    monkeypatch.setenv("CHECK_URL", f"http://127.0.0.1:{httpd.server_port}/health")
    client, stub = codedeploy
    stub.add_client_error(
        REPORT, "ThrottlingException", http_status_code=400, expected_params=expected_report("Succeeded")
    )
    stub.add_response(REPORT, {"lifecycleEventHookExecutionId": "hook-1"}, expected_report("Succeeded"))
    assert validate.handler(EVENT, None, codedeploy=client) == {"status": "Succeeded"}


@pytest.mark.parametrize("error", ["ThrottlingException", "AccessDeniedException"])
def test_a_report_that_fails_twice_raises(server, codedeploy, monkeypatch, error):
    """Give up loudly: the invocation fails, so the error is in the function's log and Errors metric."""
    httpd, handler = server
    handler.status = 500
    monkeypatch.setenv("CHECK_URL", f"http://127.0.0.1:{httpd.server_port}/health")
    client, stub = codedeploy
    for _ in range(2):
        stub.add_client_error(REPORT, error, http_status_code=400, expected_params=expected_report("Failed"))
    with pytest.raises(RuntimeError, match="could not report Failed"):
        validate.handler(EVENT, None, codedeploy=client)


def test_a_client_that_cannot_be_made_is_retried_then_raises(server, monkeypatch):
    httpd, _ = server
    monkeypatch.setenv("CHECK_URL", f"http://127.0.0.1:{httpd.server_port}/health")
    calls = []

    def no_client(*args, **kwargs):
        calls.append(args)
        raise validate.boto3.exceptions.Boto3Error("no region")

    monkeypatch.setattr(validate.boto3, "client", no_client)
    with pytest.raises(RuntimeError, match="could not report Succeeded"):
        validate.handler(EVENT, None)
    assert len(calls) == 2


def test_an_event_without_ids_cannot_be_reported_and_raises(server, monkeypatch):
    httpd, _ = server
    monkeypatch.setenv("CHECK_URL", f"http://127.0.0.1:{httpd.server_port}/health")
    with pytest.raises(ValueError, match="not a CodeDeploy hook event"):
        validate.handler({"DeploymentId": "d-ABC123"}, None, codedeploy=object())
