"""What the pipeline deploys, read from the plans: the taskdef-<env>.json, appspec-<env>.yaml and
imagedefinitions.json the planned build writes, checked against the APIs that read them (botocore's
RegisterTaskDefinition input, the documented ECS AppSpec, CodePipeline's deploy actions) and against the
service stacks' plans they deploy into."""

from __future__ import annotations

import dataclasses
import json
import shlex

import botocore.session
import pytest
import yaml
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters
from jsonschema import Draft202012Validator

from envconfig.model import LifecycleHook
from envconfig.naming import EnvironmentNames
from reference import ecs_lifecycle_hooks
from release.model import release_spec
from tests.plan.documented import documented_arn

REGISTER_TASK_DEFINITION = (
    botocore.session.get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition").input_shape
)

# CodePipeline's CodeDeployToECS action (https://docs.aws.amazon.com/codepipeline/latest/userguide/
# action-reference-ECSbluegreen.html, tutorial: .../tutorials-ecs-ecr-codedeploy.html): it puts the image URI in
# place of `<Image1ContainerName>` in the task definition template, registers it, and writes the registered ARN
# in place of this placeholder in the appspec.
APPSPEC_TASK_DEFINITION = "<TASK_DEFINITION>"

# The ECS AppSpec as the CodeDeploy user guide documents it. AWS publishes no machine-readable schema for it
# (none in SchemaStore's catalog either), so this is transcribed from
# https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-ecs
# and https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
APPSPEC_SCHEMA = {
    "type": "object",
    "required": ["version", "Resources"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 0.0},
        "Resources": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["TargetService"],
                "additionalProperties": False,
                "properties": {
                    "TargetService": {
                        "type": "object",
                        "required": ["Type", "Properties"],
                        "additionalProperties": False,
                        "properties": {
                            "Type": {"const": "AWS::ECS::Service"},
                            "Properties": {
                                "type": "object",
                                "required": ["TaskDefinition", "LoadBalancerInfo"],
                                "additionalProperties": False,
                                "properties": {
                                    "TaskDefinition": {"type": "string"},
                                    "LoadBalancerInfo": {
                                        "type": "object",
                                        "required": ["ContainerName", "ContainerPort"],
                                        "additionalProperties": False,
                                        "properties": {
                                            "ContainerName": {"type": "string"},
                                            "ContainerPort": {"type": "integer", "minimum": 1, "maximum": 65535},
                                        },
                                    },
                                    "PlatformVersion": {"type": "string"},
                                    "NetworkConfiguration": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "properties": {
                                            "AwsvpcConfiguration": {
                                                "type": "object",
                                                "additionalProperties": False,
                                                "properties": {
                                                    "Subnets": {"type": "array", "items": {"type": "string"}},
                                                    "SecurityGroups": {"type": "array", "items": {"type": "string"}},
                                                    "AssignPublicIp": {"enum": ["ENABLED", "DISABLED"]},
                                                },
                                            }
                                        },
                                    },
                                    "CapacityProviderStrategy": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "additionalProperties": False,
                                            "required": ["CapacityProvider"],
                                            "properties": {
                                                "Base": {"type": "integer"},
                                                "CapacityProvider": {"type": "string"},
                                                "Weight": {"type": "integer"},
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    }
                },
            },
        },
        "Hooks": {
            "type": "array",
            "items": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "propertyNames": {
                    "enum": [
                        "BeforeInstall",
                        "AfterInstall",
                        "AfterAllowTestTraffic",
                        "BeforeAllowTraffic",
                        "AfterAllowTraffic",
                    ]
                },
                "additionalProperties": {"type": "string", "minLength": 1},
            },
        },
    },
}
APPSPEC = Draft202012Validator(APPSPEC_SCHEMA)


