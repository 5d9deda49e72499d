"""Cross-setting rules: what an environment file may not say although each of its values is fine alone.

Where a rule lives (put a new one in the first place that can see everything it needs):
- setting check: one value alone. A field's `check=` in envconfig/model.py or envconfig/kubernetes.py;
  the checks in envconfig/checks.py (the eks block's own beside it in kubernetes.py). The loader runs
  them as it parses.
- cross-setting rule: several settings of one file, or a file and the environments it promotes
  through. Here, each a small function returning (setting path, message) errors; the loader reports
  the first with the file's name.
- construct invariant: what a construct cannot build or will not grant. A ValueError/PolicyError
  raised in a construct or in `modules/shared/statements.py` `Statement`; synthesis fails.
- checkov policy: a property of the resources, whoever wrote them. policies/, on plans and
  synthesized JSON.
- plan test: what a stack's plan must contain. tests/plan/, on plan JSON.

Rules are generators and the loader stops at the first error, so a file reports its first problem
only, and a promotion rule reads (loads) an environment only when the rules before it passed.
PROMOTION_RULES run rule by rule over every file: each file's own promotion list is checked before
the rules that compare files (one pipeline per deployment target, unique names).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
from collections.abc import Callable, Iterator, Mapping

from envconfig import checks
from envconfig.account import SUPPORTED_PARTITION, partition_of
from envconfig.kubernetes import Eks
from envconfig.model import Build, CloudBackend, Deployment, Environment, Service
from envconfig.name_limits import created_names
from envconfig.secrets import SecretReference
from reference import ecs_lifecycle_hooks

Error = tuple[str, str]  # (setting path, message), e.g. ("service.app.memory", "4096 MiB is not ...")
Rule = Callable[[Environment], Iterator[Error]]
PromotionRule = Callable[[Environment, Mapping[str, Environment]], Iterator[Error]]

# Fargate task memory (MiB) allowed for each cpu value.
FARGATE_MEMORY = {
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
}
# Namespaces an application must not be deployed into (ArgoCD's own is added per environment).
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease", "default")
# The service VPC's "even" layout (modules/shared/network.py Network.subnet_cidrs): the VPC is cut into
# 2**4 blocks, public subnets from the first, private from the ninth, one per zone.
SUBNET_SPLIT_BITS = 4
ZONES_PER_LAYOUT = 8
# An Application Load Balancer's subnets need at least a /27 (and 8 free addresses).
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer
ALB_SUBNET_MAX_PREFIX = 27
# What a function service (kind = "function") does not use: the ECS service's and its ALB's settings.
CONTAINER_SETTINGS = (
    "container_port",
    "cpu",
    "memory",
    "desired_count",
    "health_check_path",
    "host_name",
    "bootstrap_image",
)
CONTAINER_DEPLOYMENT_SETTINGS = (
    "termination_wait_minutes",
    "test_listener_port",
    "test_listener_cidrs",
    "hooks",
)
# CodeBuild's longest build (480 minutes), less the deploy build's own work and the hooks (60 minutes).
MAX_TRAFFIC_SHIFT_MINUTES = 420


def _default(cls, name: str):
    field = cls.__dataclass_fields__[name]
    return field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default


def traffic_shift_minutes(deployment: Deployment) -> int:
    """How long CodeDeploy takes to shift all traffic: one interval for a canary, one per step but the last for a
    linear shape, none all at once."""
    if deployment.traffic == "canary":
        return deployment.interval_minutes
    if deployment.traffic == "linear":
        return deployment.interval_minutes * (math.ceil(100 / deployment.percent) - 1)
    return 0


def with_eks(*rules: Callable[[Environment, Eks], Iterator[Error]]) -> Rule:
    """Rules of the eks block: they apply when the environment has one."""

    def check(env: Environment) -> Iterator[Error]:
        if env.eks is not None:
            for rule in rules:
                yield from rule(env, env.eks)

    return check


def each_service(*rules: Callable[[Environment, Service], Iterator[Error]]) -> Rule:
    """Rules of one service, applied service by service: the first error is the first service's."""

    def check(env: Environment) -> Iterator[Error]:
        for service in env.services:
            for rule in rules:
                yield from rule(env, service)

    return check


