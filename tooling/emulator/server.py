"""The local AWS emulator as a managed component: moto's server on 127.0.0.1, on a free port.

    with Emulator.start(account_id="111111111111") as emulator:   # stopped on exit, error or Ctrl-C
        emulator.endpoint                                          # http://127.0.0.1:PORT

`make deploy` leaves it running (`Emulator.start(...).detach()`): its pid, port and account are in
build/emulator/emulator.json ($PLATFORM_EMULATOR_DIR instead of build/emulator/, for tests), its log in
build/emulator/server.log; `make emulator-stop` (and `make destroy` when it is done) stop it by that PID,
never by name. `PLATFORM_TARGET=emulator npx cdktf ...` finds it there too.

    python -m tooling.emulator.server status | stop        # what the Makefile calls
    python -m tooling.emulator.server serve --port N       # the server process itself (moto + our patches)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from tooling import ROOT  # noqa: E402
from tooling.emulator.patches import DEFAULT_ACCOUNT_VARIABLE

STATE_DIR = Path(os.environ.get("PLATFORM_EMULATOR_DIR") or ROOT / "build" / "emulator").resolve()
HOST = "127.0.0.1"  # loopback only
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
DEFAULT_ACCOUNT = "123456789012"


class EmulatorError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback URL we built)
            return response.status
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, OSError):
        return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0): reap it if it has exited.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


@dataclass
class Emulator:
    pid: int
    port: int
    account_id: str
    state_dir: str
    started: float

    # -- lifecycle ---------------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        account_id: str = DEFAULT_ACCOUNT,
        state_dir: Path = STATE_DIR,
        timeout: float = READY_TIMEOUT,
        multi_account: bool = False,
    ) -> Emulator:
        """Start moto on a free loopback port and wait (bounded) until it answers. `multi_account`: the emulator's
        credentials act in `account_id`, and credentials from STS AssumeRole in the role's account."""
        state_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        account = {DEFAULT_ACCOUNT_VARIABLE if multi_account else "MOTO_ACCOUNT_ID": account_id}
        env = {
            **{key: value for key, value in os.environ.items() if key != "MOTO_ACCOUNT_ID"},
            "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
            **account,
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        }
        log = open(state_dir / "server.log", "ab")  # noqa: SIM115 (handed to the child)
        process = subprocess.Popen(
            [sys.executable, "-m", "tooling.emulator.server", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        emulator = cls(process.pid, port, account_id, str(state_dir), time.time())
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise EmulatorError(
                        f"emulator exited with {process.returncode} at start; see {state_dir / 'server.log'}"
                    )
                if emulator.healthy():
                    emulator._write()
                    return emulator
                time.sleep(0.2)
        except BaseException:  # Ctrl-C while waiting: do not leave it behind
            emulator.stop()
            raise
        emulator.stop()
        raise EmulatorError(
            f"emulator did not answer on port {port} within {timeout:.0f}s; see {state_dir / 'server.log'}"
        )

    @classmethod
    def recorded(cls, state_dir: Path = STATE_DIR) -> Emulator | None:
        """The emulator a previous command left running, if its recorded PID is still our server process
        (checked through /proc, so a recycled PID is never signalled)."""
        info = state_dir / "emulator.json"
        if not info.exists():
            return None
        try:
            emulator = cls(**json.loads(info.read_text()))
            ours = b"tooling.emulator.server\0serve" in Path(f"/proc/{emulator.pid}/cmdline").read_bytes()
        except (ValueError, TypeError, OSError):
            ours = False
        if ours and _alive(emulator.pid):
            return emulator
        info.unlink(missing_ok=True)
        return None

    @classmethod
    def running(cls, state_dir: Path = STATE_DIR) -> Emulator | None:
        """The recorded emulator, if it also answers."""
        emulator = cls.recorded(state_dir)
        return emulator if emulator and emulator.healthy() else None

    def stop(self) -> None:
        """Stop our server by its PID: SIGTERM, then SIGKILL after a bounded wait."""
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 2.0)):
            if not _alive(self.pid):
                break
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _alive(self.pid):
                time.sleep(0.1)
        info = Path(self.state_dir) / "emulator.json"
        if info.exists() and json.loads(info.read_text()).get("pid") == self.pid:
            info.unlink()

    def detach(self) -> Emulator:
        """Leave it running past this process (make deploy); `make emulator-stop` ends it."""
        self._detached = True
        return self

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc) -> None:
        if not getattr(self, "_detached", False):
            self.stop()

    # -- use ---------------------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def healthy(self) -> bool:
        return _get(f"{self.endpoint}/moto-api/") == 200

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass

    def boto3_client(self, service: str, region: str = "eu-west-1"):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="emulator",
            aws_secret_access_key="emulator",
        )

    def hint(self, region: str = "eu-west-1") -> str:
        return (
            f"AWS_ACCESS_KEY_ID=emulator AWS_SECRET_ACCESS_KEY=emulator "
            f"aws --endpoint-url {self.endpoint} --region {region} ecr describe-repositories"
        )

    def _write(self) -> None:
        info = Path(self.state_dir) / "emulator.json"
        partial = info.with_suffix(".partial")
        partial.write_text(json.dumps({k: v for k, v in asdict(self).items()}, indent=1))
        partial.replace(info)


def _serve(port: int) -> None:
    """The server process: moto with the project's emulator patches, bound to loopback only."""
    from moto import server

    from tooling.emulator.patches import apply_all

    apply_all()
    server.main(["-H", HOST, "-p", str(port)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.emulator.server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--port", type=int, required=True)
    sub.add_parser("status")
    sub.add_parser("stop")
    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args.port)
        return 0
    emulator = Emulator.recorded()
    if args.command == "status":
        print(
            f"emulator running: pid {emulator.pid}, {emulator.endpoint}, account {emulator.account_id}"
            if emulator
            else "emulator not running"
        )
        return 0
    if emulator:
        emulator.stop()
        print(f"emulator stopped (pid {emulator.pid})")
    else:
        print("emulator not running")
    return 0


if __name__ == "__main__":
    sys.exit(main())
