"""Sufficiency, offline: every API call a role's service makes on the role's behalf
(reference/service_calls.json), rendered with the project's names, is allowed by the role's policies
as planned — and is a call AWS's service authorization reference knows.

`python -m tooling.iam.sufficiency [PLANS_DIR]` prints the table role -> calls checked -> allowed,
from the plan JSON `make plan` wrote (default build/plans).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace

from envconfig.eks_naming import EksNames
from envconfig.loader import Catalog
from envconfig.model import Environment, Service
from envconfig.naming import EnvironmentNames, delivery_environment, private_subnet_name
from reference import service_calls
from release.deployment_config import deployment_config_name
from release.function import function_release
from release.model import release_spec
from tooling.iam.evaluator import Request, evaluate
from tooling.iam.service_reference import call_problem


@dataclass(frozen=True)
class RoleInstance:
    """One role of one stack, with the bindings its kind's call templates are rendered with."""

    kind: str  # a key of service_calls()["roles"]
    stack: str
    name: str
    bindings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    action: str
    resource: str
    context: dict
    source: str


@dataclass(frozen=True)
class Finding:
    role: RoleInstance
    call: Call
    problem: str

    def __str__(self) -> str:
        return (
            f"{self.role.stack} {self.role.name} ({self.role.kind}): {self.call.action} on {self.call.resource}: "
            f"{self.problem}"
        )


# ------------------------------------------------------------------------------------------ bindings
def _common(names: EnvironmentNames) -> dict:
    account = names.account
    return {"partition": account.partition, "region": account.region, "account": account.account_id}


def _service_of(env: Environment, name: str) -> Service:
    return next(service for service in env.services if service.name == name)


def _target_bindings(targets: list[Environment], service: Service, pipeline_names: EnvironmentNames) -> dict:
    """rolling_targets, blue_green_targets, eks_targets, function_targets: how a deploy reaches `service` in each
    target (a function's deploy project is in the pipeline's account: `pipeline_names`)."""
    rolling, blue_green, eks, functions = [], [], [], []
    for target in targets:
        target_names = EnvironmentNames(target)
        common = _common(target_names)
        if service.kind == "function":  # the deploy project is the pipeline's environment's
            functions.append(
                {
                    **_common(pipeline_names),
                    "deploy_project": pipeline_names.service(service).function_deploy_project(target.name),
                }
            )
            continue
        if target.eks is not None and target.eks.deploy_target == "eks":
            eks.append({**common, "deploy_project": EksNames(target_names).deploy_project})
            continue
        target_service = _service_of(target, service.name)
        names_there = target_names.service(target_service)
        release = release_spec(target, target_service)
        element = {
            **common,
            "task_family": release.family,
            "execution_role": release.execution_role_arn.split("/")[-1],
            "task_role": release.task_role_arn.split("/")[-1],
        }
        if target_service.deployment.strategy == "blue_green":
            config = deployment_config_name(target_service.deployment, names_there.base)
            blue_green.append(
                {
                    **element,
                    "codedeploy_application": names_there.codedeploy_application,
                    "deployment_group": names_there.deployment_group,
                    "deployment_config": config,
                }
            )
        else:
            rolling.append({**element, "cluster": target_names.cluster, "ecs_service": names_there.ecs_service})
    return {
        "rolling_targets": rolling,
        "blue_green_targets": blue_green,
        "eks_targets": eks,
        "function_targets": functions,
    }


