"""ArgoCD on EKS through Helm: the `argo-cd` chart with a production preset, and the GitOps
Application plus the AppProject that fences it, through the `argocd-apps` chart.

Everything is Python data rendered once with yaml.safe_dump. Why a second Helm release for the
Application/AppProject instead of `kubernetes_manifest`: kubernetes_manifest needs the CRD's schema
from the API server at plan time, so on a fresh cluster (CRDs installed by the argo-cd release in the
same apply) the plan fails; a helm_release is only rendered at apply time, after `depends_on`.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from cdktf_cdktf_provider_helm.release import Release
from cdktf_cdktf_provider_kubernetes.namespace import Namespace, NamespaceMetadata

from envconfig.kubernetes import ArgoCd, GitOpsApplication
from modules.cdk.core import Construct, literal

ARGO_HELM_REPOSITORY = "https://argoproj.github.io/argo-helm"
IN_CLUSTER = "https://kubernetes.default.svc"
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"


def render(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False, width=1000)


def argocd_values(argocd: ArgoCd) -> dict:
    """Values for the argo-cd chart (7.x)."""
    replicas = argocd.replicas if argocd.ha else 1
    pdb = {"enabled": argocd.ha, "minAvailable": 1} if argocd.ha else {"enabled": False}
    server: dict = {"replicas": replicas, "pdb": pdb}
    values: dict = {
        "global": {"domain": argocd.ingress_hostname or "argocd.local"},
        "configs": {
            "cm": {"admin.enabled": not argocd.sso, "exec.enabled": False, "statusbadge.enabled": False},
            "params": {"server.insecure": False},
            "rbac": {
                "policy.default": argocd.rbac_default_policy,
                "scopes": "[groups]",
                "policy.csv": "".join(f"g, {group}, role:admin\n" for group in argocd.rbac_admin_groups),
            },
        },
        "controller": {"replicas": 1, "pdb": pdb},  # one active controller; sharding is not needed here
        "server": server,
        "repoServer": {"replicas": replicas, "pdb": pdb},
        "applicationSet": {"replicas": replicas, "pdb": pdb},
        "redis": {"enabled": not argocd.redis_ha},
        "redis-ha": {"enabled": argocd.redis_ha},
        "dex": {"enabled": False},
        "notifications": {"enabled": True},
    }
    if argocd.sso:
        values["configs"]["cm"]["url"] = f"https://{argocd.ingress_hostname}" if argocd.ingress_hostname else ""
        values["configs"]["cm"]["oidc.config"] = render(
            {
                "name": "SSO",
                "issuer": argocd.oidc_issuer,
                "clientID": argocd.oidc_client_id,
                # resolved by ArgoCD from the argocd-secret key oidc.clientSecret (created out of band)
                "clientSecret": "$oidc.clientSecret",
                "requestedScopes": ["openid", "profile", "email", "groups"],
            }
        )
    if argocd.ha:
        values["redis-ha"].update({"haproxy": {"enabled": True}})
        for component in ("server", "repoServer", "applicationSet"):
            values[component]["affinity"] = {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 100,
                            "podAffinityTerm": {
                                "topologyKey": "topology.kubernetes.io/zone",
                                "labelSelector": {
                                    "matchLabels": {"app.kubernetes.io/component": _component_label(component)}
                                },
                            },
                        }
                    ]
                }
            }
    if argocd.ingress_enabled:
        annotations = {
            "alb.ingress.kubernetes.io/scheme": "internal",
            "alb.ingress.kubernetes.io/target-type": "ip",
            "alb.ingress.kubernetes.io/backend-protocol": "HTTPS",
            "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
            "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        }
        if argocd.ingress_certificate_arn:
            annotations["alb.ingress.kubernetes.io/certificate-arn"] = argocd.ingress_certificate_arn
        server["ingress"] = {
            "enabled": True,
            "controller": "aws",
            "ingressClassName": "alb",
            "hostname": argocd.ingress_hostname,
            "annotations": annotations,
            "aws": {"serviceType": "ClusterIP", "backendProtocolVersion": "GRPC"},
        }
    return values


def _component_label(component: str) -> str:
    return {"server": "server", "repoServer": "repo-server", "applicationSet": "applicationset-controller"}[component]


@dataclass(frozen=True)
class GitOpsApp:
    """The GitOps application as ArgoCD gets it: the environment's settings with their defaults resolved."""

    application: GitOpsApplication
    project: str  # the AppProject that fences it
    path: str  # the repository path ArgoCD syncs
    destination_namespace: str


