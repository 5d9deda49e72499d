"""One model of a service's release: the task definition, the CodeDeploy appspec and the ECS
image definitions all come from `ReleaseSpec`, and so does the `aws_ecs_task_definition` resource.
Container name, port, family, roles and log group therefore cannot drift between the
infrastructure and the files the pipeline deploys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from envconfig.model import Environment, Service
from envconfig.naming import EnvironmentNames, ServiceNames
from reference import ecs_lifecycle_hooks

IMAGE_PLACEHOLDER = "<IMAGE1_NAME>"  # CodeDeployToECS fills it from imageDetail.json
TASK_DEFINITION_PLACEHOLDER = "<TASK_DEFINITION>"  # CodeDeployToECS fills it after registering


@dataclass(frozen=True)
class HookCheck:
    """The project's HTTP check (modules/ecs/hook_code/validate.py): GET `path` on `listener`, expect a status."""

    listener: Literal["test", "production"]
    path: str
    expected_status: int


@dataclass(frozen=True)
class ReleaseHook:
    """One appspec hook: the lifecycle event and the Lambda function it invokes, by name (the form of AWS's
    examples; every hook function is in the deployment's account and region, so the name is unambiguous)."""

    event: str
    function: str
    check: HookCheck | None = None  # default None: the user's own function; else the project's check it runs


@dataclass(frozen=True)
class ReleaseSpec:
    """What an ECS service in one environment runs."""

    environment: str
    region: str
    family: str
    container_name: str
    container_port: int
    cpu: int
    memory: int
    execution_role_arn: str
    task_role_arn: str
    log_group: str
    hooks: tuple[ReleaseHook, ...] = ()  # in the order CodeDeploy runs them; default: none

    @property
    def hook_checks(self) -> tuple[ReleaseHook, ...]:
        """The hooks whose functions the project creates: those that run its built-in check."""
        return tuple(hook for hook in self.hooks if hook.check is not None)

    def container_definitions(self, image: str) -> list[dict]:
        return [
            {
                "name": self.container_name,
                "image": image,
                "essential": True,
                "portMappings": [{"containerPort": self.container_port, "protocol": "tcp"}],
                "readonlyRootFilesystem": False,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": self.log_group,
                        "awslogs-region": self.region,
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            }
        ]

    def task_definition(self, image: str = IMAGE_PLACEHOLDER) -> dict:
        """`taskdef.json` for CodeDeployToECS: the RegisterTaskDefinition input."""
        return {
            "family": self.family,
            "networkMode": "awsvpc",
            "executionRoleArn": self.execution_role_arn,
            "taskRoleArn": self.task_role_arn,
            "containerDefinitions": self.container_definitions(image),
            "requiresCompatibilities": ["FARGATE"],
            "cpu": str(self.cpu),
            "memory": str(self.memory),
            "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
        }

    def appspec(self) -> dict:
        """`appspec.yaml` for an ECS blue/green deployment."""
        spec = {
            "version": 0.0,
            "Resources": [
                {
                    "TargetService": {
                        "Type": "AWS::ECS::Service",
                        "Properties": {
                            "TaskDefinition": TASK_DEFINITION_PLACEHOLDER,
                            "LoadBalancerInfo": {
                                "ContainerName": self.container_name,
                                "ContainerPort": self.container_port,
                            },
                            "PlatformVersion": "LATEST",
                        },
                    }
                }
            ],
        }
        if self.hooks:
            spec["Hooks"] = [{hook.event: hook.function} for hook in self.hooks]
        return spec

    @property
    def taskdef_file(self) -> str:
        return f"taskdef-{self.environment}.json"

    @property
    def appspec_file(self) -> str:
        return f"appspec-{self.environment}.yaml"


# (id(environment), id(service)) -> (environment, service, release); holding both keeps their ids unique.
_RELEASES: dict[tuple[int, int], tuple[Environment, Service, ReleaseSpec]] = {}


def release_spec(env: Environment, service: Service) -> ReleaseSpec:
    """What `service` runs in `env`, computed once per (environment, service).

    Cached because one release has many readers: the service stack, and each pipeline promoting into
    `env` (its deploy target and the files its build writes). Keyed by the objects rather than their
    names, because an edited copy of an environment (a variant with another strategy) keeps its name.
    """
    key = (id(env), id(service))
    if key not in _RELEASES:
        names = EnvironmentNames(env).service(service)
        hooks = release_hooks(service, names) if service.deployment.strategy == "blue_green" else ()
        release = ReleaseSpec(
            environment=env.name,
            region=env.region,
            family=names.task_family,
            container_name=names.container,
            container_port=service.container_port,
            cpu=service.cpu,
            memory=service.memory,
            execution_role_arn=names.role_arn("task-execution"),
            task_role_arn=names.role_arn("task"),
            log_group=names.task_log_group,
            hooks=hooks,
        )
        _RELEASES[key] = (env, service, release)
    return _RELEASES[key][2]


def release_hooks(service: Service, names: ServiceNames) -> tuple[ReleaseHook, ...]:
    """The service's hooks in AWS's run order: a user function by its name, a built-in check by the function the
    service stack creates for it, on the listener that routes to the new tasks unless the hook names one."""
    order = list(ecs_lifecycle_hooks())
    hooks = []
    for hook in sorted(service.deployment.hooks, key=lambda hook: order.index(hook.name)):
        if hook.function_arn:
            hooks.append(ReleaseHook(hook.name, hook.function_arn.split(":")[6]))
            continue
        check = HookCheck(
            listener=hook.listener or ecs_lifecycle_hooks()[hook.name][0],
            path=hook.path or service.health_check_path,
            expected_status=hook.expected_status,
        )
        hooks.append(ReleaseHook(hook.name, names.hook_function(hook.name), check))
    return tuple(hooks)
