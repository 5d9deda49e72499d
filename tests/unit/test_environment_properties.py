"""Every environment file the loader accepts synthesizes, and every one it rejects is named in one line.

A property test generates directories of environment files (one to three files, each setting drawn
across its domain, invalid values and combinations included) and checks, for each directory:
- rejected: a ConfigError whose one line names a file of the directory and a setting;
- accepted: synthesis in this process succeeds, and the synthesized stacks hold no name AWS would
  refuse (limits from botocore's service models or the API reference), every limited name is one
  envconfig/name_limits.py computes (so the loader's limit rule sees what the stacks create), IAM
  statement ids are unique in each policy, each stack has its own state, each deployment target one
  pipeline, each service subnet room for an ALB and a route out, and each build secret a grant.

Examples: $PLATFORM_PROPERTY_EXAMPLES unmutated directories (default 25; synthesis costs ~0.3 s a
stack) and $PLATFORM_PROPERTY_MUTATED_EXAMPLES of each mutation (default 3).
"""

from __future__ import annotations

import copy as copy_module
import dataclasses
import fnmatch
import ipaddress
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import botocore.session
import pytest
import yaml
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from envconfig import name_limits, rules
from envconfig.account import ELB_LOG_DELIVERY_ACCOUNTS, SUPPORTED_PARTITION, partition_of
from envconfig.loader import ConfigError, load_environments
from envconfig.model import Environment
from envconfig.name_limits import NameLimit, created_names
from envconfig.naming import EnvironmentNames
from envconfig.secrets import SecretReference

EXAMPLES = int(os.environ.get("PLATFORM_PROPERTY_EXAMPLES", "25"))
MUTATED_EXAMPLES = int(os.environ.get("PLATFORM_PROPERTY_MUTATED_EXAMPLES", "3"))


# HCL rendering of generated settings


class Block(dict):
    """An HCL block (`name { ... }`); a plain dict is a map attribute (`name = { ... }`)."""


def hcl_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(hcl_value(item) for item in value) + "]"
    return "{ " + " ".join(f"{key} = {hcl_value(item)}" for key, item in value.items()) + " }"


def hcl(body: dict, indent: str = "") -> str:
    lines = []
    for key, value in body.items():
        if isinstance(value, Block):
            lines += [f"{indent}{key} {{", hcl(value, indent + "  "), f"{indent}}}"]
        elif isinstance(value, list) and value and isinstance(value[0], tuple) and isinstance(value[0][1], Block):
            for label, block in value:  # labeled blocks: service "app" { ... }
                lines += [f'{indent}{key} "{label}" {{', hcl(block, indent + "  "), f"{indent}}}"]
        else:
            lines.append(f"{indent}{key} = {hcl_value(value)}")
    return "\n".join(lines)


# Strategies. A directory is drawn valid-looking (each setting across its valid domain, files that
# promote through each other sharing account, region and services); a mutation from MUTATIONS then
# breaks its first file: an invalid value, or a combination the rules must catch. Shrinking heads for
# the first values of each domain.

FILE_NAMES = ["dev", "prod", "stage-2", "qa"]  # the last is left for a mutation's extra file
PREFIXES = ["acme-a", "acme-b", "acme-c", "acme-d"]
REGIONS = ["eu-west-1", "us-east-1", "me-central-1", "ap-southeast-3"]
SERVICES = ["app", "api", "web"]
FARGATE = [(256, 512), (512, 1024), (1024, 2048), (2048, 8192), (4096, 30720)]
HOOKS = ["BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic"]
CONNECTION = "arn:aws:codestar-connections:{region}:{account}:connection/6f0c2a4e-1b7d-4c55-9a3e-0d8e5f1a2b3c"


