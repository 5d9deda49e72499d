"""The eks block of the environment files: defaults, and bad settings rejected before synthesis with
one line naming the file and the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from envconfig.kubernetes import SYNC_OPTIONS, dns_label, sync_option
from envconfig.loader import ConfigError, load_environment, load_environments
from modules.eks.deploy import EksDeployTarget, eks_deploy_buildspec
from tests.environment_edits import edit


def error_for(env_dir: Path, name: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_environment(name, env_dir)
    return str(caught.value)


def test_kubernetes_is_enabled_in_staging_and_prod_only():
    catalog = load_environments()
    assert {env.name for env in catalog.selected if env.eks} == {"staging", "prod"}
    prod, staging = catalog.by_name["prod"].eks, catalog.by_name["staging"].eks
    assert prod.argocd.ha and prod.argocd.redis_ha
    assert not staging.argocd.ha and not staging.argocd.redis_ha
    assert staging.application.path == ""  # defaults to overlays/<env> in the gitops stack


BAD_EKS_SETTINGS = [
    (
        "staging",
        'sync_options    = ["CreateNamespace=true", "PruneLast=true"]',
        'sync_options = ["CreateNamespace=true", "AutoPrune=true"]',
        "eks.application.sync_options",
        "'AutoPrune=true' is not a supported ArgoCD sync option",
    ),
    (
        "staging",
        'sync_options    = ["CreateNamespace=true", "PruneLast=true"]',
        'sync_options = ["PrunePropagationPolicy=cascade"]',
        "eks.application.sync_options",
        "'PrunePropagationPolicy=cascade' is not a supported ArgoCD sync option",
    ),
    (
        "staging",
        'deploy_namespace   = "app-staging"',
        'deploy_namespace = "App_Staging"',
        "eks.deploy_namespace",
        "'App_Staging' is not an RFC 1123 label",
    ),
    (
        "staging",
        'deploy_namespace   = "app-staging"',
        'deploy_namespace = "kube-system"',
        "eks.deploy_namespace",
        "must be an application namespace",
    ),
    (
        "staging",
        "desired_size   = 2",
        "desired_size = 7",
        "eks.node_group.default.desired_size",
        "7 is not between min_size 1 and max_size 3",
    ),
    (
        "staging",
        'capacity_type  = "SPOT"',
        'capacity_type = "spot"',
        "eks.node_group.default.capacity_type",
        "'spot' is not one of 'ON_DEMAND', 'SPOT'",
    ),
    (
        "staging",
        'vpc_cidr           = "10.21.0.0/16"',
        'vpc_cidr = "10.20.0.0/16"',
        "eks.vpc_cidr",
        "overlaps network.vpc_cidr",
    ),
    (
        "prod",
        '"eu-west-1a", "eu-west-1b", "eu-west-1c"]',
        '"eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"]',
        "network.availability_zones",
        "4 zones: an environment with eks uses at most 3",
    ),
    (
        "staging",
        'kubernetes_version = "1.31"',
        'kubernetes_version = "1.19"',
        "eks.kubernetes_version",
        "is not a supported Kubernetes minor version",
    ),
    (
        "staging",
        'deploy_target      = "eks"',
        'deploy_target = "k8s"',
        "eks.deploy_target",
        "'k8s' is not one of 'ecs', 'eks'",
    ),
    (
        "staging",
        'destination_namespace = "app-staging-gitops"',
        'destination_namespace = "argocd"',
        "eks.application.destination_namespace",
        "must be an application namespace",
    ),
    # one owner per namespace: the pipeline's kubectl or ArgoCD, never both
    (
        "staging",
        'destination_namespace = "app-staging-gitops"',
        'destination_namespace = "app-staging"',
        "eks.application.destination_namespace",
        "the pipeline deploys into 'app-staging' (deploy_target = \"eks\") and ArgoCD would revert it",
    ),
    (
        "staging",
        'destination_namespace = "app-staging-gitops"',
        "",
        "eks.application.destination_namespace",
        "the pipeline deploys into 'app-staging'",
    ),
    (
        "prod",
        'deploy_target      = "ecs"',
        'deploy_target = "eks"',
        "eks.application.destination_namespace",
        "the pipeline deploys into 'production'",
    ),
    (
        "staging",
        'deploy_target      = "eks"',
        'image_placeholder = "IMAGE|TAG"',
        "eks.image_placeholder",
        "is not a placeholder word",
    ),
    (
        "staging",
        'deploy_target      = "eks"',
        'deploy_target = "eks"\n  image_placeholder_mode = "digest"',
        "eks.image_placeholder_mode",
        "'digest' is not one of 'tag', 'uri'",
    ),
    (
        "staging",
        "ha                  = false",
        "ha = false\n    redis_ha = true",
        "eks.argocd.redis_ha",
        "needs ha = true",
    ),
    (
        "prod",
        'ingress_hostname    = "argocd.prod.acme.example"',
        "",
        "eks.argocd.ingress_hostname",
        "missing required setting when ingress_enabled is true",
    ),
    (
        "prod",
        'admin_principal_arns = [\n    "arn:aws:iam::222222222222:role/platform-admin"',
        'admin_principal_arns = [\n    "arn:aws:iam::999999999999:role/x"',
        "eks.admin_principal_arns[0]",
        "is not in account 222222222222",
    ),
    (
        "staging",
        'repo_url        = "https://github.com/acme/app-gitops.git"',
        'repo_url = "ftp://x"',
        "eks.application.repo_url",
        "is not a git repository URL",
    ),
    (
        "staging",
        'name            = "app"',
        'nmae = "app"',
        "eks.application.nmae",
        "unknown setting (did you mean 'name'?)",
    ),
    # One access entry per principal, one instance type once: a repeat fails at apply.
    (
        "prod",
        '"arn:aws:iam::222222222222:role/platform-admin",',
        '"arn:aws:iam::222222222222:role/platform-admin", "arn:aws:iam::222222222222:role/platform-admin",',
        "eks.admin_principal_arns",
        "is listed more than once",
    ),
    (
        "prod",
        'instance_types = ["m6i.xlarge", "m6a.xlarge"]',
        'instance_types = ["m6i.xlarge", "m6i.xlarge"]',
        "eks.node_group.apps.instance_types",
        "'m6i.xlarge' is listed more than once",
    ),
    (
        "prod",
        'rbac_admin_groups   = ["platform-admins"]',
        'rbac_admin_groups = ["platform-admins", "platform-admins"]',
        "eks.argocd.rbac_admin_groups",
        "'platform-admins' is listed more than once",
    ),
]


@pytest.mark.parametrize(
    "name,old,new,setting,message", BAD_EKS_SETTINGS, ids=[f"{case[3]}:{case[2][:30]}" for case in BAD_EKS_SETTINGS]
)
def test_bad_eks_settings_name_the_file_and_setting(env_dir, name, old, new, setting, message):
    edit(env_dir, name, old, new)
    line = error_for(env_dir, name)
    assert (
        line.startswith(f"{env_dir / name}.hcl: {setting}: ")
        or line.startswith(f"{name}.hcl: {setting}: ")
        or f"environments/{name}.hcl: {setting}: " in line
    ), line
    assert message in line
    assert "\n" not in line


def test_an_eks_deploy_target_needs_nat_for_the_deploy_projects_aws_calls(env_dir):
    """S3, CloudWatch Logs and the EKS API are reached from the cluster's private subnets through NAT: no
    environment may go without (envconfig.rules.private_subnets_have_a_route_out)."""
    edit(env_dir, "staging", 'nat_gateways          = "single"', 'nat_gateways = "none"')
    assert error_for(env_dir, "staging").endswith(
        "staging.hcl: network.nat_gateways: 'none' leaves the private subnets without a route to ECR (the VPC has "
        "no endpoints), so tasks could not pull images: use 'single' or 'per_az'"
    )


def test_unsupported_sync_option_exact_message(env_dir):
    edit(
        env_dir,
        "staging",
        'sync_options    = ["CreateNamespace=true", "PruneLast=true"]',
        'sync_options = ["CreateNamespace=yes"]',
    )
    supported = ", ".join(f"{k}={'|'.join(v)}" for k, v in SYNC_OPTIONS.items())
    assert error_for(env_dir, "staging").endswith(
        f"staging.hcl: eks.application.sync_options: 'CreateNamespace=yes' is not a supported ArgoCD sync "
        f"option ({supported})"
    )


def test_invalid_namespace_exact_message(env_dir):
    edit(env_dir, "prod", 'deploy_namespace   = "production"', 'deploy_namespace = "-prod"')
    assert error_for(env_dir, "prod").endswith(
        "prod.hcl: eks.deploy_namespace: '-prod' is not an RFC 1123 label (at most 63 of a-z, 0-9, '-', "
        "starting and ending with a letter or digit)"
    )


@pytest.mark.parametrize(
    "option",
    [
        "CreateNamespace=true",
        "PruneLast=true",
        "ServerSideApply=true",
        "ApplyOutOfSyncOnly=true",
        "Validate=false",
        "Replace=true",
        "RespectIgnoreDifferences=true",
        "PrunePropagationPolicy=foreground",
        "PrunePropagationPolicy=background",
        "PrunePropagationPolicy=orphan",
    ],
)
def test_argocd_sync_options_are_accepted(option):
    sync_option(option)


@pytest.mark.parametrize("name", ["a" * 64, "Prod", "prod-", "pr_od", ""])
def test_namespace_names_are_rfc_1123_labels(name):
    with pytest.raises(ValueError):
        dns_label(name)


def test_eks_deploy_target_runs_the_deploy_project_with_source_and_build_artifacts():
    target = EksDeployTarget(
        "staging",
        False,
        "acme-stg-eks-deploy",
        "arn:aws:codebuild:eu-west-1:222222222222:project/acme-stg-eks-deploy",
        "app",
    )
    action = target.deploy_action()
    assert (action.provider, action.category) == ("CodeBuild", "Build")
    assert action.input_artifacts == ["SourceOutput", "BuildOutput"]
    assert action.configuration == {
        "ProjectName": "acme-stg-eks-deploy",
        "PrimarySource": "SourceOutput",
        "EnvironmentVariables": '[{"name": "DEPLOYMENT", "value": "app", "type": "PLAINTEXT"}]',
    }
    [statement] = target.statements()
    assert statement.resources == (target.project_arn,)


def test_deploy_buildspec_follows_the_seed_flow_without_downloads():
    spec = eks_deploy_buildspec(cluster="c", namespace="production").to_dict()
    flat = [c for phase in spec["phases"].values() for c in phase["commands"]]
    assert flat[0] == "kubectl version --client"
    assert "aws eks update-kubeconfig --name $EKS_CLUSTER_NAME --region $AWS_DEFAULT_REGION" in flat
    assert "kubectl apply --namespace $K8S_NAMESPACE -f $MANIFEST_DIR/" in flat
    assert flat[-1].startswith("kubectl rollout status deployment/$DEPLOYMENT --namespace $K8S_NAMESPACE")
    assert not any("curl" in c for c in flat)