def each_promotion_target(
    *rules: Callable[[Environment, str, Mapping[str, Environment]], Iterator[Error]],
) -> PromotionRule:
    """Rules of one environment in delivery.promotion, applied target by target."""

    def check(env: Environment, environments: Mapping[str, Environment]) -> Iterator[Error]:
        for target in env.delivery.promotion or ():
            for rule in rules:
                yield from rule(env, target, environments)

    return check


# The eks block


def eks_zones_at_most_three(env: Environment, eks: Eks) -> Iterator[Error]:
    """The EKS VPC gives each zone a quarter of eks.vpc_cidr (the fourth holds the public slices)."""
    zones = env.network.availability_zones
    if len(zones) > 3:
        yield "network.availability_zones", f"{len(zones)} zones: an environment with eks uses at most 3"


def node_group_desired_size_within_limits(env: Environment, eks: Eks) -> Iterator[Error]:
    """EKS rejects a scaling config whose desired size is outside [min, max]."""
    for group in eks.node_groups:
        if not group.min_size <= group.desired_size <= group.max_size:
            yield (
                f"eks.node_group.{group.name}.desired_size",
                f"{group.desired_size} is not between min_size {group.min_size} and max_size {group.max_size}",
            )


def eks_vpc_apart_from_service_vpc(env: Environment, eks: Eks) -> Iterator[Error]:
    """Overlapping VPC ranges can never be peered or routed to each other."""
    if ipaddress.IPv4Network(eks.vpc_cidr).overlaps(ipaddress.IPv4Network(env.network.vpc_cidr)):
        yield "eks.vpc_cidr", f"{eks.vpc_cidr!r} overlaps network.vpc_cidr {env.network.vpc_cidr!r}"


def eks_admins_in_account(env: Environment, eks: Eks) -> Iterator[Error]:
    """Cluster admins come from the cluster's own account: an access entry for another account's
    principal would be a cross-account grant."""
    for index, arn in enumerate(eks.admin_principal_arns):
        if arn.split(":")[4] != env.account_id:
            yield f"eks.admin_principal_arns[{index}]", f"{arn!r} is not in account {env.account_id}"


def argocd_ingress_needs_hostname(env: Environment, eks: Eks) -> Iterator[Error]:
    """The ingress rule and ArgoCD's URL are built from the host name."""
    if eks.argocd.ingress_enabled and not eks.argocd.ingress_hostname:
        yield "eks.argocd.ingress_hostname", "missing required setting when ingress_enabled is true"


def argocd_oidc_needs_client_id(env: Environment, eks: Eks) -> Iterator[Error]:
    """ArgoCD cannot start an OIDC login without the client id registered at the issuer."""
    if eks.argocd.oidc_issuer and not eks.argocd.oidc_client_id:
        yield "eks.argocd.oidc_client_id", "missing required setting when oidc_issuer is set"


def argocd_redis_ha_needs_ha(env: Environment, eks: Eks) -> Iterator[Error]:
    """redis-ha serves a highly available ArgoCD; behind single replicas it only adds pods."""
    if eks.argocd.redis_ha and not eks.argocd.ha:
        yield "eks.argocd.redis_ha", "needs ha = true"


def argocd_admin_groups_need_sso(env: Environment, eks: Eks) -> Iterator[Error]:
    """Groups reach ArgoCD only in SSO tokens; without SSO the mapping would silently grant nothing."""
    if eks.argocd.rbac_admin_groups and not eks.argocd.sso:
        yield "eks.argocd.rbac_admin_groups", "groups come from SSO: set oidc_issuer"


def sync_options_set_once(env: Environment, eks: Eks) -> Iterator[Error]:
    """ArgoCD keeps one value per sync option; a repeated key would make the file say two things."""
    keys = [option.partition("=")[0] for option in eks.application.sync_options]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        yield "eks.application.sync_options", f"{duplicates[0]} is set more than once"


def application_namespace_not_system(env: Environment, eks: Eks) -> Iterator[Error]:
    """The AppProject fences the application into its namespace and the deployer's access entry is
    scoped to the deploy namespace: argocd's or a system namespace would hand either the cluster."""
    for setting_path, namespace in (
        ("eks.deploy_namespace", eks.deploy_namespace),
        ("eks.application.destination_namespace", eks.application.destination_namespace),
    ):
        if namespace in (eks.argocd.namespace, *SYSTEM_NAMESPACES):
            yield setting_path, "must be an application namespace, not argocd's or a system namespace"


