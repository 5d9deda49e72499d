"""The `<env>-gitops` stacks, checked on their synthesized JSON (the Helm and Kubernetes providers
are not available offline, so these stacks are never planned here): pinned charts, values parsed
back and asserted, and the Application/AppProject validated against the ArgoCD CRDs' required
structure."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from envconfig.eks_naming import EksNames
from envconfig.naming import EnvironmentNames
from modules.eks.argocd import ARGO_HELM_REPOSITORY, IN_CLUSTER

GITOPS_ENVIRONMENTS = ["staging", "prod"]

# The parts of argoproj.io/v1alpha1 Application and AppProject that the CRDs (Argo CD 2.13) require,
# plus the shape this project relies on (automated sync, fenced destinations).
_METADATA = {"type": "object", "required": ["name", "namespace"],
             "properties": {"name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                            "namespace": {"type": "string"}}}
_DESTINATION = {"type": "object", "anyOf": [{"required": ["server"]}, {"required": ["name"]}],
                "properties": {"server": {"type": "string"}, "namespace": {"type": "string"}}}
APPLICATION_SCHEMA = {
    "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "argoproj.io/v1alpha1"}, "kind": {"const": "Application"}, "metadata": _METADATA,
        "spec": {
            "type": "object", "required": ["destination", "project", "source"],
            "properties": {
                "project": {"type": "string", "minLength": 1},
                "destination": _DESTINATION,
                "source": {"type": "object", "required": ["repoURL"],
                           "properties": {"repoURL": {"type": "string"}, "path": {"type": "string"},
                                          "targetRevision": {"type": "string"}}},
                "syncPolicy": {"type": "object", "properties": {
                    "automated": {"type": "object", "properties": {"prune": {"type": "boolean"},
                                                                   "selfHeal": {"type": "boolean"}}},
                    "syncOptions": {"type": "array", "items": {"type": "string"}},
                    "retry": {"type": "object", "properties": {"limit": {"type": "integer"}}}}},
            },
        },
    },
}
APPPROJECT_SCHEMA = {
    "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "argoproj.io/v1alpha1"}, "kind": {"const": "AppProject"}, "metadata": _METADATA,
        "spec": {"type": "object", "properties": {
            "sourceRepos": {"type": "array", "items": {"type": "string"}},
            "destinations": {"type": "array", "items": _DESTINATION},
            "clusterResourceWhitelist": {"type": "array", "items": {
                "type": "object", "required": ["group", "kind"]}},
            "namespaceResourceBlacklist": {"type": "array", "items": {
                "type": "object", "required": ["group", "kind"]}},
        }},
    },
}


def releases(stack_config, env) -> dict[str, dict]:
    return {release["chart"]: release for release in stack_config[f"{env}-gitops"]["resource"]["helm_release"].values()}


def values(release: dict) -> dict:
    [document] = release["values"]
    return yaml.safe_load(document)


def manifests(apps_values: dict) -> list[dict]:
    """Rebuild the custom resources the argocd-apps chart (2.x) renders from its values."""
    found = []
    for key, kind in (("projects", "AppProject"), ("applications", "Application")):
        for name, entry in apps_values.get(key, {}).items():
            spec = {k: v for k, v in entry.items() if k not in ("namespace", "finalizers", "additionalLabels",
                                                                 "additionalAnnotations")}
            metadata = {"name": name, "namespace": entry["namespace"]}
            if "finalizers" in entry:
                metadata["finalizers"] = entry["finalizers"]
            found.append({"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec})
    return found


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
        assert found[chart]["repository"] == ARGO_HELM_REPOSITORY
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


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_application_syncs_automatically_from_the_environment_file(stack_config, catalog, env):
    eks = catalog.by_name[env].eks
    [project, application] = manifests(values(releases(stack_config, env)["argocd-apps"]))
    spec = application["spec"]
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert "CreateNamespace=true" in spec["syncPolicy"]["syncOptions"]
    assert spec["syncPolicy"]["syncOptions"] == list(eks.application.sync_options)
    assert spec["source"] == {"repoURL": eks.application.repo_url, "targetRevision": eks.application.target_revision,
                              "path": eks.application.path or f"overlays/{env}"}
    assert spec["destination"] == {"server": IN_CLUSTER,
                                   "namespace": eks.application.destination_namespace or eks.deploy_namespace}
    assert spec["project"] == project["metadata"]["name"] != "default"


def test_prod_uses_the_seeds_overlay_layout(stack_config):
    [_, application] = manifests(values(releases(stack_config, "prod")["argocd-apps"]))
    assert application["spec"]["source"]["path"] == "overlays/production"
    assert application["spec"]["destination"]["namespace"] == "production"


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_app_project_restricts_repositories_and_destinations(stack_config, catalog, env):
    eks = catalog.by_name[env].eks
    [project, _] = manifests(values(releases(stack_config, env)["argocd-apps"]))
    spec = project["spec"]
    assert spec["sourceRepos"] == [eks.application.repo_url]
    assert spec["destinations"] == [{"server": IN_CLUSTER,
                                     "namespace": eks.application.destination_namespace or eks.deploy_namespace}]
    assert "*" not in str(spec["sourceRepos"]) + str(spec["destinations"])
    assert spec["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_manifests_satisfy_the_argocd_crd_structure(stack_config, env):
    rendered = manifests(values(releases(stack_config, env)["argocd-apps"]))
    assert [m["kind"] for m in rendered] == ["AppProject", "Application"]
    for manifest in rendered:
        schema = APPLICATION_SCHEMA if manifest["kind"] == "Application" else APPPROJECT_SCHEMA
        jsonschema.validate(manifest, schema)


def test_schema_rejects_an_application_without_destination():
    broken = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
              "metadata": {"name": "app", "namespace": "argocd"},
              "spec": {"project": "app", "source": {"repoURL": "https://x/y.git"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, APPLICATION_SCHEMA)


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_namespaces_are_created_with_pod_security_labels(stack_config, catalog, env):
    eks = catalog.by_name[env].eks
    namespaces = {n["metadata"]["name"]: n["metadata"]["labels"]
                  for n in stack_config[f"{env}-gitops"]["resource"]["kubernetes_namespace"].values()}
    assert set(namespaces) == {eks.argocd.namespace, eks.deploy_namespace,
                               eks.application.destination_namespace or eks.deploy_namespace}
    assert all("pod-security.kubernetes.io/enforce" in labels for labels in namespaces.values())


@pytest.mark.parametrize("env", GITOPS_ENVIRONMENTS)
def test_argocd_and_the_pipeline_never_own_one_namespace(stack_config, catalog, env):
    """deploy_target "eks": kubectl owns the deploy namespace, so the Application (selfHeal would revert each
    deploy) and its AppProject's fence are elsewhere; "ecs": the Application may sync the deploy namespace."""
    eks = catalog.by_name[env].eks
    [project, application] = manifests(values(releases(stack_config, env)["argocd-apps"]))
    argocd_namespaces = {application["spec"]["destination"]["namespace"],
                         *(d["namespace"] for d in project["spec"]["destinations"])}
    if eks.deploy_target == "eks":
        assert eks.deploy_namespace not in argocd_namespaces
    else:
        assert argocd_namespaces == {eks.deploy_namespace}
    assert {"staging": "eks", "prod": "ecs"}[env] == eks.deploy_target  # both models are exercised