def _pipeline_bindings(catalog: Catalog, env: Environment, service: Service) -> dict:
    """The pipeline in its delivery account: it deploys into targets of that account itself, and into other
    accounts' targets by assuming their deploy roles (remote_targets), whose calls are theirs (pipeline_deploy)."""
    names = EnvironmentNames(delivery_environment(env))
    own = names.service(service)
    targets = catalog.promotion_targets(env)
    local = [target for target in targets if target.account_id == names.account.account_id]
    remote = [
        {**_common(EnvironmentNames(target)), "deploy_role": EnvironmentNames(target).pipeline_deploy_role}
        for target in targets
        if target not in local
    ]
    source = service.source
    return {
        **_common(names),
        "pipeline": own.pipeline,
        "artifact_bucket": names.artifact_bucket,
        "artifact_prefix": own.artifact_prefix,
        "delivery_key_alias": names.delivery_key_alias,
        "build_project": own.build_project,
        "source_connection": source.provider != "codecommit",
        "source_codecommit": source.provider == "codecommit",
        "connection_arn": source.connection_arn,
        "codecommit_repository": source.repository,
        "approval_topic": names.approval_topic,
        "approvals": any(target.delivery.approval_required for target in catalog.promotion_targets(env)),
        **_target_bindings(local, service, names),
        "remote_targets": remote,
    }


def _pipeline_deploy_role(catalog: Catalog, env: Environment) -> Iterator[RoleInstance]:
    """The deploy role of an environment that pipelines of another account deploy into: their deploy calls here,
    and the reads of their artifacts (in the store of this environment's region)."""
    sources = [
        delivery_environment(source)
        for source in catalog.promoting_into(env)
        if delivery_environment(source).account_id != env.account_id
    ]
    if not sources:
        return
    names = EnvironmentNames(env)
    deploys = [
        _target_bindings([env], service, EnvironmentNames(source)) for source in sources for service in source.services
    ]
    artifact_sources = []
    for source in sources:
        source_names = EnvironmentNames(source)
        bucket, store = source_names.artifact_store(env.region)
        for service in source.services:
            artifact_sources.append(
                {
                    "partition": store.partition,
                    "region": store.region,
                    "account": store.account_id,
                    "artifact_bucket": bucket,
                    "artifact_prefix": source_names.service(service).artifact_prefix,
                    "delivery_key_alias": source_names.delivery_key_alias,
                }
            )
    yield RoleInstance(
        "pipeline_deploy",
        f"{env.name}-service",
        names.pipeline_deploy_role,
        {
            **_common(names),
            **{kind: [element for deploy in deploys for element in deploy[kind]] for kind in deploys[0]},
            "artifact_sources": artifact_sources,
        },
    )


def _build_bindings(env: Environment, service: Service) -> dict:
    names = EnvironmentNames(delivery_environment(env))
    own, build = names.service(service), service.build
    formats = env.delivery.codeartifact_formats
    from modules.delivery.codeartifact import repository_name, upstream_name  # loads the provider binding

    return {
        **_common(names),
        "build_project": own.build_project,
        "build_log_group": own.build_log_group,
        "artifact_bucket": names.artifact_bucket,
        "artifact_prefix": own.artifact_prefix,
        "delivery_key_alias": names.delivery_key_alias,
        "ecr_repository": own.ecr_repository,
        "pushes_image": service.kind == "container",
        "report_groups": [{"report_group": f"{own.build_project}-coverage"}] if build.coverage_report else [],
        "parameters": [{"parameter": name.lstrip("/")} for name in sorted(build.parameter_store.values())],
        "secrets": [{"secret": ref.split(":")[0]} for ref in sorted(build.secrets_manager.values())],
        "s3_cache": build.cache == "s3",
        "codeartifact": bool(formats),
        "codeartifact_domain": names.codeartifact_domain,
        "package_logins": [{"repository": repository_name(fmt)} for fmt in formats if fmt != "maven"],
        "package_repositories": [
            {"repository": name(fmt)} for fmt in formats for name in (repository_name, upstream_name)
        ],
    }