def one_owner_per_namespace(env: Environment, eks: Eks) -> Iterator[Error]:
    """With deploy_target "eks" the pipeline's kubectl owns deploy_namespace; an ArgoCD Application syncing the
    same namespace from git would undo each deploy (at once with selfHeal, at its next sync without), so the
    Application gets a namespace of its own (its AppProject fences it there)."""
    namespace = eks.application.destination_namespace or eks.deploy_namespace
    if eks.deploy_target == "eks" and namespace == eks.deploy_namespace:
        yield (
            "eks.application.destination_namespace",
            f'the pipeline deploys into {namespace!r} (deploy_target = "eks") and ArgoCD would revert it: '
            "give the Application another namespace",
        )


# The environment and its services


def name_is_an_identifier(env: Environment) -> Iterator[Error]:
    """The file name is the environment's name: it names stacks, pipeline stages, deploy files and IAM
    statement ids (letters and digits once '-' is dropped), so it must be a short name."""
    try:
        checks.short_name(env.name)
    except ValueError as err:
        yield "name", f"the file name {err}: it names the stacks, pipeline stages and IAM statement ids"


def region_in_supported_partition(env: Environment) -> Iterator[Error]:
    """ARNs follow the region's partition, but the stacks' service principals, ALB log delivery accounts
    and services (CodeStar connections, CodeArtifact) are the `aws` partition's."""
    partition = partition_of(env.region)
    if partition != SUPPORTED_PARTITION:
        yield (
            "region",
            (
                f"{env.region!r} is in the {partition!r} partition; the stacks support "
                f"{SUPPORTED_PARTITION!r} regions only (service principals, ALB log delivery and "
                "service availability differ there)"
            ),
        )


def zones_in_region(env: Environment) -> Iterator[Error]:
    """The AWS provider is pinned to the environment's region; a zone elsewhere cannot hold a subnet."""
    for index, zone in enumerate(env.network.availability_zones):
        if not (zone.startswith(env.region) and len(zone) == len(env.region) + 1):
            yield f"network.availability_zones[{index}]", f"{zone!r} is not a zone of region {env.region!r}"


def subnets_fit_the_load_balancer(env: Environment) -> Iterator[Error]:
    """The VPC is split into 16 blocks, one public and one private per zone: each must hold an ALB."""
    network = env.network
    zones = len(network.availability_zones)
    if zones > ZONES_PER_LAYOUT:
        yield "network.availability_zones", f"{zones} zones: the VPC layout has room for {ZONES_PER_LAYOUT}"
    subnet_prefix = ipaddress.IPv4Network(network.vpc_cidr).prefixlen + SUBNET_SPLIT_BITS
    if subnet_prefix > ALB_SUBNET_MAX_PREFIX:
        yield (
            "network.vpc_cidr",
            (
                f"{network.vpc_cidr!r} gives each subnet a /{subnet_prefix}; the load balancer needs a "
                f"/{ALB_SUBNET_MAX_PREFIX} or larger (use a /{ALB_SUBNET_MAX_PREFIX - SUBNET_SPLIT_BITS} VPC or larger)"
            ),
        )


def private_subnets_have_a_route_out(env: Environment) -> Iterator[Error]:
    """Tasks, hook functions, EKS nodes and the EKS deploy project run in the private subnets, and the VPCs
    have no endpoints: without NAT they cannot pull images from ECR, write logs or call AWS's APIs."""
    if env.network.nat_gateways == "none":
        yield (
            "network.nat_gateways",
            (
                "'none' leaves the private subnets without a route to ECR (the VPC has "
                "no endpoints), so tasks could not pull images: use 'single' or 'per_az'"
            ),
        )


def names_fit_aws_limits(env: Environment) -> Iterator[Error]:
    """Every name the stacks create (envconfig/name_limits.py) within AWS's limit for its kind."""
    for name in created_names(env):
        problem = name.problem()
        if problem:
            yield name.setting, problem


def workspace_name_or_tags(env: Environment) -> Iterator[Error]:
    """Terraform Cloud selects workspaces by name or by tags, never both."""
    backend = env.backend
    if isinstance(backend, CloudBackend) and backend.workspace_name and backend.workspace_tags:
        yield "backend.workspace_tags", "set workspace_name or workspace_tags, not both"


def run_task_needs_cloud_backend(env: Environment) -> Iterator[Error]:
    """HCP Terraform calls run tasks for its own workspaces only: with a local or s3 backend no run would
    ever reach the deployed service."""
    if env.run_task is not None and not isinstance(env.backend, CloudBackend):
        yield (
            "run_task",
            f'needs backend.type = "cloud" (HCP Terraform runs run tasks; this file\'s backend is '
            f"{env.backend.type!r})",
        )


