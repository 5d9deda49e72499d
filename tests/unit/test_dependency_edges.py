"""First apply on a fresh account: whatever a resource names must exist before it, so Terraform needs an edge.

A resource that names another by a plain string (`"cluster_name": "acme-prod"`) has no edge to it: Terraform
may create both at once, and the call that needs the other one fails on a fresh account (later applies pass,
which is why plans and the emulator never show it). The generic rule, over every synthesized stack:

  a literal string in a resource that names another resource of the same stack (equals its identifying
  attribute, or is an ARN / `bucket/key` location whose segment does) must come with a dependency edge to
  it: an interpolation `${<type>.<name>...}` or a `depends_on`, directly or through other resources.

Which resource a literal names: names collide across kinds (the ALB, the ECS service and the CodeDeploy
application share one name), so the candidates are narrowed to the kinds the referring key or the ARN
mentions (`service_name` -> aws_ecs_service, `arn:aws:iam::...:role/x` -> aws_iam_role). Candidates are looked
up in every stack of the environment: a literal that names a resource of a sibling stack (the pipeline's
`ServiceName`) is a cross-stack reference, ordered by the stacks' deploy order, not by an edge.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pytest

# The attributes that name a resource: `name`, or the tail of its type, alone or with `_name` (aws_s3_bucket.bucket,
# aws_lambda_function.function_name, aws_cloudwatch_metric_alarm.alarm_name, aws_codeartifact_domain.domain,
# aws_codedeploy_deployment_group.deployment_group_name), a Kubernetes object's metadata.name, and these. Keys that
# name another resource (a deployment group's app_name, a node group's cluster_name) are references, checked.
IDENTIFYING_KEYS_OF = {"aws_ecs_task_definition": ("family",)}
# Keys that are labels or Terraform meta-arguments, not references.
NOT_REFERENCES = {
    "//",
    "tags",
    "tags_all",
    "labels",
    "lifecycle",
    "depends_on",
    "provider",
    "description",
    "alarm_description",
}
# Words that do not say which kind of resource a key refers to; and the ARN service/resource-type words
# spelled as the provider's resource types spell them.
_GENERIC_WORDS = {"aws", "name", "names", "arn", "arns", "id", "ids"}
_SYNONYMS = {
    "application": "app",
    "elasticloadbalancing": "lb",
    "loadbalancer": "lb",
    "logs": "log",
    "targetgroup": "target",
}
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
_ADDRESS = re.compile(r"(?<![\w.])((?:data\.)?[a-z][a-z0-9_]*\.[\w-]+)")


@dataclass(frozen=True)
class Node:
    stack: str
    address: str  # <type>.<name> or data.<type>.<name>
    type: str


def words(text: str) -> set[str]:
    """The kind words of a key, resource type or ARN part: `ServiceName` -> {service}, `aws_ecs_service` ->
    {ecs, service}, `log-group` -> {log, group}."""
    split = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()
    return {_SYNONYMS.get(word, word) for word in re.split(r"[^a-z0-9]+", split) if word} - _GENERIC_WORDS


def resources(config: dict):
    for mode, prefix in (("resource", ""), ("data", "data.")):
        for type_, blocks in config.get(mode, {}).items():
            for name, body in blocks.items():
                yield f"{prefix}{type_}.{name}", type_, body


def leaves(value, path: tuple[str, ...] = ()):
    """(key path, string) for every string in a resource body, outside labels and meta-arguments."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in NOT_REFERENCES:
                yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, path)
    elif isinstance(value, str):
        yield path, value


def identifying_paths(type_: str) -> set[tuple[str, ...]]:
    type_words = type_.split("_")[1:]  # without the provider prefix
    tails = {"_".join(type_words[index:]) for index in range(len(type_words))}
    keys = {"name", *tails, *(f"{tail}_name" for tail in tails), *IDENTIFYING_KEYS_OF.get(type_, ())}
    return {(key,) for key in keys} | {("metadata", "name")}