def _service_stack_roles(catalog: Catalog, env: Environment) -> Iterator[RoleInstance]:
    names = EnvironmentNames(env)
    stack = f"{env.name}-service"
    yield RoleInstance(
        "flow_logs",
        stack,
        f"{env.name_prefix}-flow-logs",
        {**_common(names), "flow_log_group": f"/vpc/{env.name_prefix}/flow-logs"},
    )
    for service in env.services:
        if service.kind == "function":
            yield from _function_roles(env, service)
            continue
        own, release = names.service(service), release_spec(env, service)
        repositories = [
            {
                **_common(EnvironmentNames(source)),
                "repository": EnvironmentNames(source).service(service).ecr_repository,
            }
            for source in map(delivery_environment, catalog.promoting_into(env))
        ]
        yield RoleInstance(
            "task_execution",
            stack,
            release.execution_role_arn.split("/")[-1],
            {**_common(names), "image_repositories": repositories, "task_log_group": release.log_group},
        )
        if service.deployment.strategy != "blue_green":
            continue
        invoked = [{"function": hook.function} for hook in release.hooks]  # the project's and the user's
        checks = [
            {"function": hook.function, "log_group": f"/aws/lambda/{hook.function}"} for hook in release.hook_checks
        ]
        yield RoleInstance(
            "codedeploy",
            stack,
            f"{own.deployment_group}-codedeploy",
            {
                **_common(names),
                "cluster": names.cluster,
                "ecs_service": own.ecs_service,
                "alb_name": own.base,
                "alarms": [
                    {"alarm": f"{own.deployment_group}-{suffix}"}
                    for suffix in ("blue-5xx", "blue-unhealthy", "green-5xx", "green-unhealthy", "cpu-high")
                ],
                "hook_functions": invoked,
                "execution_role": release.execution_role_arn.split("/")[-1],
                "task_role": release.task_role_arn.split("/")[-1],
            },
        )
        if not checks:  # only the built-in checks' functions have the project's role
            continue
        yield RoleInstance(
            "hooks",
            stack,
            own.role("hooks"),
            {
                **_common(names),
                "codedeploy_application": own.codedeploy_application,
                "deployment_group": own.deployment_group,
                "hook_functions": checks,
                "private_subnets": [
                    {"subnet_name": private_subnet_name(env.name_prefix, zone)}
                    for zone in env.network.availability_zones
                ],
                "hooks_security_group": own.hooks_security_group,
            },
        )


def _function_roles(env: Environment, service: Service) -> Iterator[RoleInstance]:
    """A function service's roles in its service stack: the function's, CodeDeploy's and the built-in hooks'."""
    names = EnvironmentNames(env)
    own, release, stack = names.service(service), function_release(env, service), f"{env.name}-service"
    common = {**_common(names), "function": release.function, "alias": release.alias}
    yield RoleInstance(
        "function", stack, own.role("function"), {**common, "function_log_group": own.function_log_group}
    )
    yield RoleInstance(
        "function_codedeploy",
        stack,
        f"{own.deployment_group}-codedeploy",
        {
            **common,
            "alarms": [{"alarm": own.function_alarm(suffix)} for suffix in ("errors", "throttles")],
            "hook_functions": [{"hook_function": function} for _, function in release.hooks],
        },
    )
    builtin = [function for hook, function in release.hooks if hook in release.builtin_hooks]
    if builtin:
        yield RoleInstance(
            "function_hooks",
            stack,
            own.role("hooks"),
            {
                **common,
                "codedeploy_application": own.codedeploy_application,
                "deployment_group": own.deployment_group,
                "hook_functions": [{"log_group": f"/aws/lambda/{function}"} for function in builtin],
            },
        )


def _function_deploy_roles(catalog: Catalog, env: Environment, service: Service) -> Iterator[RoleInstance]:
    """The deploy projects of a function service's pipeline (in its delivery stack), one per target."""
    names = EnvironmentNames(env)
    own = names.service(service)
    for target in catalog.promotion_targets(env):
        there_names = EnvironmentNames(target)
        there = there_names.service(_service_of(target, service.name))
        release = function_release(target, there.service)
        yield RoleInstance(
            "function_deploy",
            f"{env.name}-delivery",
            own.function_deploy_project(target.name),
            {
                **_common(there_names),
                "deploy_log_group": own.function_deploy_log_group(target.name),
                "artifact_bucket": names.artifact_bucket,
                "artifact_prefix": own.artifact_prefix,
                "delivery_key_alias": names.delivery_key_alias,
                "function": release.function,
                "codedeploy_application": release.application,
                "deployment_group": release.deployment_group,
                "deployment_config": release.deployment_config,
            },
        )