def source_where_a_pipeline_builds(env: Environment, service: Service) -> Iterator[Error]:
    """An environment that runs pipelines builds each of its services from a source; one that runs none
    (`delivery.promotion = []`) deploys another environment's builds, so a source or build there would
    say something that never happens."""
    if env.promotion and service.source is None:
        yield f"service.{service.name}.source", "missing required setting (this environment's pipeline builds it)"
    if service.pull_request_build and service.source is None:
        yield f"service.{service.name}.source", "missing required setting (pull_request_build builds from it)"
    if not env.promotion:
        unused = "source" if service.source is not None else "build" if service.build != Build() else ""
        if unused:
            yield (
                f"service.{service.name}.{unused}",
                "not used: delivery.promotion = [] (the promoting environment's pipeline builds the service)",
            )


def connection_for_hosted_git(env: Environment, service: Service) -> Iterator[Error]:
    """CodePipeline reaches GitHub, GitLab and Bitbucket only through a CodeStar connection."""
    if service.source and service.source.provider != "codecommit" and not service.source.connection_arn:
        yield (
            f"service.{service.name}.source.connection_arn",
            f"missing required setting for provider {service.source.provider!r}",
        )


def settings_of_its_kind(env: Environment, service: Service) -> Iterator[Error]:
    """A container service's settings mean nothing to a function and the `function` block nothing to a container:
    a value set for the other kind would be silently ignored. A function's releases are CodeDeploy traffic shifts
    between versions of its alias, so `rolling` (an ECS update) does not apply either."""
    where = f"service.{service.name}"
    if service.kind == "container":
        if service.function is not None:
            yield f"{where}.function", "only for kind = 'function' (this service is a container)"
        return
    if service.function is None:
        yield f"{where}.function", "missing required setting for kind = 'function'"
    for name in CONTAINER_SETTINGS:
        if getattr(service, name) != _default(Service, name):
            yield f"{where}.{name}", "a container setting: kind = 'function' does not use it"
    if service.deployment.strategy != "blue_green":
        yield (
            f"{where}.deployment.strategy",
            f"{service.deployment.strategy!r} is an ECS update; a function is released by CodeDeploy traffic "
            "shifting (leave strategy unset)",
        )
    for name in CONTAINER_DEPLOYMENT_SETTINGS:
        if getattr(service.deployment, name) != _default(Deployment, name):
            written = Deployment.__dataclass_fields__[name].metadata["block_label"] or name  # as the file spells it
            yield f"{where}.deployment.{written}", "a container setting: kind = 'function' does not use it"


def function_hooks_in_account(env: Environment, service: Service) -> Iterator[Error]:
    """CodeDeploy invokes a hook with the deployment group's role, which is granted this account's functions, and
    the appspec names a hook by function name, which resolves in the deployment's own account and region."""
    if service.function is None:
        return
    for hook in ("before_allow_traffic", "after_allow_traffic"):
        value = getattr(service.function, hook)
        if value.startswith("arn:"):
            account, region = value.split(":")[4], value.split(":")[3]
            if (account, region) != (env.account_id, env.region):
                yield (
                    f"service.{service.name}.function.{hook}",
                    f"the function is in {account}/{region}, not this environment's {env.account_id}/{env.region}",
                )


def function_release_fits_the_deploy_build(env: Environment, service: Service) -> Iterator[Error]:
    """The deploy build waits for the CodeDeploy deployment to finish; CodeBuild stops a build after 8 hours."""
    if service.kind == "function" and traffic_shift_minutes(service.deployment) > MAX_TRAFFIC_SHIFT_MINUTES:
        yield (
            f"service.{service.name}.deployment.interval_minutes",
            f"the traffic shift takes {traffic_shift_minutes(service.deployment)} minutes; the deploy build that "
            f"waits for it allows at most {MAX_TRAFFIC_SHIFT_MINUTES}",
        )


def fargate_memory_for_cpu(env: Environment, service: Service) -> Iterator[Error]:
    """Fargate runs only the documented cpu/memory pairs; any other fails at deploy time."""
    if service.kind == "container" and service.memory not in FARGATE_MEMORY[service.cpu]:
        yield f"service.{service.name}.memory", f"{service.memory} MiB is not a Fargate size for cpu {service.cpu}"