@st.composite
def service(draw, region: str, account: str, built: bool) -> Block:
    cpu, memory = draw(st.sampled_from(FARGATE))
    strategy = draw(st.sampled_from(["blue_green", "rolling"]))
    deployment = Block(strategy=strategy)
    if strategy == "blue_green":
        deployment.update(
            traffic=draw(st.sampled_from(["all_at_once", "canary", "linear"])),
            percent=draw(st.sampled_from([10, 25])),
            interval_minutes=draw(st.sampled_from([3, 5, 10])),
            test_listener_port=draw(st.sampled_from([8080, 9000])),
        )
        hooks = draw(st.lists(st.sampled_from(HOOKS), max_size=5, unique=True))
        if hooks:  # the built-in check where a listener carries the new tasks, else a function of this account
            deployment["hook"] = [
                (
                    hook,
                    Block(function_arn=f"arn:aws:lambda:{region}:{account}:function:{hook.lower()}")
                    if hook in ("BeforeInstall", "AfterInstall")
                    else Block(),
                )
                for hook in hooks
            ]
    block = Block(
        container_port=80,
        cpu=cpu,
        memory=memory,
        desired_count=draw(st.sampled_from([1, 2])),
        health_check_path="/health",
    )
    if built:
        block["source"] = Block(
            provider="github",
            repository="acme/app",
            branch="main",
            connection_arn=CONNECTION.format(region=region, account=account),
        )
        secret = draw(
            st.sampled_from(
                [
                    "ci/dockerhub:token",
                    f"arn:aws:secretsmanager:{region}:{account}:secret:ci/hub-AbC123:token",
                    f"arn:aws:secretsmanager:{region}:{account}:secret:ci/hub",
                ]
            )
        )
        block["build"] = Block(
            cache=draw(st.sampled_from(["s3", "local", "none"])),
            parameter_store={"NPM_TOKEN": "/acme/npm"},
            secrets_manager={"HUB_TOKEN": secret},
        )
    block["deployment"] = deployment
    return block


@st.composite
def environment(
    draw, name: str, prefix: str, account: str, region: str, labels: list[str], promotion: list[str] | None
) -> dict:
    zones = [
        f"{region}{letter}" for letter in draw(st.lists(st.sampled_from("abc"), min_size=2, max_size=3, unique=True))
    ]
    network = Block(
        vpc_cidr=draw(st.sampled_from(["10.10.0.0/16", "10.11.0.0/20", "10.12.0.0/23"])),
        availability_zones=zones,
        nat_gateways=draw(st.sampled_from(["single", "per_az"])),
        allowed_ingress_cidrs=draw(
            st.lists(st.sampled_from(["10.0.0.0/8", "0.0.0.0/0"]), min_size=1, max_size=2, unique=True)
        ),
        alb_access_logs=draw(st.booleans()),
        alb_internal=draw(st.booleans()),
    )
    settings_ = {
        "account_id": account,
        "region": region,
        "name_prefix": prefix,
        "tier": draw(st.sampled_from(["development", "staging", "production"])),
        "network": network,
        "key_admin_principal_arns": [f"arn:aws:iam::{account}:role/platform-admin"],
    }
    backend = draw(st.sampled_from(["local", "s3", "cloud", "cloud-tags"]))
    if backend == "s3":
        settings_["backend"] = Block(type="s3", bucket="acme-state")
    elif backend == "cloud":
        settings_["backend"] = Block(
            type="cloud",
            organization="acme",
            workspace_name=draw(st.sampled_from(["platform-{stack}", "{stack}", "{stack}-x"])),
        )
    elif backend == "cloud-tags":
        settings_["backend"] = Block(type="cloud", organization="acme", workspace_tags=["platform"])
    delivery = Block(
        codeartifact_formats=draw(st.lists(st.sampled_from(["npm", "pypi", "maven"]), max_size=3, unique=True)),
        keep_releases=draw(st.sampled_from([30, 3, 1000])),
        approval_required=draw(st.booleans()),
    )
    if promotion is not None:
        delivery["promotion"] = promotion
    settings_["delivery"] = delivery
    built = promotion is None or bool(promotion)
    settings_["service"] = [(label, draw(service(region, account, built))) for label in labels]
    if draw(st.integers(0, 3)) == 0:
        settings_["eks"] = Block(
            vpc_cidr="10.50.0.0/16",
            deploy_namespace="apps",
            deploy_target=draw(st.sampled_from(["ecs", "eks"])),
            node_group=[("default", Block(instance_types=["m6i.large"], min_size=1, desired_size=2, max_size=3))],
            application=Block(name="app", repo_url="https://github.com/acme/app-gitops.git"),
        )
    return settings_