def identifiers(type_: str, body: dict) -> set[str]:
    found = set()
    for path in identifying_paths(type_):
        value = body
        for key in path:
            value = value[0] if isinstance(value, list) and value else value
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value and "${" not in value:
            found.add(value)
    return found


def direct_edges(body: dict, known: set[str]) -> set[str]:
    """Addresses a resource interpolates anywhere (tags included) or lists in depends_on."""
    found = set()

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            for expression in _INTERPOLATION.findall(value):
                for match in _ADDRESS.findall(expression):
                    parts = match.split(".")
                    found.add(".".join(parts[:3] if parts[0] == "data" else parts[:2]))

    walk({k: v for k, v in body.items() if k not in ("//", "depends_on")})
    found |= {dependency.strip("${}") for dependency in body.get("depends_on") or []}
    return found & known


def named_in(literal: str) -> tuple[list[str], set[str]]:
    """(the names a literal may designate, kind words the literal itself carries).

    The literal itself; for an ARN, each segment of its resource part (the ARN's service and resource type
    are kind words); for an S3-style `bucket/key` location, the bucket."""
    if literal.startswith("arn:"):
        parts = literal.split(":", 5)
        if len(parts) == 6:
            segments = re.split(r"[/:]", parts[5])
            return [literal, *segments], words(parts[2]) | (words(segments[0]) if len(segments) > 1 else set())
    if "/" in literal and "://" not in literal and not literal.startswith("/"):
        return [literal, literal.split("/")[0]], set()
    return [literal], set()


def missing_edges(configs: dict[str, dict]) -> list[str]:
    """Violations of the rule over stacks {name: synthesized JSON} of one environment."""
    index: dict[str, set[Node]] = defaultdict(set)
    bodies: dict[str, dict[str, tuple[str, dict]]] = {}
    for stack, config in configs.items():
        bodies[stack] = {address: (type_, body) for address, type_, body in resources(config)}
        for address, (type_, body) in bodies[stack].items():
            for identifier in identifiers(type_, body):
                index[identifier].add(Node(stack, address, type_))
    violations = []
    for stack, stack_bodies in bodies.items():
        known = set(stack_bodies)
        edges = {address: direct_edges(body, known) for address, (_, body) in stack_bodies.items()}
        for address, (type_, body) in stack_bodies.items():
            reachable = _reachable(address, edges)
            own = identifying_paths(type_)
            for path, literal in leaves(body):
                if "${" in literal or path in own:
                    continue
                names, literal_words = named_in(literal)
                candidates = {
                    node
                    for name in names
                    for node in index.get(name, ())
                    if not (node.stack == stack and node.address == address)
                }
                hint = words(path[-1]) | literal_words
                compatible = {node for node in candidates if words(node.type) & hint}
                is_arn = bool(literal_words)  # an ARN always says its kind: no fallback to other kinds
                for node in compatible if (compatible or is_arn) else candidates:
                    if node.stack == stack and node.address not in reachable:
                        violations.append(
                            f"{stack}: {address} {'.'.join(path)}={literal!r} names "
                            f"{node.address} without a dependency edge"
                        )
    return violations


