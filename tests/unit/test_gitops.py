"""The `<env>-gitops` stacks, checked on their synthesized JSON (the Helm and Kubernetes providers
are not available offline, so these stacks are never planned here): pinned charts, values parsed
back and asserted, and the Application/AppProject as the argocd-apps chart renders them, validated
against Argo CD's own CRD schemas (tests/validate_k8s.cjs, npm @kubernetes-models/argo-cd)."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest
import yaml

from envconfig.eks_naming import EksNames
from envconfig.naming import EnvironmentNames
from tooling import ROOT

GITOPS_ENVIRONMENTS = ["staging", "prod"]

# Where the charts come from, as Argo CD documents it (https://github.com/argoproj/argo-helm#usage:
# `helm repo add argo https://argoproj.github.io/argo-helm`).
ARGO_HELM = "https://argoproj.github.io/argo-helm"
# The cluster Argo CD runs in, as its declarative setup names it
# (https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#applications).
IN_CLUSTER = "https://kubernetes.default.svc"

# What the argocd-apps chart 2.0.2 renders from each `applications` / `projects` entry, transcribed from
# https://github.com/argoproj/argo-helm/blob/argocd-apps-2.0.2/charts/argocd-apps/templates/applications.yaml
# and .../templates/projects.yaml: `{{ . }}` scalars are pasted unquoted, `toYaml` blocks are YAML, and
# each key is rendered only when non-empty (`with`), except an Application's project and destination.
# A key not listed here is dropped without a word.
CHART_METADATA = ("additionalAnnotations", "additionalLabels", "namespace", "finalizers")
CHART_SPEC = {
    "Application": (
        ("project", "scalar"),
        ("source", "yaml"),
        ("sources", "yaml"),
        ("destination", "yaml"),
        ("syncPolicy", "yaml"),
        ("revisionHistoryLimit", "scalar"),
        ("ignoreDifferences", "yaml"),
        ("info", "yaml"),
    ),
    "AppProject": (
        ("permitOnlyProjectScopedClusters", "scalar"),
        ("description", "scalar"),
        ("sourceRepos", "yaml"),
        ("destinations", "yaml"),
        ("clusterResourceWhitelist", "yaml"),
        ("clusterResourceBlacklist", "yaml"),
        ("namespaceResourceBlacklist", "yaml"),
        ("namespaceResourceWhitelist", "yaml"),
        ("orphanedResources", "yaml"),
        ("roles", "yaml"),
        ("syncWindows", "yaml"),
        ("signatureKeys", "yaml"),
        ("sourceNamespaces", "yaml"),
    ),
}
CHART_ALWAYS = {"Application": ("project", "destination"), "AppProject": ()}
CHART_VALUES = {"applications": "Application", "projects": "AppProject"}


def releases(stack_config, env) -> dict[str, dict]:
    return {release["chart"]: release for release in stack_config[f"{env}-gitops"]["resource"]["helm_release"].values()}


def values(release: dict) -> dict:
    [document] = release["values"]
    return yaml.safe_load(document)


def _scalar(value) -> str:
    """A value as Go's template `{{ . }}` prints it."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _block(key: str, value, indent: int) -> list[str]:
    """`key:` followed by `toYaml value | nindent (indent + 2)`."""
    body = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, width=1000).rstrip("\n")
    return [f"{' ' * indent}{key}:"] + [f"{' ' * (indent + 2)}{line}" for line in body.splitlines()]


def rendered_documents(apps_values: dict) -> list[str]:
    """The YAML documents the argocd-apps chart renders from its values (see CHART_SPEC)."""
    documents = []
    for values_key in ("projects", "applications"):
        kind = CHART_VALUES[values_key]
        for name, entry in (apps_values.get(values_key) or {}).items():
            lines = ["apiVersion: argoproj.io/v1alpha1", f"kind: {kind}", "metadata:"]
            if entry.get("additionalAnnotations"):
                lines += ["  annotations:"] + [
                    f"    {key}: {json.dumps(str(value))}" for key, value in entry["additionalAnnotations"].items()
                ]
            if entry.get("additionalLabels"):
                lines += _block("labels", entry["additionalLabels"], 2)
            lines.append(f"  name: {name}")
            if entry.get("namespace"):
                lines.append(f"  namespace: {entry['namespace']}")
            if entry.get("finalizers"):
                lines += _block("finalizers", entry["finalizers"], 2)
            lines.append("spec:")
            for key, how in CHART_SPEC[kind]:
                value = entry.get(key)
                if not value and key not in CHART_ALWAYS[kind]:
                    continue
                lines += _block(key, value, 2) if how == "yaml" else [f"  {key}: {_scalar(value)}"]
            documents.append("\n".join(lines) + "\n")
    return documents