@st.composite
def valid_directory(draw) -> dict[str, dict]:
    names = draw(st.lists(st.sampled_from(FILE_NAMES[:-1]), min_size=1, max_size=3, unique=True))
    prefixes = draw(st.lists(st.sampled_from(PREFIXES), min_size=len(names), max_size=len(names), unique=True))
    promoted = draw(st.lists(st.sampled_from(names[1:]), unique=True)) if len(names) > 1 else []
    account, region = draw(st.sampled_from(["111111111111", "222222222222"])), draw(st.sampled_from(REGIONS))
    labels = draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=2, unique=True))
    directory = {}
    for index, (name, prefix) in enumerate(zip(names, prefixes, strict=True)):
        if index == 0:  # the first file promotes through `promoted`, each of which runs no pipeline
            promotion = [*promoted, name] if promoted else draw(st.sampled_from([None, [name]]))
        else:
            promotion = [] if name in promoted else draw(st.sampled_from([None, [name]]))
        shared = index == 0 or name in promoted
        directory[name] = draw(
            environment(
                name,
                prefix,
                account if shared else draw(st.sampled_from(["111111111111", "333333333333"])),
                region if shared else draw(st.sampled_from(REGIONS)),
                labels if shared else ["app"],
                promotion,
            )
        )
    return directory


def first_service(settings_: dict) -> Block:
    return settings_["service"][0][1]


def set_promotion(settings_: dict, promotion: list[str] | None) -> None:
    if promotion is None:
        settings_["delivery"].pop("promotion", None)
    else:
        settings_["delivery"]["promotion"] = promotion


def no_pipeline(settings_: dict) -> None:
    set_promotion(settings_, [])
    for _, block in settings_["service"]:
        block.pop("source", None)
        block.pop("build", None)


MUTATIONS = {  # name -> (what it does to the first file, given `other`: another file's name or None)
    "zones repeated": lambda s, other: s["network"]["availability_zones"].__setitem__(
        1, s["network"]["availability_zones"][0]
    ),
    "zone of another region": lambda s, other: s["network"]["availability_zones"].__setitem__(0, "us-west-2a"),
    "nine zones": lambda s, other: s["network"].__setitem__(
        "availability_zones", [f"{s['region']}{z}" for z in "abcdefghi"]
    ),
    "VPC too small": lambda s, other: s["network"].__setitem__("vpc_cidr", "10.13.0.0/24"),
    "VPC not private": lambda s, other: s["network"].__setitem__("vpc_cidr", "8.8.0.0/16"),
    "no NAT": lambda s, other: s["network"].__setitem__("nat_gateways", "none"),
    "workspace without {stack}": lambda s, other: s.__setitem__(
        "backend", Block(type="cloud", organization="acme", workspace_name="platform")
    ),
    "workspace placeholder": lambda s, other: s.__setitem__(
        "backend", Block(type="cloud", organization="acme", workspace_name="p-{stak}")
    ),
    "workspace positional": lambda s, other: s.__setitem__(
        "backend", Block(type="cloud", organization="acme", workspace_name="p-{0}-{stack}")
    ),
    "workspace unbalanced": lambda s, other: s.__setitem__(
        "backend", Block(type="cloud", organization="acme", workspace_name="p-{stack")
    ),
    "workspace too long": lambda s, other: s.__setitem__(
        "backend", Block(type="cloud", organization="acme", workspace_name="w" * 80 + "-{stack}")
    ),
    "China region": lambda s, other: s.__setitem__("region", "cn-north-1"),
    "GovCloud region": lambda s, other: s.__setitem__("region", "us-gov-west-1"),
    "ISO-E region": lambda s, other: s.__setitem__("region", "eu-isoe-west-1"),
    "long names": lambda s, other: (
        s.__setitem__("name_prefix", "acme-production-east"),
        s.__setitem__("service", [("application-frontend", first_service(s))]),
    ),
    "internal- prefix": lambda s, other: s.__setitem__("name_prefix", "internal-x"),
    "hooks repeated": lambda s, other: first_service(s)["deployment"].update(
        strategy="blue_green", hook=[("AfterAllowTraffic", Block()), ("AfterAllowTraffic", Block())]
    ),
    "check without a listener on the new tasks": lambda s, other: first_service(s)["deployment"].update(
        strategy="blue_green", hook=[("AfterInstall", Block())]
    ),
    "hook function elsewhere": lambda s, other: first_service(s)["deployment"].update(
        strategy="blue_green",
        hook=[("BeforeInstall", Block(function_arn="arn:aws:lambda:eu-west-1:999999999999:function:x"))],
    ),
    "hooks on a rolling service": lambda s, other: first_service(s)["deployment"].update(
        strategy="rolling", traffic="all_at_once", hook=[("AfterAllowTraffic", Block())]
    ),
    "rolling canary": lambda s, other: first_service(s)["deployment"].update(strategy="rolling", traffic="canary"),
    "test listener on 443": lambda s, other: first_service(s)["deployment"].update(
        strategy="blue_green", test_listener_port=443
    ),
    "Fargate size": lambda s, other: first_service(s).update(cpu=256, memory=4096),
    "formats repeated": lambda s, other: s["delivery"].__setitem__("codeartifact_formats", ["npm", "npm"]),
    "keep too few": lambda s, other: s["delivery"].__setitem__("keep_releases", 2),
    "promotion repeated": lambda s, other: set_promotion(s, [*(s["delivery"].get("promotion") or []), "x", "x"]),
    "promotion not ending here": lambda s, other: set_promotion(s, [*(s["delivery"].get("promotion") or []), "qa"]),
    "orphaned services": lambda s, other: no_pipeline(s),
    "secret elsewhere": lambda s, other: (
        first_service(s)
        .setdefault("build", Block())
        .__setitem__("secrets_manager", {"HUB": "arn:aws:secretsmanager:eu-west-1:999999999999:secret:ci/hub"})
    ),
    "secret malformed": lambda s, other: (
        first_service(s)
        .setdefault("build", Block())
        .__setitem__("secrets_manager", {"HUB": "arn:aws:ssm:eu-west-1:111111111111:parameter/hub"})
    ),
    "source removed": lambda s, other: first_service(s).pop("source", None),
    "source where none builds": lambda s, other: (
        set_promotion(s, []),
        first_service(s).__setitem__("source", Block(repository="acme/app", provider="codecommit")),
    ),
    "EKS VPC overlaps": lambda s, other: s.__setitem__(
        "eks",
        Block(
            vpc_cidr=s["network"]["vpc_cidr"],
            deploy_namespace="apps",
            node_group=[("default", Block())],
            application=Block(name="app", repo_url="https://github.com/acme/app-gitops.git"),
        ),
    ),
    "EKS system namespace": lambda s, other: s.__setitem__(
        "eks",
        Block(
            vpc_cidr="10.50.0.0/16",
            deploy_namespace="kube-system",
            node_group=[("default", Block())],
            application=Block(name="app", repo_url="https://github.com/acme/app-gitops.git"),
        ),
    ),
}