def _reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in edges[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def environments(stack_config: dict[str, dict]) -> dict[str, dict[str, dict]]:
    grouped: dict[str, dict[str, dict]] = defaultdict(dict)
    for stack, config in stack_config.items():
        grouped[stack.rsplit("-", 1)[0]][stack] = config
    return grouped


def test_literal_names_of_same_stack_resources_come_with_an_edge(stack_config):
    violations = [found for configs in environments(stack_config).values() for found in missing_edges(configs)]
    assert not violations, "resources name others by plain strings (first apply may race):\n" + "\n".join(violations)


# ---------------------------------------------------------------------------- the rule on small stacks
def _stack(**resources_by_type) -> dict:
    return {"resource": resources_by_type}


ECS = {
    "aws_ecs_cluster": {"cluster": {"name": "acme"}},
    "aws_ecs_service": {"svc": {"name": "acme-app", "cluster": "${aws_ecs_cluster.cluster.arn}"}},
    "aws_lb": {"alb": {"name": "acme-app"}},
}


@pytest.mark.parametrize(
    "referrer,expected",
    [
        pytest.param(
            {"ecs_service": {"cluster_name": "acme", "service_name": "acme-app"}},
            ["aws_ecs_cluster.cluster", "aws_ecs_service.svc"],
            id="names-only",
        ),
        pytest.param(
            {
                "ecs_service": {"cluster_name": "acme", "service_name": "acme-app"},
                "depends_on": ["aws_ecs_service.svc"],
            },
            [],
            id="depends-on-transitively",
        ),
        pytest.param(
            {
                "ecs_service": {
                    "cluster_name": "${aws_ecs_cluster.cluster.name}",
                    "service_name": "${aws_ecs_service.svc.name}",
                }
            },
            [],
            id="attributes",
        ),
        pytest.param({"dimensions": {"ServiceName": "acme-app"}}, ["aws_ecs_service.svc"], id="kind-from-key"),
        pytest.param({"role_arn": "arn:aws:iam::111122223333:role/acme"}, [], id="arn-of-another-kind"),
        pytest.param({"location": "acme/cache/x"}, ["aws_ecs_cluster.cluster"], id="location-prefix"),
        pytest.param({"tags": {"Name": "acme"}, "description": "acme"}, [], id="labels-are-not-references"),
    ],
)
def test_rule_finds_names_without_edges(referrer, expected):
    config = _stack(**ECS, aws_codedeploy_deployment_group={"group": {"deployment_group_name": "g", **referrer}})
    found = missing_edges({"env-service": config})
    assert [line.split(" names ")[1].split()[0] for line in found] == expected, found


def test_rule_leaves_names_of_sibling_stacks_to_the_deploy_order():
    delivery = _stack(
        aws_ecr_repository={"repo": {"name": "acme-app"}},
        aws_codepipeline={"p": {"stage": [{"action": [{"configuration": {"ServiceName": "acme-app"}}]}]}},
    )
    assert missing_edges({"env-delivery": delivery, "env-service": _stack(**ECS)}) == []


def test_rule_reads_arns_by_service_and_resource_type():
    config = _stack(
        aws_iam_role={"role": {"name": "deployer"}},
        aws_codebuild_project={"p": {"name": "deployer"}},
        aws_eks_access_entry={"e": {"principal_arn": "arn:aws:iam::111122223333:role/deployer"}},
    )
    assert [line.split(" names ")[1].split()[0] for line in missing_edges({"env-eks": config})] == ["aws_iam_role.role"]


# ---------------------------------------------------------------------------- target groups and listeners
def _target_group(value: str) -> str | None:
    match = re.fullmatch(r"\$\{(aws_lb_target_group\.[\w-]+)\.arn\}", value)
    return match.group(1) if match else None


def unattached_target_groups(config: dict) -> list[str]:
    """ECS services that register with a target group before a listener (or rule) attaches it to the ALB:
    ECS refuses a target group with no load balancer ("target group ... does not have an associated load
    balancer"), so the service must depend on a listener or rule that forwards to it."""
    bodies = {address: body for address, _, body in resources(config)}
    edges = {address: direct_edges(body, set(bodies)) for address, body in bodies.items()}
    attaching: dict[str, set[str]] = defaultdict(set)
    for address, body in bodies.items():
        if address.startswith(("aws_lb_listener.", "aws_lb_listener_rule.", "aws_alb_listener.")):
            for _, value in leaves(body):
                if (group := _target_group(value)) is not None:
                    attaching[group].add(address)
    violations = []
    for address, body in bodies.items():
        if not address.startswith("aws_ecs_service."):
            continue
        for load_balancer in body.get("load_balancer") or []:
            group = _target_group(load_balancer.get("target_group_arn", ""))
            if group and not attaching[group] & _reachable(address, edges):
                violations.append(
                    f"{address} registers with {group} but depends on no listener attaching it "
                    f"({sorted(attaching[group]) or 'none'})"
                )
    return violations


def test_ecs_services_depend_on_the_listeners_that_attach_their_target_groups(stack_config):
    violations = [
        f"{stack}: {found}" for stack, config in stack_config.items() for found in unattached_target_groups(config)
    ]
    services = sum(len(config.get("resource", {}).get("aws_ecs_service", {})) for config in stack_config.values())
    assert services, "expected ECS services in the synthesized stacks"
    assert not violations, "\n".join(violations)


def test_unattached_target_group_rule():
    listener = {"default_action": [{"type": "forward", "target_group_arn": "${aws_lb_target_group.blue.arn}"}]}
    service = {"load_balancer": [{"target_group_arn": "${aws_lb_target_group.blue.arn}"}]}
    config = _stack(
        aws_lb_target_group={"blue": {"name": "b"}}, aws_lb_listener={"l": listener}, aws_ecs_service={"s": service}
    )
    assert len(unattached_target_groups(config)) == 1
    config["resource"]["aws_ecs_service"]["s"]["depends_on"] = ["aws_lb_listener.l"]
    assert unattached_target_groups(config) == []


# ---------------------------------------------------------------------------- bucket policies that grant delivery
def _granting_policies(bodies: dict[str, dict]) -> dict[str, str]:
    """aws_s3_bucket address -> its aws_s3_bucket_policy address, for policies that allow something."""
    granting = {}
    for address, body in bodies.items():
        if address.startswith("aws_s3_bucket_policy.") and '"Allow"' in str(body.get("policy", "")):
            match = re.fullmatch(r"\$\{(aws_s3_bucket\.[\w-]+)\.(id|bucket)\}", body.get("bucket", ""))
            if match:
                granting[match.group(1)] = address
    return granting


def deliveries_before_bucket_policy(config: dict) -> list[str]:
    """Resources that deliver into a bucket whose policy grants that delivery (ALB access logs, ...) must
    depend on the policy: the service checks it can write when the resource is created ("Access Denied for
    bucket ... Please check S3bucket permission")."""
    bodies = {address: body for address, _, body in resources(config)}
    edges = {address: direct_edges(body, set(bodies)) for address, body in bodies.items()}
    violations = []
    for bucket, policy in _granting_policies(bodies).items():
        name = bodies[bucket].get("bucket")
        for address, body in bodies.items():
            if address.startswith("aws_s3_bucket"):  # the bucket and its own configuration
                continue
            names_it = bucket in edges[address] or any(value == name for _, value in leaves(body))
            if names_it and policy not in _reachable(address, edges):
                violations.append(f"{address} delivers into {bucket} before {policy} grants it")
    return violations


def test_deliveries_into_a_bucket_wait_for_its_policy(stack_config):
    violations = [
        f"{stack}: {found}"
        for stack, config in stack_config.items()
        for found in deliveries_before_bucket_policy(config)
    ]
    assert not violations, "\n".join(violations)


def test_bucket_policy_rule():
    policy = {"bucket": "${aws_s3_bucket.logs.id}", "policy": '{"Statement": [{"Effect": "Allow"}]}'}
    config = _stack(
        aws_s3_bucket={"logs": {"bucket": "logs-1"}},
        aws_s3_bucket_policy={"p": policy},
        aws_lb={"alb": {"access_logs": {"bucket": "logs-1"}}},
    )
    assert len(deliveries_before_bucket_policy(config)) == 1
    config["resource"]["aws_lb"]["alb"]["depends_on"] = ["aws_s3_bucket_policy.p"]
    assert deliveries_before_bucket_policy(config) == []