def _eks_stack_roles(catalog: Catalog, env: Environment) -> Iterator[RoleInstance]:
    names = EnvironmentNames(env)
    eks = EksNames(names)
    stack = f"{env.name}-eks"
    yield RoleInstance(
        "flow_logs",
        stack,
        f"{eks.cluster}-flow-logs",
        {**_common(names), "flow_log_group": f"/aws/eks/{eks.cluster}/flow-logs"},
    )
    sources = [
        {
            **_common(EnvironmentNames(replace(source_names.env, region=env.region))),
            "artifact_bucket": source_names.artifact_store(env.region)[0],
            "artifact_prefix": source_names.service(service).artifact_prefix,
            "delivery_key_alias": source_names.delivery_key_alias,
        }
        for source_names in (EnvironmentNames(delivery_environment(s)) for s in catalog.promoting_into(env))
        for service in source_names.env.services
    ]
    yield RoleInstance(
        "eks_deploy",
        stack,
        eks.deploy_role,
        {
            **_common(names),
            "deploy_project": eks.deploy_project,
            "deploy_log_group": eks.deploy_log_group,
            "eks_cluster": eks.cluster,
            "artifact_sources": sources,
            "private_subnets": [
                {"subnet_name": private_subnet_name(eks.cluster, zone)} for zone in env.network.availability_zones
            ],
            "deploy_security_group": eks.deploy_security_group,
        },
    )


def role_instances(catalog: Catalog) -> list[RoleInstance]:
    """Every role of every environment's AWS stacks whose calls reference/service_calls.json lists."""
    roles = []
    for env in catalog.selected:
        names = EnvironmentNames(env)
        for service in env.services if env.promotion else ():  # promotion = []: another pipeline deploys here
            own = names.service(service)
            roles.append(
                RoleInstance(
                    "pipeline", f"{env.name}-delivery", own.role("pipeline"), _pipeline_bindings(catalog, env, service)
                )
            )
            roles.append(
                RoleInstance("build", f"{env.name}-delivery", own.role("codebuild"), _build_bindings(env, service))
            )
            if service.kind == "function":
                roles += _function_deploy_roles(catalog, env, service)
        roles += _service_stack_roles(catalog, env)
        roles += _pipeline_deploy_role(catalog, env)
        if env.eks is not None:
            roles += _eks_stack_roles(catalog, env)
        if env.run_task is not None and env.run_task.image_tag:  # the function exists once its image does
            run_task = names.run_task
            roles.append(
                RoleInstance(
                    "run_task",
                    run_task.stack,
                    run_task.role,
                    {
                        **_common(names),
                        "function": run_task.function,
                        "log_group": run_task.log_group,
                        "bucket": run_task.bucket,
                        "secret": run_task.secret,
                        "key_alias": run_task.key_alias,
                    },
                )
            )
    return roles


# ------------------------------------------------------------------------------------------- calls
def _render(template, bindings: dict):
    if isinstance(template, list):
        return [_render(item, bindings) for item in template]
    return template.format_map(bindings)


def calls_of(role: RoleInstance, data: dict | None = None) -> list[Call]:
    """The role kind's call templates, rendered for this role."""
    data = data or service_calls()
    sample = SimpleNamespace(**{k: v for k, v in data["samples"].items() if k != "//"})
    calls = []
    for entry in data["roles"][role.kind]["calls"]:
        if "when" in entry and not role.bindings[entry["when"]]:
            continue
        elements = role.bindings[entry["for_each"]] if "for_each" in entry else [{}]
        for element in elements:
            bindings = {**role.bindings, **element, "sample": sample}
            calls.append(
                Call(
                    entry["action"],
                    _render(entry["resource"], bindings),
                    {key: _render(value, bindings) for key, value in entry.get("context", {}).items()},
                    entry["source"],
                )
            )
    return calls