def manifests(apps_values: dict) -> list[dict]:
    """The custom resources the chart renders, parsed as the Kubernetes API would read them: a value the
    chart pastes unquoted and YAML cannot read fails here, as `helm install` would."""
    return [yaml.safe_load(document) for document in rendered_documents(apps_values)]


def dropped_keys(apps_values: dict) -> list[str]:
    """Values the chart's templates never read: set in the stack, absent from the cluster."""
    return [
        f"{values_key}.{name}.{key}"
        for values_key, kind in CHART_VALUES.items()
        for name, entry in (apps_values.get(values_key) or {}).items()
        for key in entry
        if key not in CHART_METADATA and key not in dict(CHART_SPEC[kind])
    ]


def crd_errors(resources: list[dict]) -> list[list[str]]:
    """Each resource's violations of Argo CD's CRD schemas, through tests/validate_k8s.cjs."""
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "validate_k8s.cjs")],
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, f"validate_k8s.cjs failed (node_modules from `make setup`?): {result.stderr}"
    return json.loads(result.stdout)


def apps(stack_config, env) -> dict:
    return values(releases(stack_config, env)["argocd-apps"])


def test_gitops_stacks_use_helm_kubernetes_and_aws_only(stack_config, synthesis):
    for env in GITOPS_ENVIRONMENTS:
        config = stack_config[f"{env}-gitops"]
        assert set(config["terraform"]["required_providers"]) == {"aws", "helm", "kubernetes"}
        assert f"{env}-gitops" not in synthesis.plannable_stacks()


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_providers_come_from_eks_data_sources_by_cluster_name(stack_config, catalog, env):
    config = stack_config[f"{env}-gitops"]
    cluster = EksNames(EnvironmentNames(catalog.by_name[env])).cluster
    assert [d["name"] for d in config["data"]["aws_eks_cluster"].values()] == [cluster]
    assert [d["name"] for d in config["data"]["aws_eks_cluster_auth"].values()] == [cluster]
    kubernetes = config["provider"]["kubernetes"][0]
    helm = config["provider"]["helm"][0]["kubernetes"]
    for provider in (kubernetes, helm):
        assert provider["host"].startswith("${data.aws_eks_cluster.")
        assert provider["token"].startswith("${data.aws_eks_cluster_auth.")
        assert "base64decode(data.aws_eks_cluster." in provider["cluster_ca_certificate"]
    assert "remote_state" not in str(config.get("data", {})), "no cross-stack outputs"


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_charts_are_pinned_from_the_argo_helm_repository(stack_config, catalog, env):
    argocd = catalog.by_name[env].eks.argocd
    found = releases(stack_config, env)
    assert set(found) == {"argo-cd", "argocd-apps"}
    for chart, version in (("argo-cd", argocd.chart_version), ("argocd-apps", argocd.apps_chart_version)):
        assert found[chart]["repository"] == ARGO_HELM
        assert found[chart]["version"] == version
        assert found[chart]["version"].count(".") == 2 and "*" not in version and "^" not in version
        assert found[chart]["namespace"] == argocd.namespace
    assert any("helm_release" in dep for dep in found["argocd-apps"]["depends_on"]), "apps after the CRDs"


def test_prod_argocd_is_highly_available_with_redis_ha(stack_config):
    prod = values(releases(stack_config, "prod")["argo-cd"])
    for component in ("server", "repoServer", "applicationSet"):
        assert prod[component]["replicas"] >= 2
        assert prod[component]["pdb"]["enabled"] is True
        assert prod[component]["affinity"]["podAntiAffinity"]
    assert prod["redis-ha"]["enabled"] is True and prod["redis"]["enabled"] is False