def traffic_shape_needs_blue_green(env: Environment, service: Service) -> Iterator[Error]:
    """Canary and linear traffic are CodeDeploy shapes; an ECS rolling update has none."""
    deployment = service.deployment
    if deployment.strategy == "rolling" and deployment.traffic != "all_at_once":
        yield (
            f"service.{service.name}.deployment.traffic",
            f"{deployment.traffic!r} traffic needs strategy 'blue_green'",
        )


def secret_arns_in_this_account(env: Environment, service: Service) -> Iterator[Error]:
    """The build role is granted secrets of its own account and region; a secret elsewhere would need a
    resource policy and a key grant the stacks do not make."""
    for variable, value in sorted(service.build.secrets_manager.items()):
        secret = SecretReference.parse(value)
        delivery = (env.delivery_account_id, env.delivery_region)
        if secret.is_arn and (secret.account_id, secret.region) != delivery:
            yield (
                f"service.{service.name}.build.secrets_manager.{variable}",
                f"the secret is in {secret.account_id}/{secret.region}, not the build's (delivery) "
                f"{delivery[0]}/{delivery[1]}",
            )


def listener_ports_apart(env: Environment, service: Service) -> Iterator[Error]:
    """The ALB serves production on 80 and 443; the test listener needs a port of its own."""
    if service.deployment.test_listener_port in (80, 443):
        yield (
            f"service.{service.name}.deployment.test_listener_port",
            "must differ from the production listener ports 80 and 443",
        )


def https_hooks_need_host_name(env: Environment, service: Service) -> Iterator[Error]:
    """With network.certificate_arn both listeners speak HTTPS; the deploy hooks reach them at the ALB's DNS
    name, which the certificate does not cover, so they need the name it does cover to send (TLS server
    name, Host header) and to verify the certificate against."""
    if (
        env.network.certificate_arn
        and service.kind == "container"
        and service.deployment.strategy == "blue_green"
        and any(hook.built_in for hook in service.deployment.hooks)
        and not service.host_name
    ):
        yield (
            f"service.{service.name}.host_name",
            "missing required setting with network.certificate_arn: the name the certificate covers, which the "
            "deploy hooks send and verify (the ALB's DNS name is not on the certificate)",
        )


def hooks_need_blue_green(env: Environment, service: Service) -> Iterator[Error]:
    """Appspec hooks run in CodeDeploy deployments; an ECS rolling update has no lifecycle events to run them."""
    deployment = service.deployment
    if deployment.strategy != "blue_green" and deployment.hooks:
        yield (
            f"service.{service.name}.deployment.hook.{deployment.hooks[0].name}",
            f"hooks run in CodeDeploy deployments: they need strategy 'blue_green', not {deployment.strategy!r}",
        )


def hooks_fit_their_event(env: Environment, service: Service) -> Iterator[Error]:
    """A built-in check sees the new release only through a listener that routes to the replacement task set when
    its hook runs (none at BeforeInstall and AfterInstall: only a function can run there); a function hook is this
    account's and region's function (the CodeDeploy role invokes it by ARN) and takes no check settings."""
    for hook in service.deployment.hooks:
        where = f"service.{service.name}.deployment.hook.{hook.name}"
        on_replacement = ecs_lifecycle_hooks()[hook.name]
        if hook.function_arn:
            check_settings = [name for name in ("listener", "path") if getattr(hook, name)]
            check_settings += ["expected_status"] if hook.expected_status != 200 else []
            if check_settings:
                yield (
                    f"{where}.{check_settings[0]}",
                    "belongs to the built-in check; a hook with function_arn runs that function instead",
                )
            account, region = hook.function_arn.split(":")[4], hook.function_arn.split(":")[3]
            if (account, region) != (env.account_id, env.region):
                yield (
                    f"{where}.function_arn",
                    f"the function is in {account}/{region}, not this environment's {env.account_id}/{env.region}",
                )
        elif not on_replacement:
            yield (
                where,
                f"no listener routes to the new tasks at {hook.name}, so an HTTP check cannot see them: "
                "set function_arn (a Lambda function of your own)",
            )
        elif hook.listener and hook.listener not in on_replacement:
            yield (
                f"{where}.listener",
                f"the {hook.listener} listener does not route to the new tasks at {hook.name} "
                f"(the {on_replacement[0]} listener does)",
            )