# -------------------------------------------------------------------------------- policies in a plan
def role_policies(plan, role_name: str) -> list[dict]:
    """The identity policies of `role_name` in `plan`: inline (either form) and attached managed ones
    (AWS managed documents from moto's copy; customer managed from the plan)."""
    resources = plan.resources
    roles = [r for r in resources if r["type"] == "aws_iam_role" and r["values"].get("name") == role_name]
    if len(roles) != 1:
        raise LookupError(f"{plan.stack}: expected one aws_iam_role named {role_name!r}, found {len(roles)}")
    documents = [inline["policy"] for inline in roles[0]["values"].get("inline_policy") or [] if inline.get("policy")]
    documents += [
        r["values"]["policy"]
        for r in resources
        if r["type"] == "aws_iam_role_policy" and r["values"].get("role") == role_name
    ]
    for attachment in (
        r for r in resources if r["type"] == "aws_iam_role_policy_attachment" and r["values"].get("role") == role_name
    ):
        documents.append(managed_policy_document(plan, attachment["values"]["policy_arn"]))
    return [json.loads(document) if isinstance(document, str) else document for document in documents]


def managed_policy_document(plan, policy_arn: str) -> dict:
    if ":iam::aws:policy/" in policy_arn:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        return json.loads(aws_managed_policies_data)[policy_arn.rsplit("/", 1)[-1]]["Document"]
    policy = next((r for r in plan.of_type("aws_iam_policy") if r["values"].get("arn") == policy_arn), None)
    if policy is None:
        raise LookupError(f"{plan.stack}: attached policy {policy_arn} is neither AWS managed nor in the plan")
    return json.loads(policy["values"]["policy"])


# ------------------------------------------------------------------------------------------ checking
def check_role(role: RoleInstance, policies: list[dict], data: dict | None = None) -> tuple[int, list[Finding]]:
    """(calls checked, findings): calls the reference does not know, and calls the policies deny."""
    findings, calls = [], calls_of(role, data)
    for call in calls:
        problem = call_problem(call.action, call.resource)
        if problem:
            findings.append(Finding(role, call, f"not in AWS's service authorization reference: {problem}"))
            continue
        decision = evaluate(policies, Request(call.action, call.resource, call.context))
        if not decision.allowed:
            findings.append(Finding(role, call, f"{decision.reason} (context {call.context or '{}'})"))
    return len(calls), findings


@dataclass(frozen=True)
class RoleResult:
    role: RoleInstance
    checked: int
    findings: list[Finding]


def check_plans(catalog: Catalog, plans: dict, data: dict | None = None) -> list[RoleResult]:
    """Every role of every planned stack, checked; roles of stacks not in `plans` are skipped."""
    results = []
    for role in role_instances(catalog):
        if role.stack not in plans:
            continue
        checked, findings = check_role(role, role_policies(plans[role.stack], role.name), data)
        results.append(RoleResult(role, checked, findings))
    return results


def table(results: list[RoleResult]) -> str:
    rows = [("stack", "role", "kind", "calls checked", "all allowed")]
    rows += [
        (r.role.stack, r.role.name, r.role.kind, str(r.checked), "yes" if not r.findings else f"NO ({len(r.findings)})")
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def main(argv: list[str]) -> int:
    from envconfig.loader import load_environments
    from tooling import ROOT
    from tooling.harness.planjson import load_plans

    plans = load_plans(Path(argv[0]) if argv else ROOT / "build" / "plans")
    results = check_plans(load_environments(), plans)
    print(table(results))
    for result in results:
        for finding in result.findings:
            print(f"DENIED: {finding}")
    return 1 if any(r.findings for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