def test_staging_argocd_is_not_highly_available(stack_config):
    staging = values(releases(stack_config, "staging")["argo-cd"])
    for component in ("server", "repoServer", "applicationSet"):
        assert staging[component]["replicas"] == 1
        assert staging[component]["pdb"]["enabled"] is False
    assert staging["redis-ha"]["enabled"] is False and staging["redis"]["enabled"] is True


def test_sso_disables_the_admin_user_and_maps_groups(stack_config, catalog):
    prod, staging = (values(releases(stack_config, env)["argo-cd"]) for env in ("prod", "staging"))
    argocd = catalog.by_name["prod"].eks.argocd
    assert prod["configs"]["cm"]["admin.enabled"] is False
    oidc = yaml.safe_load(prod["configs"]["cm"]["oidc.config"])
    assert (oidc["issuer"], oidc["clientID"]) == (argocd.oidc_issuer, argocd.oidc_client_id)
    assert prod["configs"]["rbac"]["policy.default"] == ""
    assert prod["configs"]["rbac"]["policy.csv"] == "g, platform-admins, role:admin\n"
    assert staging["configs"]["cm"]["admin.enabled"] is True  # no SSO configured in staging
    assert staging["configs"]["rbac"]["policy.default"] == "role:readonly"


def test_prod_server_is_behind_an_internal_alb(stack_config, catalog):
    ingress = values(releases(stack_config, "prod")["argo-cd"])["server"]["ingress"]
    assert ingress["enabled"] is True and ingress["ingressClassName"] == "alb"
    assert ingress["annotations"]["alb.ingress.kubernetes.io/scheme"] == "internal"
    assert ingress["hostname"] == catalog.by_name["prod"].eks.argocd.ingress_hostname
    assert "ingress" not in values(releases(stack_config, "staging")["argo-cd"])["server"]