def trigger_needs_connection(env: Environment, service: Service) -> Iterator[Error]:
    """Pipeline triggers filter CodeStarSourceConnection sources; a CodeCommit source starts through an
    EventBridge rule on its branch instead."""
    if service.source and service.source.trigger is not None and service.source.provider == "codecommit":
        yield (
            f"service.{service.name}.source.trigger",
            "filters pushes of connection sources (github, gitlab, bitbucket), not 'codecommit'",
        )


def created_repository_is_codecommit(env: Environment, service: Service) -> Iterator[Error]:
    """Only a CodeCommit repository can be created in the account; hosted git repositories live elsewhere."""
    if service.source and service.source.create_repository and service.source.provider != "codecommit":
        yield (
            f"service.{service.name}.source.create_repository",
            f"only a 'codecommit' repository can be created, not a {service.source.provider!r} one",
        )


def chatbot_channels_in_account(env: Environment) -> Iterator[Error]:
    """A notification rule targets chat channels configured in its own account."""
    for index, arn in enumerate(env.delivery.notifications.chatbot_channel_arns):
        if arn.split(":")[4] != env.delivery_account_id:
            yield (
                f"delivery.notifications.chatbot_channel_arns[{index}]",
                f"{arn!r} is not in account {env.delivery_account_id} (the pipelines' delivery account)",
            )


# Accounts: the delivery account, the roles the providers assume, the deploy role


def _arn_account(arn: str) -> str:
    return arn.split(":")[4]


def roles_in_their_accounts(env: Environment) -> Iterator[Error]:
    """A provider works in the account of the role it assumes, and a key's administrators are its account's: a
    role of another account would act (or administer) there, and the provider's allowed_account_ids refuse it."""
    delivery = env.delivery.account
    roles = [("assume_role.role_arn", env.assume_role, env.account_id)]
    if delivery:
        roles.append(("delivery.account.assume_role.role_arn", delivery.assume_role, delivery.account_id))
        for index, arn in enumerate(delivery.key_admin_principal_arns):
            if _arn_account(arn) != delivery.account_id:
                yield f"delivery.account.key_admin_principal_arns[{index}]", f"{arn!r} is not in {delivery.account_id}"
    for where, role, account_id in roles:
        if role and _arn_account(role.role_arn) != account_id:
            yield where, f"{role.role_arn!r} is not in account {account_id}: the provider works in the role's account"
    admins = [("key_admin_principal_arns", env.assume_role, env.key_admin_principal_arns)]
    if delivery:
        admins.append(
            ("delivery.account.key_admin_principal_arns", delivery.assume_role, delivery.key_admin_principal_arns)
        )
    for where, role, arns in admins:
        if role and role.role_arn not in arns:
            yield (
                where,
                f"must include {role.role_arn!r}: it runs Terraform, and KMS refuses a key it cannot administer",
            )


def delivery_account_elsewhere(env: Environment) -> Iterator[Error]:
    """A delivery account block and a deploy role are cross-account settings: naming this environment's own
    account (and region) in them says nothing, or trusts this account's pipelines through a role they do not need."""
    delivery = env.delivery.account
    if delivery and (delivery.account_id, delivery.region or env.region) == (env.account_id, env.region):
        yield "delivery.account.account_id", "is this environment's own account and region: drop the account block"
    if env.deploy_role and env.deploy_role.delivery_account_id == env.account_id:
        yield (
            "deploy_role.delivery_account_id",
            "is this environment's own account: pipelines of its account need no deploy role (drop the block)",
        )
    if env.delivery_region in env.delivery.artifact_regions:
        yield "delivery.artifact_regions", f"{env.delivery_region!r} is the pipeline's own region: it has its store"


# Across environments: delivery.promotion


def promotion_target_exists(env: Environment, target: str, environments: Mapping[str, Environment]) -> Iterator[Error]:
    """The pipeline deploys into each named environment's stacks: each needs a file."""
    if target not in environments:
        yield "delivery.promotion", f"unknown environment {target!r}"