def enum_errors(shape, value, path="") -> list[str]:
    """String values outside the model's enums (botocore's own validator does not check enums)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return [
            e
            for key, item in value.items()
            if key in shape.members
            for e in enum_errors(shape.members[key], item, f"{path}.{key}")
        ]
    if shape.type_name == "list" and isinstance(value, list):
        return [e for index, item in enumerate(value) for e in enum_errors(shape.member, item, f"{path}[{index}]")]
    if shape.type_name == "string" and shape.enum and value not in shape.enum:
        return [f"{path}: {value!r} not in {shape.enum}"]
    return []


def register_task_definition_errors(document: dict) -> list[str]:
    """What ECS's RegisterTaskDefinition input model (botocore) says is wrong with a task definition."""
    try:
        validate_parameters(document, REGISTER_TASK_DEFINITION)
        errors = []
    except ParamValidationError as error:
        errors = error.kwargs["report"].splitlines()
    return errors + enum_errors(REGISTER_TASK_DEFINITION, document)


@dataclasses.dataclass
class Build:
    """The build a delivery plan runs: its buildspec, the files it writes and the deploy actions that read them."""

    buildspec: dict
    files: dict[str, str]  # path -> content, from its `printf '%s\n' '<content>' > <path>` commands
    deploys: list[dict]  # the pipeline's deploy actions (provider, configuration)

    def image_definitions(self) -> list[dict]:
        """imagedefinitions.json as the build writes it, with the buildspec's variables filled in."""
        variables = self.buildspec["env"]["variables"]
        for command in self.buildspec["phases"]["post_build"]["commands"]:
            words = shlex.split(command)
            if words[0] == "printf" and words[-2:] == [">", "imagedefinitions.json"]:
                arguments = [variables.get(word[1:], word) if word.startswith("$") else word for word in words[2:-2]]
                return json.loads(words[1] % tuple(arguments))
        raise AssertionError("the build writes no imagedefinitions.json")


def build_of(plan, pipeline: dict) -> Build:
    actions = [action for stage in pipeline["stage"] for action in stage["action"]]
    [project_name] = [
        a["configuration"]["ProjectName"]
        for stage in pipeline["stage"]
        if stage["name"] == "Build"
        for a in stage["action"]
        if a["provider"] == "CodeBuild"
    ]
    project = next(r["values"] for r in plan.of_type("aws_codebuild_project") if r["values"]["name"] == project_name)
    buildspec = yaml.safe_load(project["source"][0]["buildspec"].replace("$${", "${"))
    files = {}
    for command in buildspec["phases"]["post_build"]["commands"]:
        words = shlex.split(command)
        if words[:2] == ["printf", "%s\\n"] and len(words) == 5 and words[3] == ">":
            files[words[4]] = words[2]
    return Build(buildspec, files, [a for a in actions if a["category"] == "Deploy"])


def builds(plans) -> list[tuple[str, Build]]:
    """Every pipeline's build (a function service's too: its deploy is a CodeBuild action, no ECS file)."""
    return [
        (name, build_of(plan, pipeline["values"]))
        for name, plan in sorted(plans.items())
        if name.endswith("-delivery")
        for pipeline in plan.of_type("aws_codepipeline")
    ]  # promotion = []: no pipeline


def target_of(plans, action: dict):
    """The service plan a deploy action deploys into, found by the names in the action's configuration."""
    config = action["configuration"]
    for name, plan in plans.items():
        if not name.endswith("-service"):
            continue
        if action["provider"] == "CodeDeployToECS" and any(
            (g["values"]["app_name"], g["values"]["deployment_group_name"])
            == (config["ApplicationName"], config["DeploymentGroupName"])
            for g in plan.of_type("aws_codedeploy_deployment_group")
        ):
            return plan
        if (
            action["provider"] == "ECS"
            and any(s["values"]["name"] == config["ServiceName"] for s in plan.of_type("aws_ecs_service"))
            and any(c["values"]["name"] == config["ClusterName"] for c in plan.of_type("aws_ecs_cluster"))
        ):
            return plan
    raise AssertionError(f"no service plan has what {action['name']} deploys to: {config}")