def standalone_copy(directory: dict[str, dict], prefix: str) -> str:
    """A second file like the first, running its own pipeline for its own services."""
    first = directory[next(iter(directory))]
    name = next(name for name in FILE_NAMES if name not in directory)
    copy = directory[name] = {**copy_module.deepcopy(first), "name_prefix": prefix}
    copy["delivery"].pop("promotion", None)
    for _, block in copy["service"]:
        block["source"] = Block(repository="acme/app", provider="codecommit")
    return name


def second_pipeline_into_the_first(directory: dict[str, dict]) -> None:
    """The issue's staging: deployed by the pipeline promoting through it and by its own."""
    first = next(iter(directory))
    other = standalone_copy(directory, "acme-z")
    set_promotion(directory[other], [first, other])


def prefix_shared(directory: dict[str, dict]) -> None:
    first = directory[next(iter(directory))]
    standalone_copy(directory, first["name_prefix"])


def file_name_no_identifier(directory: dict[str, dict]) -> None:
    directory["Bad_Env"] = directory.pop(list(directory)[-1])


DIRECTORY_MUTATIONS = {
    "second pipeline into a file": second_pipeline_into_the_first,
    "prefix shared": prefix_shared,
    "file name no identifier": file_name_no_identifier,
}


@st.composite
def environment_directories(draw, mutation: str | None) -> dict[str, str]:
    directory = draw(valid_directory())
    names = list(directory)
    if mutation in DIRECTORY_MUTATIONS:
        DIRECTORY_MUTATIONS[mutation](directory)
    elif mutation is not None:
        MUTATIONS[mutation](directory[names[0]], directory[names[1]] if len(names) > 1 else None)
    return {name: hcl(settings_) + "\n" for name, settings_ in directory.items()}


# What the synthesized stacks may contain

