"""The optional `eks { ... }` block of an environment file: the cluster, its node groups, ArgoCD and
the GitOps application. Same conventions as `envconfig.model` (which imports this module): frozen
dataclasses, each field's check next to it, validated generically by `envconfig.loader`; rules that
involve several settings are in `envconfig.rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from envconfig import checks
from envconfig.fields import REQUIRED, setting

# https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/ (application-level syncOptions)
SYNC_OPTIONS: dict[str, tuple[str, ...]] = {
    "Validate": ("false",),
    "CreateNamespace": ("true",),
    "PruneLast": ("true",),
    "ApplyOutOfSyncOnly": ("true",),
    "PrunePropagationPolicy": ("foreground", "background", "orphan"),
    "Replace": ("true",),
    "ServerSideApply": ("true",),
    "RespectIgnoreDifferences": ("true",),
    "FailOnSharedResource": ("true",),
}

# The argo-cd chart from https://argoproj.github.io/argo-helm (Argo CD v2.13.x) and the argocd-apps
# chart (2.x: applications/projects as maps keyed by name). Pinned; bump deliberately.
ARGOCD_CHART_VERSION = "7.7.11"
ARGOCD_APPS_CHART_VERSION = "2.0.2"


def sync_option(value: str) -> None:
    key, sep, choice = value.partition("=")
    if not sep or key not in SYNC_OPTIONS or choice not in SYNC_OPTIONS[key]:
        supported = ", ".join(f"{k}={'|'.join(v)}" for k, v in SYNC_OPTIONS.items())
        raise ValueError(f"{value!r} is not a supported ArgoCD sync option ({supported})")


def dns_label(value: str) -> None:
    """Kubernetes namespace names are RFC 1123 labels."""
    if len(value) > 63 or not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", value):
        raise ValueError(
            f"{value!r} is not an RFC 1123 label (at most 63 of a-z, 0-9, '-', "
            "starting and ending with a letter or digit)"
        )


kubernetes_version = checks.matching(r"1\.(2[89]|3\d)", "a supported Kubernetes minor version (e.g. 1.31)")
chart_version = checks.matching(r"\d+\.\d+\.\d+", "a pinned chart version (x.y.z)")
hostname = checks.matching(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}", "a DNS hostname")
git_url = checks.matching(
    r"(https://[A-Za-z0-9.-]+(:\d+)?/[A-Za-z0-9._/-]+|git@[A-Za-z0-9.-]+:[A-Za-z0-9._/-]+)",
    "a git repository URL (https://... or git@host:owner/repo)",
)
relative_path = checks.matching(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*", "a relative path inside the repository")
instance_type = checks.matching(r"[a-z][a-z0-9-]*\.[a-z0-9]+", "an EC2 instance type (e.g. m6i.large)")
# A word sed and the shell take literally (no regex or quoting characters), e.g. the seed's IMAGE_TAG.
image_placeholder = checks.matching(r"[A-Za-z_][A-Za-z0-9_]{2,63}", "a placeholder word (3-64 of A-Z, a-z, 0-9, '_')")


@dataclass(frozen=True)
class NodeGroup:
    """One EKS managed node group (`node_group "default" { ... }`)."""

    name: str = setting(REQUIRED, check=checks.short_name)
    instance_types: tuple[str, ...] = setting(
        ("m6i.large",), check=checks.all_of(checks.each(instance_type), checks.unique)
    )
    min_size: int = setting(2, check=checks.between(0, 100))
    desired_size: int = setting(2, check=checks.between(0, 100))
    max_size: int = setting(4, check=checks.between(1, 100))
    disk_size_gib: int = setting(50, check=checks.between(20, 1000))
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    ami_type: Literal[
        "AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"
    ] = "AL2023_x86_64_STANDARD"


@dataclass(frozen=True)
class ArgoCd:
    chart_version: str = setting(ARGOCD_CHART_VERSION, check=chart_version)
    apps_chart_version: str = setting(ARGOCD_APPS_CHART_VERSION, check=chart_version)
    namespace: str = setting("argocd", check=dns_label)
    ha: bool = setting(False, doc="several server/repo-server/applicationset replicas with PodDisruptionBudgets")
    replicas: int = setting(2, check=checks.between(2, 10), doc="replicas of each stateless component when ha")
    redis_ha: bool = setting(False, doc="redis-ha (3 redis + sentinel, HAProxy) instead of one redis")
    oidc_issuer: str = setting("", check=checks.optional(checks.matching(r"https://\S+", "an https:// URL")))
    oidc_client_id: str = ""
    rbac_default_policy: Literal["", "role:readonly"] = setting(
        "", doc="what an authenticated user without a group mapping may do: nothing, or read"
    )
    rbac_admin_groups: tuple[str, ...] = setting((), check=checks.unique, doc="SSO groups mapped to role:admin")
    ingress_enabled: bool = setting(False, doc="argocd-server behind an internal ALB (AWS Load Balancer Controller)")
    ingress_hostname: str = setting("", check=checks.optional(hostname))
    ingress_certificate_arn: str = setting("", check=checks.optional(checks.arn("acm")))

    @property
    def sso(self) -> bool:
        return bool(self.oidc_issuer)


@dataclass(frozen=True)
class GitOpsApplication:
    """The ArgoCD Application (the seed's `my-app`) and the AppProject that fences it."""

    name: str = setting(REQUIRED, check=dns_label)
    repo_url: str = setting(REQUIRED, check=git_url)
    path: str = setting("", check=checks.optional(relative_path), doc="default overlays/<environment>")
    target_revision: str = setting("HEAD", check=checks.branch_name)
    destination_namespace: str = setting("", check=checks.optional(dns_label), doc="default: eks.deploy_namespace")
    project: str = setting("", check=checks.optional(dns_label), doc="default: the application's name")
    prune: bool = True
    self_heal: bool = True
    sync_options: tuple[str, ...] = setting(("CreateNamespace=true",), check=checks.each(sync_option))


@dataclass(frozen=True)
class Eks:
    """An EKS cluster with ArgoCD for this environment (stacks `<env>-eks` and `<env>-gitops`)."""

    vpc_cidr: str = setting(
        REQUIRED, check=checks.private_cidr, doc="the cluster's own VPC (private subnets in network.availability_zones)"
    )
    deploy_namespace: str = setting(
        REQUIRED, check=dns_label, doc="the one namespace the CodeBuild deploy role may edit"
    )
    application: GitOpsApplication = setting(REQUIRED)
    node_groups: tuple[NodeGroup, ...] = setting(REQUIRED, check=checks.at_least(1), block_label="node_group")
    kubernetes_version: str = setting("1.31", check=kubernetes_version)
    endpoint_public_access_cidrs: tuple[str, ...] = setting(
        (), check=checks.all_of(checks.each(checks.cidr), checks.unique), doc="empty: the API endpoint is private only"
    )
    admin_principal_arns: tuple[str, ...] = setting(
        (),
        check=checks.all_of(checks.each(checks.iam_principal_arn), checks.unique),
        doc="cluster admins (one access entry each); include whoever runs `<env>-gitops`",
    )
    deploy_target: Literal["ecs", "eks"] = setting(
        "ecs", doc="where this environment's pipeline deploys the services: ECS (default) or this cluster"
    )
    image_placeholder: str = setting(
        "IMAGE_TAG",
        check=image_placeholder,
        doc="deploy_target eks: the word the deploy replaces in every manifest of k8s/ (*.yaml, *.yml, *.json)",
    )
    image_placeholder_mode: Literal["tag", "uri"] = setting(
        "tag",
        doc="what replaces it: the pushed image's tag (default, the seed's `image: <repo>:IMAGE_TAG`) or its whole URI",
    )
    argocd: ArgoCd = setting(factory=ArgoCd)