def blue_green_deploys(plans):
    """(delivery stack, action, build, target service plan) for every CodeDeployToECS action."""
    found = [
        (name, action, build, target_of(plans, action))
        for name, build in builds(plans)
        for action in build.deploys
        if action["provider"] == "CodeDeployToECS"
    ]
    assert found, "no pipeline deploys blue/green"
    return found


def only(plan, resource_type: str) -> dict:
    [resource] = plan.of_type(resource_type)
    return resource["values"]


def test_release_is_computed_once_per_environment_and_service(catalog):
    env = catalog.by_name["prod"]
    service = env.services[0]
    assert release_spec(env, service) is release_spec(env, service)
    rolling = dataclasses.replace(service, deployment=dataclasses.replace(service.deployment, strategy="rolling"))
    assert release_spec(env, service).hooks and not release_spec(env, rolling).hooks


# AWS's ECS lifecycle hook events in their run order, as the documentation lists them (the schema's transcription);
# reference/ecs_lifecycle_hooks.json, which the app reads, must say the same.
AWS_ECS_HOOK_ORDER = APPSPEC_SCHEMA["properties"]["Hooks"]["items"]["propertyNames"]["enum"]


def test_appspec_renders_every_hook_in_aws_order_with_names_aws_accepts(catalog):
    """Five hooks configured in reverse order render in AWS's order, the user's functions by their names."""
    env = catalog.by_name["prod"]
    service = env.services[0]
    account = f"arn:aws:lambda:{env.region}:{env.account_id}:function"
    hooks = (
        LifecycleHook("AfterAllowTraffic", function_arn=f"{account}:smoke"),
        LifecycleHook("BeforeAllowTraffic", listener="test", path="/ready", expected_status=204),
        LifecycleHook("AfterAllowTestTraffic"),
        LifecycleHook("AfterInstall", function_arn=f"{account}:migrate"),
        LifecycleHook("BeforeInstall", function_arn=f"{account}:preflight"),
    )
    five = dataclasses.replace(service, deployment=dataclasses.replace(service.deployment, hooks=hooks))
    release = release_spec(env, five)
    appspec = yaml.safe_load(yaml.safe_dump(release.appspec()))
    assert [error.message for error in APPSPEC.iter_errors(appspec)] == []
    rendered = appspec["Hooks"]
    assert list(ecs_lifecycle_hooks()) == AWS_ECS_HOOK_ORDER
    assert [next(iter(hook)) for hook in rendered] == AWS_ECS_HOOK_ORDER
    assert all(len(hook) == 1 for hook in rendered), "one function per event"
    names = EnvironmentNames(env).service(five)
    assert [next(iter(hook.values())) for hook in rendered] == [
        "preflight",
        "migrate",
        names.hook_function("AfterAllowTestTraffic"),
        names.hook_function("BeforeAllowTraffic"),
        "smoke",
    ]
    checks = {hook.event: hook.check for hook in release.hook_checks}
    assert (checks["AfterAllowTestTraffic"].listener, checks["AfterAllowTestTraffic"].path) == ("test", "/health")
    assert (checks["BeforeAllowTraffic"].path, checks["BeforeAllowTraffic"].expected_status) == ("/ready", 204)


def test_the_task_definition_check_catches_mistakes():
    assert register_task_definition_errors(
        {
            "containerDefinitions": [{"name": 1, "bogus": True, "portMappings": [{"containerPort": "80"}]}],
            "networkMode": "x",
            "requiresCompatibilities": ["LAMBDA"],
        }
    ) == [
        'Missing required parameter in input: "family"',
        'Unknown parameter in containerDefinitions[0]: "bogus", must be one of: '
        + ", ".join(REGISTER_TASK_DEFINITION.members["containerDefinitions"].member.members),
        "Invalid type for parameter containerDefinitions[0].name, value: 1, type: <class 'int'>, "
        "valid types: <class 'str'>",
        "Invalid type for parameter containerDefinitions[0].portMappings[0].containerPort, value: 80, "
        "type: <class 'str'>, valid types: <class 'int'>",
        ".networkMode: 'x' not in ['bridge', 'host', 'awsvpc', 'none']",
        ".requiresCompatibilities[0]: 'LAMBDA' not in ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES']",
    ]