# (resource type, attribute) -> the limit; those also in name_limits.created_names must be names it lists.
CREATED = {
    (resource_type, attribute): getattr(name_limits, limit)
    for resource_type, attribute, limit in (
        ("aws_lb", "name", "LOAD_BALANCER"),
        ("aws_lb_target_group", "name", "TARGET_GROUP"),
        ("aws_iam_role", "name", "IAM_ROLE"),
        ("aws_lambda_function", "function_name", "LAMBDA_FUNCTION"),
        ("aws_codebuild_project", "name", "CODEBUILD_PROJECT"),
        ("aws_codepipeline", "name", "PIPELINE"),
        ("aws_ecr_repository", "name", "ECR_REPOSITORY"),
        ("aws_cloudwatch_log_group", "name", "LOG_GROUP"),
        ("aws_s3_bucket", "bucket", "S3_BUCKET"),
        ("aws_codedeploy_app", "name", "CODEDEPLOY"),
        ("aws_codedeploy_deployment_group", "deployment_group_name", "CODEDEPLOY"),
        ("aws_eks_cluster", "name", "EKS_CLUSTER"),
        ("aws_eks_node_group", "node_group_name", "EKS_NODE_GROUP"),
        ("aws_codeartifact_domain", "domain", "CODEARTIFACT_DOMAIN"),
        ("aws_ecs_cluster", "name", "ECS"),
        ("aws_ecs_service", "name", "ECS"),
        ("aws_ecs_task_definition", "family", "ECS"),
        ("aws_sns_topic", "name", "SNS_TOPIC"),
        ("aws_kms_alias", "name", "KMS_ALIAS"),
        ("aws_cloudwatch_event_rule", "name", "EVENT_RULE"),
        ("aws_codestarnotifications_notification_rule", "name", "NOTIFICATION_RULE"),
        ("aws_codecommit_repository", "repository_name", "CODECOMMIT_REPOSITORY"),
    )
}
# Names derived inside constructs (never longer than a created name plus a short suffix): limits only.
DERIVED = {
    ("aws_iam_role_policy", "name"): NameLimit("IAM role policy", 128, "botocore iam policyNameType"),
    ("aws_cloudwatch_metric_alarm", "alarm_name"): NameLimit("alarm", 255, "botocore cloudwatch AlarmName"),
    ("aws_codedeploy_deployment_config", "deployment_config_name"): NameLimit(
        "deployment config", 100, "botocore codedeploy DeploymentConfigName"
    ),
    ("aws_security_group", "name"): NameLimit(
        "security group", 255, "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html"
    ),
    ("aws_launch_template", "name"): NameLimit(
        "launch template", 128, "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html"
    ),
}


def literal_names(config: dict) -> Iterator[tuple[tuple[str, str], str]]:
    for resource_type, resources in config.get("resource", {}).items():
        for resource in resources.values():
            for attribute in (
                "name",
                "bucket",
                "function_name",
                "family",
                "domain",
                "deployment_group_name",
                "node_group_name",
                "alarm_name",
                "deployment_config_name",
            ):
                value = resource.get(attribute)
                if isinstance(value, str) and "${" not in value:
                    yield (resource_type, attribute), value


def policies(config: dict) -> Iterator[dict]:
    for resources in config.get("resource", {}).values():
        for resource in resources.values():
            text = resource.get("policy")
            if isinstance(text, str) and text.startswith("{"):
                yield json.loads(text)


def check_synthesized(env: Environment, configs: dict[str, dict]) -> None:
    """One environment's stacks: names AWS accepts (and that the loader's limit rule saw), unique
    statement ids, subnets that hold an ALB with a route out, build secrets the build role may read."""
    created = {name.value for name in created_names(env)}
    for stack, config in configs.items():
        for key, value in literal_names(config):
            limit = CREATED.get(key) or DERIVED.get(key)
            if limit is None:
                continue
            assert not name_limits.CreatedName("", value, limit).problem(), f"{stack}: {key}: {value!r}"
            if key in CREATED:
                assert value in created, f"{stack}: {key} {value!r} is not in envconfig/name_limits.py"
        workspace = config["terraform"].get("cloud", {}).get("workspaces", {}).get("name")
        if workspace:
            assert not name_limits.CreatedName("", workspace, name_limits.WORKSPACE).problem()
        for policy in policies(config):
            sids = [statement.get("Sid") for statement in policy.get("Statement", []) if statement.get("Sid")]
            assert len(sids) == len(set(sids)), f"{stack}: repeated statement ids {sids}"
        check_build_secrets(env, stack, config)
    check_service_network(configs[f"{env.name}-service"], len(env.network.availability_zones))