# The documented defaults (envconfig.kubernetes.GitOpsApplication) as they land for each environment file:
# staging sets no path or destination namespace, prod sets the seed's layout.
SYNCED = {"staging": ("overlays/staging", "app-staging-gitops"), "prod": ("overlays/production", "production")}


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_application_syncs_automatically_from_the_environment_file(stack_config, catalog, env):
    application_settings = catalog.by_name[env].eks.application
    [project, application] = manifests(apps(stack_config, env))
    spec = application["spec"]
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert "CreateNamespace=true" in spec["syncPolicy"]["syncOptions"]
    assert spec["syncPolicy"]["syncOptions"] == list(application_settings.sync_options)
    path, namespace = SYNCED[env]
    assert spec["source"] == {
        "repoURL": application_settings.repo_url,
        "targetRevision": application_settings.target_revision,
        "path": path,
    }
    assert spec["destination"] == {"server": IN_CLUSTER, "namespace": namespace}
    assert spec["project"] == project["metadata"]["name"] != "default"
    assert (
        application["metadata"]["namespace"]
        == project["metadata"]["namespace"]
        == catalog.by_name[env].eks.argocd.namespace
    ), "Argo CD reads Applications from its own namespace"


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_app_project_restricts_repositories_and_destinations(stack_config, catalog, env):
    eks = catalog.by_name[env].eks
    [project, _] = manifests(apps(stack_config, env))
    spec = project["spec"]
    assert spec["sourceRepos"] == [eks.application.repo_url]
    assert spec["destinations"] == [{"server": IN_CLUSTER, "namespace": SYNCED[env][1]}]
    assert "*" not in str(spec["sourceRepos"]) + str(spec["destinations"])
    # CreateNamespace=true makes Argo CD create a cluster-scoped Namespace: the project must allow exactly that.
    assert spec["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_the_project_admits_its_application(stack_config, env):
    """Argo CD refuses to sync an Application whose repository or destination its AppProject does not list."""
    [project, application] = manifests(apps(stack_config, env))
    assert application["spec"]["project"] == project["metadata"]["name"]
    assert application["spec"]["source"]["repoURL"] in project["spec"]["sourceRepos"]
    assert application["spec"]["destination"] in project["spec"]["destinations"]


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_the_chart_renders_every_value_the_stack_sets(stack_config, env):
    assert dropped_keys(apps(stack_config, env)) == []
    assert [m["kind"] for m in manifests(apps(stack_config, env))] == ["AppProject", "Application"]


def test_the_chart_model_notices_dropped_and_unreadable_values(stack_config):
    broken = apps(stack_config, "prod")
    broken["applications"]["app"]["automated"] = {"prune": True}  # belongs under syncPolicy
    broken["projects"]["app"]["syncPolicy"] = {}
    assert dropped_keys(broken) == ["applications.app.automated", "projects.app.syncPolicy"]
    broken["projects"]["app"]["description"] = "app: one repository"  # pasted unquoted by the template
    with pytest.raises(yaml.YAMLError):
        manifests(broken)


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_manifests_satisfy_the_argocd_crds(stack_config, env):
    rendered = manifests(apps(stack_config, env))
    assert crd_errors(rendered) == [[] for _ in rendered]


DELETE = object()


def _break(resource: dict, path: str, value) -> dict:
    """A copy of `resource` with the dotted `path` set to `value` (deleted when value is DELETE)."""
    broken = copy.deepcopy(resource)
    *parents, last = path.split(".")
    node = broken
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return broken


BROKEN = [
    ("Application", "spec.syncPolicy.automated.prune", "true", "/spec/syncPolicy/automated/prune: must be boolean"),
    ("Application", "spec.destination", DELETE, "/spec: must have required property destination"),
    ("Application", "spec.project", DELETE, "/spec: must have required property project"),
    ("Application", "spec.source.repoURL", DELETE, "/spec/source: must have required property repoURL"),
    ("Application", "spec.syncPolicy.retry.limit", "5", "/spec/syncPolicy/retry/limit: must be integer"),
    (
        "Application",
        "spec.syncPolicy.syncOptions",
        "CreateNamespace=true",
        "/spec/syncPolicy/syncOptions: must be array",
    ),
    ("AppProject", "spec.destinations.0.server", 443, "/spec/destinations/0/server: must be string"),
    (
        "AppProject",
        "spec.clusterResourceWhitelist.0.kind",
        DELETE,
        "/spec/clusterResourceWhitelist/0: must have required property kind",
    ),
    ("AppProject", "spec.sourceRepos", "https://github.com/acme/app-gitops.git", "/spec/sourceRepos: must be array"),
]


@pytest.mark.parametrize("kind, path, value, error", BROKEN, ids=[f"{kind}.{path}" for kind, path, _, _ in BROKEN])
def test_the_crd_validation_rejects_broken_manifests(stack_config, kind, path, value, error):
    resource = next(m for m in manifests(apps(stack_config, "prod")) if m["kind"] == kind)
    assert crd_errors([resource]) == [[]]
    [errors] = crd_errors([_break(resource, path, value)])
    assert error in errors


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_namespaces_are_created_with_pod_security_labels(stack_config, catalog, env):
    eks = catalog.by_name[env].eks
    namespaces = {
        n["metadata"]["name"]: n["metadata"]["labels"]
        for n in stack_config[f"{env}-gitops"]["resource"]["kubernetes_namespace"].values()
    }
    assert set(namespaces) == {
        eks.argocd.namespace,
        eks.deploy_namespace,
        eks.application.destination_namespace or eks.deploy_namespace,
    }
    assert all("pod-security.kubernetes.io/enforce" in labels for labels in namespaces.values())


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_argocd_and_the_pipeline_never_own_one_namespace(stack_config, catalog, env):
    """deploy_target "eks": kubectl owns the deploy namespace, so the Application (selfHeal would revert each
    deploy) and its AppProject's fence are elsewhere; "ecs": the Application may sync the deploy namespace."""
    eks = catalog.by_name[env].eks
    [project, application] = manifests(values(releases(stack_config, env)["argocd-apps"]))
    argocd_namespaces = {
        application["spec"]["destination"]["namespace"],
        *(d["namespace"] for d in project["spec"]["destinations"]),
    }
    if eks.deploy_target == "eks":
        assert eks.deploy_namespace not in argocd_namespaces
    else:
        assert argocd_namespaces == {eks.deploy_namespace}
    assert {"staging": "eks", "prod": "ecs"}[env] == eks.deploy_target  # both models are exercised