def test_written_task_definitions_are_valid_register_task_definition_input(plans):
    for stack, action, build, _ in blue_green_deploys(plans):
        path = action["configuration"]["TaskDefinitionTemplatePath"]
        assert path in build.files, f"{stack}: {action['name']} reads {path}, which the build does not write"
        assert register_task_definition_errors(json.loads(build.files[path])) == [], f"{stack}: {path}"


def test_written_task_definitions_are_the_planned_ones_with_the_image_placeholder(plans, catalog):
    for stack, action, build, target in blue_green_deploys(plans):
        config = action["configuration"]
        written = json.loads(build.files[config["TaskDefinitionTemplatePath"]])
        planned = only(target, "aws_ecs_task_definition")
        assert (written["family"], written["cpu"], written["memory"]) == (
            planned["family"],
            planned["cpu"],
            planned["memory"],
        ), stack
        [container] = written["containerDefinitions"]
        [planned_container] = json.loads(planned["container_definitions"])
        assert container["image"] == f"<{config['Image1ContainerName']}>", "the placeholder the action replaces"
        assert {k: v for k, v in container.items() if k != "image"} == {
            k: v for k, v in planned_container.items() if k != "image"
        }
        env = next(e for e in catalog.by_name.values() if target.stack == f"{e.name}-service")
        account = EnvironmentNames(env).account
        roles = {r["values"]["name"] for r in target.of_type("aws_iam_role")}
        for key in ("executionRoleArn", "taskRoleArn"):
            name = written[key].split("/")[-1]
            assert name in roles and written[key] == documented_arn("iam", "role", account, RoleNameWithPath=name), key
        options = container["logConfiguration"]["options"]
        assert options["awslogs-group"] in {r["values"]["name"] for r in target.of_type("aws_cloudwatch_log_group")}
        assert options["awslogs-region"] == env.region


def test_written_appspecs_follow_the_documented_structure(plans):
    for stack, action, build, _ in blue_green_deploys(plans):
        path = action["configuration"]["AppSpecTemplatePath"]
        assert path in build.files, f"{stack}: {action['name']} reads {path}, which the build does not write"
        errors = [error.message for error in APPSPEC.iter_errors(yaml.safe_load(build.files[path]))]
        assert errors == [], f"{stack}: {path}: {errors}"


def test_written_appspecs_target_the_planned_service_and_container(plans):
    for _, action, build, target in blue_green_deploys(plans):
        config = action["configuration"]
        properties = yaml.safe_load(build.files[config["AppSpecTemplatePath"]])["Resources"][0]["TargetService"][
            "Properties"
        ]
        assert properties["TaskDefinition"] == APPSPEC_TASK_DEFINITION
        info = properties["LoadBalancerInfo"]
        [load_balancer] = only(target, "aws_ecs_service")["load_balancer"]
        assert (info["ContainerName"], info["ContainerPort"]) == (
            load_balancer["container_name"],
            load_balancer["container_port"],
        )
        [container] = json.loads(build.files[config["TaskDefinitionTemplatePath"]])["containerDefinitions"]
        assert container["name"] == info["ContainerName"]
        assert info["ContainerPort"] in [mapping["containerPort"] for mapping in container["portMappings"]]