def resources(config: dict, resource_type: str) -> list[dict]:
    return list(config.get("resource", {}).get(resource_type, {}).values())


def check_service_network(config: dict, zones: int) -> None:
    """Each zone has a public and a private subnet of at least /27 (an ALB's minimum), and each private
    subnet a default route through NAT (tasks pull images from ECR through it)."""
    subnets = [subnet["cidr_block"] for subnet in resources(config, "aws_subnet")]
    assert len(subnets) == 2 * zones, subnets
    assert all(ipaddress.IPv4Network(subnet).prefixlen <= rules.ALB_SUBNET_MAX_PREFIX for subnet in subnets), subnets
    nat_routes = [route for route in resources(config, "aws_route") if route.get("nat_gateway_id")]
    assert len(nat_routes) == zones


def check_build_secrets(env: Environment, stack: str, config: dict) -> None:
    """Every secret a buildspec reads is one its build role may read (the secret's real ARN ends in '-'
    and six random characters)."""
    for project in resources(config, "aws_codebuild_project"):
        spec = yaml.safe_load(project["source"]["buildspec"].replace("$${", "${"))
        references = spec.get("env", {}).get("secrets-manager", {}).values()
        if not references:
            continue
        role_policy = next(
            json.loads(policy["policy"])
            for policy in resources(config, "aws_iam_role_policy")
            if policy["name"] == f"{project['name'].removesuffix('-build')}-codebuild-least-privilege"
        )
        granted = next(s["Resource"] for s in role_policy["Statement"] if s.get("Sid") == "ReadBuildSecrets")
        for reference in references:
            secret = SecretReference.parse(reference)
            name = secret.name if secret.complete else f"{secret.name}-AbC123"
            arn = (
                f"arn:aws:secretsmanager:{secret.region or env.region}:{secret.account_id or env.account_id}:"
                f"secret:{name}"
            )
            assert any(fnmatch.fnmatchcase(arn, pattern) for pattern in granted), f"{stack}: {reference} not granted"


def state_location(config: dict) -> str | None:
    terraform = config["terraform"]
    if "cloud" in terraform:
        workspaces = terraform["cloud"]["workspaces"]
        return f"cloud:{workspaces['name']}" if "name" in workspaces else None  # tags: chosen per run
    ((kind, backend),) = terraform["backend"].items()
    return f"{kind}:{backend.get('bucket', '')}/{backend.get('key') or backend.get('path')}"


def check_directory_stacks(configs: dict[str, dict]) -> None:
    """Across every stack of the directory: each has its own state, and each deployment target (an ECS
    service or deployment group, an EKS deployment) is deployed by one pipeline action only."""
    states = [location for location in map(state_location, configs.values()) if location]
    assert len(states) == len(set(states)), f"stacks share state: {sorted(states)}"
    targets = []
    for config in configs.values():
        for pipeline in resources(config, "aws_codepipeline"):
            for stage in pipeline["stage"]:
                for action in stage["action"]:
                    if action["category"] == "Deploy" or action["provider"] == "CodeBuild" and stage["name"] != "Build":
                        settings_ = action["configuration"]
                        targets.append(
                            json.dumps(
                                {
                                    key: settings_.get(key)
                                    for key in (
                                        "ApplicationName",
                                        "DeploymentGroupName",
                                        "ClusterName",
                                        "ServiceName",
                                        "ProjectName",
                                        "EnvironmentVariables",
                                    )
                                },
                                sort_keys=True,
                            )
                        )
    assert len(targets) == len(set(targets)), f"a deployment target has two pipelines: {sorted(targets)}"


TOP_LEVEL = {f.name for f in dataclasses.fields(Environment)} | {"service", "name"}


