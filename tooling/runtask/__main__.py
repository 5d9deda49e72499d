"""`python -m tooling.runtask serve | workspaces`.

serve --port N [--host H] [--hmac-key-file F] [--state-dir DIR] [--workers N]
    the run task endpoint (tooling/runtask/server.py); the HMAC key comes from the file, else from
    $RUN_TASK_HMAC_KEY; without one, requests are not authenticated (a warning says so)
workspaces [--task-name NAME]
    JSON: the HCP Terraform workspace settings of every stack of the environments whose backend is cloud
image-repository ENV
    the ECR repository of ENV's run task stack, where `make runtask-image` pushes the function's image
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from tooling import ROOT

STATE_DIR = ROOT / "build" / "runtask"
KEY_VARIABLE = "RUN_TASK_HMAC_KEY"


def _hmac_key(path: Path | None) -> bytes | None:
    text = path.read_text() if path else os.environ.get(KEY_VARIABLE, "")
    return text.strip().encode() or None


def serve(args: argparse.Namespace) -> int:
    from envconfig.loader import ConfigError, load_environments
    from tooling.gate.runner import GateError, checkov_binary, load_skips
    from tooling.runtask.server import RunTaskServer, RunTaskService, log
    from tooling.runtask.workspaces import known_workspaces

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        checkov_binary()
        load_skips()
    except GateError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    key = _hmac_key(args.hmac_key_file)
    if key is None:
        log.warning("no HMAC key (--hmac-key-file or $%s): requests are not authenticated", KEY_VARIABLE)
    try:
        known = known_workspaces(load_environments())
    except ConfigError as err:  # runs still resolve their stack from the working directory
        log.warning("environment files did not load (%s): stacks come from working directories only", err)
        known = {}
    service = RunTaskService(args.state_dir, key, workers=args.workers, known_workspaces=known)
    server = RunTaskServer((args.host, args.port), service)
    log.info("run task listening on http://%s:%s (state in %s)", args.host, server.server_port, args.state_dir)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def workspaces(args: argparse.Namespace) -> int:
    from envconfig.loader import ConfigError, load_environments, selected_environments
    from tooling.runtask.workspaces import workspace_settings

    try:
        catalog = load_environments(selected_environments())
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(workspace_settings(catalog, args.task_name), indent=2))
    return 0


def image_repository(args: argparse.Namespace) -> int:
    from envconfig.loader import ConfigError, load_environments
    from envconfig.naming import EnvironmentNames

    try:
        env = load_environments([args.environment]).by_name[args.environment]
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if env.run_task is None:
        print(f"error: {env.file}: run_task: no run_task block, so no run task stack", file=sys.stderr)
        return 2
    print(EnvironmentNames(env).run_task.repository_url)
    return 0


def main(argv: list[str] | None = None) -> int:
    from tooling.runtask.workspaces import TASK_NAME

    parser = argparse.ArgumentParser(prog="python -m tooling.runtask", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="the run task endpoint HCP Terraform calls")
    run.add_argument("--port", type=int, required=True, help="0 picks a free port")
    run.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    run.add_argument("--hmac-key-file", type=Path, help=f"the task's HMAC key (default: ${KEY_VARIABLE})")
    run.add_argument(
        "--state-dir",
        type=Path,
        default=STATE_DIR,
        help="last passed plan per workspace, results, scratch (default build/runtask)",
    )
    run.add_argument("--workers", type=int, default=2, help="checkov runs at the same time (default 2)")
    run.set_defaults(handler=serve)
    listing = commands.add_parser("workspaces", help="per-stack workspace settings (JSON)")
    listing.add_argument("--task-name", default=TASK_NAME, help=f"the run task's name (default {TASK_NAME})")
    listing.set_defaults(handler=workspaces)
    repository = commands.add_parser("image-repository", help="the ECR repository of the run task's image")
    repository.add_argument("environment", help="an environment with a run_task block, e.g. prod")
    repository.set_defaults(handler=image_repository)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