def test_appspec_hooks_run_planned_functions_that_codedeploy_may_invoke(plans, catalog):
    for stack, action, build, target in blue_green_deploys(plans):
        env = next(e for e in catalog.by_name.values() if target.stack == f"{e.name}-service")
        account = EnvironmentNames(env).account
        hooks = [
            next(iter(hook.items()))
            for hook in yaml.safe_load(build.files[action["configuration"]["AppSpecTemplatePath"]]).get("Hooks", [])
        ]
        configured = {hook.name: hook for hook in env.services[0].deployment.hooks}
        assert [event for event, _ in hooks] == [event for event in ecs_lifecycle_hooks() if event in configured], stack
        functions = {r["values"]["function_name"] for r in target.of_type("aws_lambda_function")}
        built_in = {function for event, function in hooks if configured[event].built_in}
        assert built_in == functions, f"{stack}: every built-in check runs a planned function, and only those"
        for event, function in hooks:
            if not configured[event].built_in:
                assert configured[event].function_arn.endswith(f":function:{function}"), (stack, event)
        group = target.of_type("aws_codedeploy_deployment_group")[0]
        [role] = [ref for ref in target.references(group["address"], "service_role_arn") if not ref.endswith(".arn")]
        invokable = {
            resource
            for document in target.policies("identity")
            if role in target.references(document.address, "role")
            for statement in document.statements or []
            if statement.get("Effect") == "Allow" and "lambda:InvokeFunction" in statement.get("Action", [])
            for resource in statement.get("Resource", [])
        }
        for _, function in hooks:
            assert documented_arn("lambda", "function", account, FunctionName=function) in invokable, function


def test_image_definitions_name_the_planned_container(plans):
    rolling = [
        (name, action, build)
        for name, build in builds(plans)
        for action in build.deploys
        if action["provider"] == "ECS"
    ]
    assert rolling, "no pipeline deploys with ECS rolling updates"
    for stack, action, build in rolling:
        assert action["configuration"]["FileName"] == "imagedefinitions.json"
        target = target_of(plans, action)
        [container] = json.loads(only(target, "aws_ecs_task_definition")["container_definitions"])
        assert [entry["name"] for entry in build.image_definitions()] == [container["name"]], stack


@pytest.mark.parametrize(
    "broken, error",
    [
        ({"Hooks": [{"AfterBlockTraffic": "fn"}]}, "'AfterBlockTraffic' is not one of"),
        (
            {"Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": "x"}}}]},
            "'LoadBalancerInfo' is a required property",
        ),
        (
            {
                "Resources": [
                    {
                        "TargetService": {
                            "Type": "AWS::ECS::Service",
                            "Properties": {
                                "TaskDefinition": "x",
                                "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": "80"},
                            },
                        }
                    }
                ]
            },
            "'80' is not of type 'integer'",
        ),
        ({"version": 0.1}, "0.0 was expected"),
    ],
    ids=["unknown-hook", "no-load-balancer-info", "port-as-string", "version"],
)
def test_the_appspec_schema_rejects_broken_appspecs(broken, error):
    spec = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": "x",
                        "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 80},
                    },
                }
            }
        ],
    }
    assert list(APPSPEC.iter_errors(spec)) == []
    assert [e.message for e in APPSPEC.iter_errors({**spec, **broken}) if error in e.message]


def test_buildspec_writes_and_publishes_the_files_the_pipeline_reads(plans):
    """Every file an ECS deploy action reads (EKS deploys read the source's manifests and imageDetail.json,
    tests/unit/test_eks_deploy_commands.py) is written by the build and published in its artifact."""
    checked = 0
    for stack, build in builds(plans):
        read = {
            action["configuration"][key]
            for action in build.deploys
            for key in ("TaskDefinitionTemplatePath", "AppSpecTemplatePath", "FileName")
            if key in action["configuration"]
        }
        assert read or not build.deploys, f"{stack}: an ECS deploy action reads no release file"
        assert read <= set(build.buildspec["artifacts"]["files"]), stack
        assert read - {"imagedefinitions.json"} <= set(build.files), stack
        checked += bool(read)
    assert checked >= 2, "expected dev's rolling and prod's blue/green pipelines"