def project_manifest(app: GitOpsApp, argocd_namespace: str) -> dict:
    """The AppProject (argoproj.io/v1alpha1): one repository into one namespace."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": app.project, "namespace": argocd_namespace},
        "spec": {
            # the argocd-apps chart pastes the description unquoted into YAML: no ": " in it
            "description": f"{app.application.name} - one repository into one namespace",
            "sourceRepos": [app.application.repo_url],
            "destinations": [{"server": IN_CLUSTER, "namespace": app.destination_namespace}],
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}]
            if "CreateNamespace=true" in app.application.sync_options
            else [],
            "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}, {"group": "", "kind": "LimitRange"}],
        },
    }


def application_manifest(app: GitOpsApp, argocd_namespace: str) -> dict:
    """The Application (argoproj.io/v1alpha1), synced automatically, with retries."""
    application = app.application
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": application.name, "namespace": argocd_namespace, "finalizers": [RESOURCES_FINALIZER]},
        "spec": {
            "project": app.project,
            "source": {
                "repoURL": application.repo_url,
                "targetRevision": application.target_revision,
                "path": app.path,
            },
            "destination": {"server": IN_CLUSTER, "namespace": app.destination_namespace},
            "syncPolicy": {
                "automated": {"prune": application.prune, "selfHeal": application.self_heal},
                "syncOptions": list(application.sync_options),
                "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "3m"}},
            },
        },
    }


def apps_values(app: GitOpsApp, argocd_namespace: str) -> dict:
    """Values for the argocd-apps chart (2.x), which takes each resource keyed by name: metadata.namespace
    and finalizers beside the spec's fields."""

    def entry(manifest: dict) -> dict:
        metadata = manifest["metadata"]
        extra = {"finalizers": metadata["finalizers"]} if "finalizers" in metadata else {}
        return {"namespace": metadata["namespace"], **extra, **manifest["spec"]}

    project, application = project_manifest(app, argocd_namespace), application_manifest(app, argocd_namespace)
    return {
        "projects": {project["metadata"]["name"]: entry(project)},
        "applications": {application["metadata"]["name"]: entry(application)},
    }


@dataclass(frozen=True)
class ArgoCdReleaseProps:
    argocd: ArgoCd  # the chart versions, namespace and preset
    app: GitOpsApp
    deploy_namespace: str  # the namespace the deployer's access entry is scoped to
    namespace_labels: dict[str, str]  # on both namespaces, beside the pod-security labels


class ArgoCdRelease(Construct):
    def __init__(self, scope: Construct, id: str, props: ArgoCdReleaseProps):
        super().__init__(scope, id)
        argocd = props.argocd
        self.namespace = Namespace(
            self,
            "namespace",
            metadata=NamespaceMetadata(
                name=argocd.namespace,
                labels={**props.namespace_labels, "pod-security.kubernetes.io/enforce": "baseline"},
            ),
        )
        application_labels = {
            **props.namespace_labels,
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/warn": "restricted",
        }
        # The deploy namespace exists before the first pipeline run: the CodeBuild access entry is scoped to it.
        self.deploy_namespace = Namespace(
            self, "deploy-namespace", metadata=NamespaceMetadata(name=props.deploy_namespace, labels=application_labels)
        )
        application_namespaces = [self.deploy_namespace]
        if props.app.destination_namespace != props.deploy_namespace:
            # The pipeline owns the deploy namespace (deploy_target = "eks"), the Application its own: created
            # here too, with the same labels (ArgoCD's CreateNamespace=true would create it without them).
            application_namespaces.append(
                Namespace(
                    self,
                    "application-namespace",
                    metadata=NamespaceMetadata(name=props.app.destination_namespace, labels=application_labels),
                )
            )
        self.values = argocd_values(argocd)
        self.release = Release(
            self,
            "argo-cd",
            name="argocd",
            repository=ARGO_HELM_REPOSITORY,
            chart="argo-cd",
            version=argocd.chart_version,
            namespace=argocd.namespace,
            create_namespace=False,
            values=[literal(render(self.values))],
            atomic=True,
            cleanup_on_fail=True,
            wait=True,
            timeout=900,
            max_history=10,
            depends_on=[self.namespace],
        )
        self.apps_values = apps_values(props.app, argocd.namespace)
        self.apps = Release(
            self,
            "argocd-apps",
            name="argocd-apps",
            repository=ARGO_HELM_REPOSITORY,
            chart="argocd-apps",
            version=argocd.apps_chart_version,
            namespace=argocd.namespace,
            create_namespace=False,
            values=[literal(render(self.apps_values))],
            atomic=True,
            wait=True,
            max_history=10,
            depends_on=[self.release, *application_namespaces],
        )
