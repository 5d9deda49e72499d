"""The generated buildspec run for real, as CodeBuild runs it, in a sandboxed shell.

What is CodeBuild's (https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html,
https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html):
  - one shell for the whole build: a variable set in pre_build is seen in post_build;
  - phases install, pre_build, build, post_build in that order, each command in turn; a failing command fails
    its phase; `on-failure: ABORT` ends the build there (no later phase runs);
  - `env.parameter-store` / `env.secrets-manager` read before install with the build role (ssm:GetParameters,
    secretsmanager:GetSecretValue; a `secret-id:json-key` reference reads one key of a JSON secret);
  - CODEBUILD_* and AWS_DEFAULT_REGION/AWS_REGION set as the build environment documents them.
What is not: `runtime-versions` (the host's runtimes are used: noted on the timeline), the image (the
host's bash in a temporary directory, with `docker` and `aws` replaced by tooling/rehearsal/recorder.py).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tooling import ROOT
from tooling.rehearsal.actors import CallRecord, RoleActors
from tooling.rehearsal.contracts import ActingRole, RehearsalDenied

PHASES = ("install", "pre_build", "build", "post_build")
PHASE_MARK = "::rehearsal-phase"


class BuildFailed(RuntimeError):
    """A phase failed: the phase, the command and its exit status."""


@dataclass
class PhaseResult:
    name: str
    status: str  # "SUCCEEDED" | "FAILED"
    seconds: float
    failed_command: str = ""


@dataclass
class BuildResult:
    phases: list[PhaseResult] = field(default_factory=list)
    output: str = ""
    calls: list[dict] = field(default_factory=list)


def script(spec: dict) -> str:
    """One bash script for the build: each phase a function; a failing command stops its phase; ABORT (also
    CodeBuild's default) ends the build after a failed phase, CONTINUE goes on to the next."""
    lines = ['exec 3>>"$REHEARSAL_PHASE_LOG"', 'cd "$CODEBUILD_SRC_DIR"']
    for name in PHASES:
        phase = spec.get("phases", {}).get(name)
        if not phase:
            continue
        lines.append(f"phase_{name}() {{")
        for command in phase.get("commands", []):
            lines += [
                command,
                f"__rc=$?; if [ $__rc -ne 0 ]; then echo {shlex.quote(command)} >&3; return $__rc; fi",
            ]
        lines += [":", "}"]
        lines += [
            f"echo '{PHASE_MARK} {name} start' $(date +%s.%N) >&3",
            f"phase_{name}; __rc=$?",
            f"echo '{PHASE_MARK} {name} end' $__rc $(date +%s.%N) >&3",
            # ABORT: the build ends with the failed phase (https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.phases)
            "if [ $__rc -ne 0 ]; then exit $__rc; fi" if phase.get("on-failure", "ABORT") == "ABORT" else ":",
        ]
    return "\n".join(lines) + "\n"


def _parse_phases(log: str) -> list[PhaseResult]:
    results, started, failed_command = [], {}, ""
    for line in log.splitlines():
        if not line.startswith(PHASE_MARK):
            failed_command = line
            continue
        _, name, event, *rest = line.split()
        if event == "start":
            started[name], failed_command = float(rest[0]), ""
        else:
            rc, end = int(rest[0]), float(rest[1])
            status = "SUCCEEDED" if rc == 0 else "FAILED"
            results.append(PhaseResult(name, status, end - started[name], failed_command if rc else ""))
    return results


def tool_directory(directory: Path) -> Path:
    """`docker` and `aws` on the build's PATH: the recorder, run by this interpreter."""
    directory.mkdir(parents=True, exist_ok=True)
    for tool in ("docker", "aws", "kubectl"):
        path = directory / tool
        path.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m tooling.rehearsal.recorder {tool} "$@"\n')
        path.chmod(0o755)
    return directory


def resolve_environment(actors: RoleActors, role: ActingRole, spec: dict) -> dict[str, str]:
    """The buildspec's `env`: plain variables, then parameter-store and secrets-manager values read with the role."""
    env = spec.get("env", {})
    values = {name: str(value) for name, value in env.get("variables", {}).items()}
    parameters = env.get("parameter-store", {})
    if parameters:
        found = actors.client(role, "ssm").get_parameters(Names=sorted(set(parameters.values())), WithDecryption=True)
        if found["InvalidParameters"]:
            raise BuildFailed(f"DOWNLOAD_SOURCE: parameter(s) not found: {found['InvalidParameters']}")
        by_name = {p["Name"]: p["Value"] for p in found["Parameters"]}
        values |= {variable: by_name[name] for variable, name in parameters.items()}
    secrets = actors.client(role, "secretsmanager") if env.get("secrets-manager") else None
    for variable, reference in env.get("secrets-manager", {}).items():
        secret_id, _, json_key = reference.partition(":")
        secret = secrets.get_secret_value(SecretId=secret_id)["SecretString"]
        values[variable] = json.loads(secret)[json_key] if json_key else secret
    return values


def run_buildspec(
    actors: RoleActors,
    role: ActingRole,
    buildspec: str,
    source_dir: Path,
    work_dir: Path,
    codebuild_env: dict[str, str],
    step: str,
) -> BuildResult:
    """Run `buildspec` over `source_dir` (the unpacked source artifact) as `role`; raise BuildFailed on a
    failed phase, RehearsalDenied when a recorded call was denied."""
    spec = yaml.safe_load(buildspec)
    work_dir.mkdir(parents=True, exist_ok=True)
    identity = actors.identities[role]
    actor_file = work_dir / "actor.json"
    actor_file.write_text(
        json.dumps(
            {
                "endpoint": actors.endpoint,
                "account_id": actors.account.account_id,
                "region": actors.account.region,
                "role": role,
                "name": identity.name,
                "credentials": identity.credentials,
                "policies": identity.policies,
                "admin_keys": actors.admin_keys,
            }
        )
    )
    actor_file.chmod(0o600)
    calls, phase_log = work_dir / "calls.jsonl", work_dir / "phases.log"
    for path in (calls, phase_log):
        path.write_text("")
    tools = tool_directory(work_dir / "bin")
    env = {
        "PATH": f"{tools}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(work_dir / "home"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        **actors.credentials(role),
        "AWS_REGION": actors.account.region,
        "CODEBUILD_SRC_DIR": str(source_dir),
        **codebuild_env,
        **resolve_environment(actors, role, spec),
        "REHEARSAL_ACTOR": str(actor_file),
        "REHEARSAL_CALLS": str(calls),
        "REHEARSAL_PHASE_LOG": str(phase_log),
        "REHEARSAL_DOCKER_DIR": str(work_dir / "images"),
        "REHEARSAL_STEP": step,
    }
    (work_dir / "home").mkdir(exist_ok=True)
    start = time.monotonic()
    completed = subprocess.run(  # noqa: S603 (bash with our generated script)
        ["bash", "-c", script(spec)],
        cwd=source_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = BuildResult(
        _parse_phases(phase_log.read_text()),
        completed.stdout + completed.stderr,
        [json.loads(line) for line in calls.read_text().splitlines() if line],
    )
    for call in (c for c in result.calls if "denied" not in c):
        checks = tuple((c["action"], c["resource"], c["allowed"]) for c in call["checks"])
        actors.on_call(CallRecord(call["step"], call["role"], call["operation"], checks, call["outcome"]))
    denied = next((call["denied"] for call in result.calls if "denied" in call), None)
    if denied:
        raise RehearsalDenied(denied)
    failed = next((phase for phase in result.phases if phase.status == "FAILED"), None)
    if failed or completed.returncode:
        where = f"phase {failed.name}: `{failed.failed_command}`" if failed else f"exit {completed.returncode}"
        tail = " | ".join(completed.stderr.strip().splitlines()[-2:])
        raise BuildFailed(f"{where} failed after {time.monotonic() - start:.1f}s ({tail})")
    return result