def promotion_into_another_account_has_a_deploy_role(
    env: Environment, target: str, environments: Mapping[str, Environment]
) -> Iterator[Error]:
    """A pipeline acts in another account only through a role there that trusts it: the target's `deploy_role`,
    which names the delivery account whose pipelines it trusts."""
    if target in environments:
        other = environments[target]
        delivery = env.delivery_account_id
        if other.account_id == delivery:
            return
        if other.deploy_role is None:
            yield (
                "delivery.promotion",
                f"{target!r} is in account {other.account_id}, not the delivery account {delivery}, and "
                f"{other.file} has no deploy_role block: add "
                f'deploy_role {{ delivery_account_id = "{delivery}" }} there',
            )
        elif other.deploy_role.delivery_account_id != delivery:
            yield (
                "delivery.promotion",
                f"{target!r} trusts pipelines of account {other.deploy_role.delivery_account_id} "
                f"({other.file}: deploy_role.delivery_account_id), not of the delivery account {delivery}",
            )


def promotion_into_another_region_has_an_artifact_store(
    env: Environment, target: str, environments: Mapping[str, Environment]
) -> Iterator[Error]:
    """CodePipeline needs an artifact store (bucket and key) in every region it runs an action in."""
    if target in environments:
        region = environments[target].region
        if region != env.delivery_region and region not in env.delivery.artifact_regions:
            yield (
                "delivery.artifact_regions",
                f"{target!r} is in region {region!r}, which has no artifact store (the pipeline's is in "
                f"{env.delivery_region!r}): add {region!r}",
            )


def promotion_target_declares_services(
    env: Environment, target: str, environments: Mapping[str, Environment]
) -> Iterator[Error]:
    """The pipeline deploys each of its services into every target, so each target must run them."""
    if target in environments:
        declared = {service.name for service in environments[target].services}
        missing = {service.name for service in env.services} - declared
        if missing:
            yield (
                "delivery.promotion",
                f"{target!r} does not declare service(s) {sorted(missing)} that this pipeline deploys",
            )


def promotion_target_runs_the_same_kind(
    env: Environment, target: str, environments: Mapping[str, Environment]
) -> Iterator[Error]:
    """One pipeline builds one artifact per service (an image or a function package): every target runs it the
    same way."""
    if target in environments:
        kinds = {service.name: service.kind for service in environments[target].services}
        for service in env.services:
            if kinds.get(service.name, service.kind) != service.kind:
                yield (
                    f"service.{service.name}.kind",
                    f"{service.kind!r} here but {kinds[service.name]!r} in {target!r}, which this pipeline deploys to",
                )


def function_promotion_stays_with_its_deploy_project(
    env: Environment, target: str, environments: Mapping[str, Environment]
) -> Iterator[Error]:
    """A function service is released by a deploy project in the pipeline's account and region, whose role updates
    the function directly (modules/function/deploy.py): it cannot reach another account or region. Cross-account
    function releases are not built yet."""
    if target in environments and any(service.kind == "function" for service in env.services):
        other = environments[target]
        if (other.account_id, other.region) != (env.delivery_account_id, env.delivery_region):
            yield (
                "delivery.promotion",
                f"{target!r} is in {other.account_id}/{other.region}; a function service's pipeline deploys only in "
                f"its own account and region ({env.delivery_account_id}/{env.delivery_region})",
            )


def promotion_ends_here(env: Environment, environments: Mapping[str, Environment]) -> Iterator[Error]:
    """An environment's pipeline is built from its own file, so it deploys into itself last."""
    if env.promotion and env.promotion[-1] != env.name:
        yield "delivery.promotion", f"must end with this environment ({env.name!r})"


def promotion_targets_distinct_in_statement_ids(
    env: Environment, environments: Mapping[str, Environment]
) -> Iterator[Error]:
    """The pipeline role's statement ids carry each target's name without '-': two targets must not share one."""
    forms = [target.replace("-", "") for target in env.promotion]
    for index, form in enumerate(forms):
        if form in forms[:index]:
            yield (
                "delivery.promotion",
                (
                    f"{env.promotion[forms.index(form)]!r} and {env.promotion[index]!r} differ "
                    "only in '-': their IAM statement ids would collide"
                ),
            )


def _owners(target: Environment, service: str, environments: Mapping[str, Environment]) -> list[Environment]:
    """The environments whose pipelines deploy `service` into `target`."""
    return [
        other
        for other in environments.values()
        if target.name in other.promotion and service in {s.name for s in other.services}
    ]


def _promotion_setting(env: Environment) -> str:
    if env.delivery.promotion is None:
        return "delivery.promotion unset: itself"
    return f"delivery.promotion = {list(env.delivery.promotion)}"


