"""Per-stack HCP Terraform workspace settings, as data, for every environment whose backend is `cloud`.

Read from the environment model alone (no synthesis): an environment's stacks are `<env>-delivery` and
`<env>-service`, plus `<env>-eks` and `<env>-gitops` when it has an `eks` block (stacks/app.py). Each
workspace runs remotely (with local execution a workspace only holds state, and run tasks never run:
https://developer.hashicorp.com/terraform/cloud-docs/workspaces/run/remote-operations), from the stack's
synthesized directory, with the policy gate's run task attached at post_plan and mandatory, so that a
failed task stops the run before apply (https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run-tasks/run-tasks,
"Associate a Run Task to a Workspace").
Attribute names are the API's (workspaces: name, execution-mode, working-directory; workspace tasks:
enforcement-level, stages).

An environment with a `run_task` block deploys the task itself (stack `<env>-runtask`): each entry's
`task-url` says which stack output holds the URL to create the task with. That stack's own workspace gets
the task as advisory, so that a broken task never blocks the apply that repairs it.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from envconfig.loader import Catalog
from envconfig.model import CloudBackend, Environment
from envconfig.naming import RUN_TASK_URL_OUTPUT, EnvironmentNames

TASK_NAME = "platform-policy-gate"  # the run task's name in the organization
SYNTH_DIR = "cdktf.out/stacks"


def stack_names(env: Environment) -> list[str]:
    """The stacks stacks/app.py builds for `env`."""
    return list(EnvironmentNames(env).stacks)


def task_url_source(env: Environment) -> dict | None:
    """Where the task's URL comes from: the output of the environment's run task stack (None: the task is
    served elsewhere, e.g. `python -m tooling.runtask serve` behind TLS)."""
    if env.run_task is None or not isinstance(env.backend, CloudBackend):
        return None
    stack = EnvironmentNames(env).run_task.stack
    return {
        "stack": stack,
        "workspace": workspace_name(env.backend, stack),
        "output": RUN_TASK_URL_OUTPUT,
        "read-with": f"terraform output -raw {RUN_TASK_URL_OUTPUT} (in cdktf.out/stacks/{stack})",
    }


def workspace_name(backend: CloudBackend, stack: str) -> str:
    """The workspace a stack's `cloud` block names (stacks/base.py); with workspace_tags, `{stack}`."""
    return (backend.workspace_name or "{stack}").format(stack=stack)


def workspace_settings(catalog: Catalog, task_name: str = TASK_NAME) -> list[dict]:
    settings = []
    for env in catalog.selected:
        backend = env.backend
        if not isinstance(backend, CloudBackend):
            continue
        url = task_url_source(env)
        for stack in stack_names(env):
            workspace = {
                "name": workspace_name(backend, stack),
                "execution-mode": "remote",
                "working-directory": f"{SYNTH_DIR}/{stack}",
            }
            if backend.workspace_tags:
                workspace["tags"] = list(backend.workspace_tags)
            settings.append(
                {
                    "stack": stack,
                    "environment": env.name,
                    "hostname": backend.hostname,
                    "organization": backend.organization,
                    "project": backend.project or None,
                    "workspace": workspace,
                    "run-tasks": [
                        {
                            "task": task_name,
                            "enforcement-level": "advisory" if url and stack == url["stack"] else "mandatory",
                            "stages": ["post_plan"],
                            "task-url": url,
                        }
                    ],
                }
            )
    return settings


def stack_for(working_directory: str, workspace_name: str, known: dict[str, str]) -> str:
    """The stack a run belongs to: from its working directory (cdktf.out/stacks/<stack>), else from the
    workspace name (`known`: workspace name -> stack), else the workspace name itself."""
    parts = PurePosixPath(working_directory.strip("/")).parts
    if len(parts) >= 2 and parts[-2] == "stacks" and parts[-1]:
        return parts[-1]
    return known.get(workspace_name, workspace_name)


def known_workspaces(catalog: Catalog) -> dict[str, str]:
    """workspace name -> stack, for every stack of every environment with a cloud backend."""
    return {entry["workspace"]["name"]: entry["stack"] for entry in workspace_settings(catalog)}