@pytest.mark.parametrize("mutation", [None, *sorted(MUTATIONS), *sorted(DIRECTORY_MUTATIONS)])
def test_accepted_files_synthesize_and_rejected_files_name_file_and_setting(mutation):
    """Stratified: every kind of mutation runs each time (a few examples each; rejected files cost
    milliseconds), unmutated directories EXAMPLES times (each accepted one is synthesized)."""

    @settings(
        max_examples=EXAMPLES if mutation is None else MUTATED_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(files=environment_directories(mutation))
    def accepted_synthesize_rejected_name_file_and_setting(files: dict[str, str]) -> None:
        check_directory(files)

    accepted_synthesize_rejected_name_file_and_setting()


def check_directory(files: dict[str, str]) -> None:
    from stacks.app import build_app  # the CDK libraries load once, in the first example that synthesizes

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "environments"
        directory.mkdir()
        for name, text in files.items():
            (directory / f"{name}.hcl").write_text(text)
            note(f"{name}.hcl:\n{text}")
        try:
            catalog = load_environments(directory=directory)
        except ConfigError as error:
            event(f"rejected: {error.setting}")
            line = str(error)
            assert "\n" not in line
            assert Path(error.file).parent == directory and line.startswith(f"{error.file}: {error.setting}: ")
            assert error.setting.split(".")[0].split("[")[0] in TOP_LEVEL, line
            return
        event("accepted")
        outdir = Path(tmp) / "cdktf.out"
        build_app(catalog, outdir=str(outdir)).synth()
        manifest = json.loads((outdir / "manifest.json").read_text())
        configs = {
            stack: json.loads((outdir / entry["workingDirectory"] / "cdk.tf.json").read_text())
            for stack, entry in manifest["stacks"].items()
        }
        assert set(configs) == {stack for env in catalog.selected for stack in EnvironmentNames(env).stacks}
        check_directory_stacks(configs)
        for env in catalog.selected:
            check_synthesized(
                env, {stack: config for stack, config in configs.items() if stack in EnvironmentNames(env).stacks}
            )


def test_the_shipped_stacks_pass_the_same_checks(catalog, stack_config):
    check_directory_stacks(stack_config)
    for env in catalog.selected:
        check_synthesized(
            env, {stack: config for stack, config in stack_config.items() if stack in EnvironmentNames(env).stacks}
        )


# The rules' data against sources the project did not write


def test_name_limits_agree_with_botocore():
    session = botocore.session.get_session()
    limits = [value for value in vars(name_limits).values() if isinstance(value, NameLimit)] + list(DERIVED.values())
    checked = 0
    for limit in limits:
        if limit.source.startswith("botocore "):
            _, service, shape = limit.source.split()
            assert session.get_service_model(service).shape_for(shape).metadata["max"] == limit.max_length, limit
            checked += 1
    assert checked >= 10


def test_partitions_follow_botocore():
    """Every region botocore knows is in the partition its endpoint data says, and only `aws` regions are accepted."""
    endpoints = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    for partition in endpoints["partitions"]:
        for region in partition["regions"]:
            assert partition_of(region) == partition["partition"], region
    aws_regions = next(p["regions"] for p in endpoints["partitions"] if p["partition"] == SUPPORTED_PARTITION)
    assert set(ELB_LOG_DELIVERY_ACCOUNTS) <= set(aws_regions)


@pytest.mark.parametrize("prefix", range(16, 25))
@pytest.mark.parametrize("zones", [2, 3, 8, 9])
def test_subnet_rule_agrees_with_the_network_layout(prefix, zones):
    """The rule's arithmetic is the layout modules/shared/network.py builds: accepted exactly when every
    zone gets a public and a private subnet of at least /27."""
    from envconfig.account import Account
    from modules.shared.network import Network, NetworkProps

    cidr, letters = f"10.0.0.0/{prefix}", "abcdefghi"[:zones]
    public, private = Network.subnet_cidrs(
        NetworkProps(
            name="n",
            cidr=cidr,
            availability_zones=tuple(f"eu-west-1{z}" for z in letters),
            nat_gateways="single",
            flow_log_retention_days=1,
            kms_key_arn="k",
            account=Account("111111111111", "eu-west-1"),
        )
    )
    fits = len(public) == len(private) == zones and all(
        ipaddress.IPv4Network(subnet).prefixlen <= rules.ALB_SUBNET_MAX_PREFIX for subnet in public + private
    )
    env = type("Env", (), {"network": type("Net", (), {"vpc_cidr": cidr, "availability_zones": tuple(letters)})})
    assert fits == (not list(rules.subnets_fit_the_load_balancer(env)))