def one_pipeline_per_deployment_target(env: Environment, environments: Mapping[str, Environment]) -> Iterator[Error]:
    """Two pipelines deploying one (environment, service) race on its deployment group and undo each
    other's releases: each deployment target has exactly one owning pipeline."""
    for target_name in env.promotion:
        target = environments[target_name]
        for service in env.services:
            others = [other for other in _owners(target, service.name, environments) if other.name != env.name]
            if others:
                other = others[0]
                fix = (
                    f"set delivery {{ promotion = [] }} in {target.file}"
                    if other.name == target.name
                    else f"drop {target_name!r} from one of the two"
                )
                yield (
                    "delivery.promotion",
                    (
                        f"deploys service {service.name!r} into {target_name!r}, "
                        f"and so does the pipeline of {other.file} "
                        f"({_promotion_setting(other)}): a deployment target has one pipeline; {fix}"
                    ),
                )


def every_service_has_a_pipeline(env: Environment, environments: Mapping[str, Environment]) -> Iterator[Error]:
    """An environment without a pipeline of its own (`promotion = []`) needs one promoting into it for
    each of its services; otherwise the service would run its bootstrap image forever."""
    for service in env.services:
        if not _owners(env, service.name, environments):
            yield (
                "delivery.promotion",
                (
                    f"no pipeline deploys service {service.name!r}: no environment's "
                    f"delivery.promotion lists {env.name!r} with that service"
                ),
            )


def name_prefix_unique(env: Environment, environments: Mapping[str, Environment]) -> Iterator[Error]:
    """Every resource name starts with name_prefix: two environments sharing one would create (or, in one
    account, fight over) the same resources."""
    for other in environments.values():
        if other.name != env.name and other.name_prefix == env.name_prefix:
            yield "name_prefix", f"{env.name_prefix!r} is also {other.file}'s name_prefix"


def names_unique_in_account(env: Environment, environments: Mapping[str, Environment]) -> Iterator[Error]:
    """Different prefixes can still meet (prefix 'acme' with service 'prod-app', prefix 'acme-prod' with
    service 'app'): no name may be created by two environments of one account."""
    mine = {name.value: name for name in created_names(env)}
    for other in environments.values():
        if other.name != env.name and other.account_id == env.account_id:
            shared = sorted(set(mine) & {name.value for name in created_names(other)})
            if shared:
                name = mine[shared[0]]
                yield name.setting, f"{name.limit.kind} name {shared[0]!r} is also created by {other.file}"


# Rules of one file, in the order they are reported, run as the file loads.
RULES: tuple[Rule, ...] = (
    name_is_an_identifier,
    region_in_supported_partition,
    delivery_account_elsewhere,
    roles_in_their_accounts,
    with_eks(
        eks_zones_at_most_three,
        node_group_desired_size_within_limits,
        eks_vpc_apart_from_service_vpc,
        eks_admins_in_account,
        argocd_ingress_needs_hostname,
        argocd_oidc_needs_client_id,
        argocd_redis_ha_needs_ha,
        argocd_admin_groups_need_sso,
        sync_options_set_once,
        application_namespace_not_system,
    ),
    zones_in_region,
    subnets_fit_the_load_balancer,
    private_subnets_have_a_route_out,
    workspace_name_or_tags,
    run_task_needs_cloud_backend,
    each_service(
        settings_of_its_kind,
        source_where_a_pipeline_builds,
        connection_for_hosted_git,
        fargate_memory_for_cpu,
        function_hooks_in_account,
        function_release_fits_the_deploy_build,
        traffic_shape_needs_blue_green,
        listener_ports_apart,
        hooks_need_blue_green,
        hooks_fit_their_event,
        https_hooks_need_host_name,
        trigger_needs_connection,
        created_repository_is_codecommit,
        secret_arns_in_this_account,
    ),
    chatbot_channels_in_account,
    with_eks(one_owner_per_namespace),
    names_fit_aws_limits,
)

# Rules between files, run once a file has loaded; `environments` loads (and checks) a file when a rule reads it.
PROMOTION_RULES: tuple[PromotionRule, ...] = (
    each_promotion_target(
        promotion_target_exists,
        promotion_into_another_account_has_a_deploy_role,
        promotion_into_another_region_has_an_artifact_store,
        promotion_target_declares_services,
        promotion_target_runs_the_same_kind,
        function_promotion_stays_with_its_deploy_project,
    ),
    promotion_ends_here,
    promotion_targets_distinct_in_statement_ids,
    one_pipeline_per_deployment_target,
    every_service_has_a_pipeline,
    name_prefix_unique,
    names_unique_in_account,
)
