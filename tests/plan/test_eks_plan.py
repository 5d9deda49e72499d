"""The `<env>-eks` stacks' plans: endpoint access, encryption, logging, access entries, node groups
sized from the environment file, and least-privilege IAM."""

from __future__ import annotations

import json

import botocore.session
import pytest

from envconfig.eks_naming import EksNames
from envconfig.naming import EnvironmentNames
from reference import wildcard_resource_actions
from tests.iam import permission_statements
from tooling.harness.planjson import as_list

EKS_ENVIRONMENTS = ["staging", "prod"]
# Every control-plane log type EKS has, from its API model (botocore's EKS enum LogType).
EKS_LOG_TYPES = botocore.session.get_session().get_service_model("eks").shape_for("LogType").enum


def only(plan, resource_type):
    found = plan.of_type(resource_type)
    assert len(found) == 1, f"{plan.stack}: expected one {resource_type}, found {len(found)}"
    return found[0]["values"]


def change(plan, address_part: str, resource_type: str) -> dict:
    """The planned `after` of a resource, including attributes unknown until apply."""
    for item in plan.changes():
        if item["type"] == resource_type and address_part in item["address"]:
            return item["change"]
    raise AssertionError(f"{plan.stack}: no {resource_type} like {address_part}")


def test_eks_stacks_exist_only_where_the_environment_enables_kubernetes(catalog, synthesis, plans):
    enabled = {env.name for env in catalog.selected if env.eks}
    assert enabled == set(EKS_ENVIRONMENTS)
    assert {name for name in synthesis.stacks if name.endswith("-eks")} == {f"{env}-eks" for env in enabled}
    assert {name for name in synthesis.stacks if name.endswith("-gitops")} == {f"{env}-gitops" for env in enabled}
    assert {f"{env}-eks" for env in enabled} <= set(plans)


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_endpoint_is_private_unless_cidrs_are_listed(plans, catalog, env):
    cluster = only(plans[f"{env}-eks"], "aws_eks_cluster")
    vpc = cluster["vpc_config"][0]
    cidrs = catalog.by_name[env].eks.endpoint_public_access_cidrs
    assert vpc["endpoint_private_access"] is True
    assert vpc["endpoint_public_access"] is bool(cidrs)
    assert cluster["version"] == catalog.by_name[env].eks.kubernetes_version
    assert cluster["access_config"] == [{"authentication_mode": "API",
                                         "bootstrap_cluster_creator_admin_permissions": False}]


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_secrets_are_encrypted_with_a_rotating_key_the_cluster_role_may_use(plans, catalog, env):
    plan = plans[f"{env}-eks"]
    names = EksNames(EnvironmentNames(catalog.by_name[env]))
    cluster = only(plan, "aws_eks_cluster")
    assert cluster["encryption_config"][0]["resources"] == ["secrets"]
    after_unknown = change(plan, "cluster", "aws_eks_cluster")["after_unknown"]
    assert after_unknown["encryption_config"][0]["provider"][0]["key_arn"] is True  # the stack's own key
    key = only(plan, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    users = statements["NamedRolesUseKey"]["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    assert users == [EnvironmentNames(catalog.by_name[env]).role_arn(names.cluster_role)]
    assert only(plan, "aws_kms_alias")["name"] == names.key_alias


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_every_control_plane_log_type_goes_to_a_retained_log_group_created_first(plans, catalog, env):
    plan, environment = plans[f"{env}-eks"], catalog.by_name[env]
    names = EksNames(EnvironmentNames(environment))
    cluster = only(plan, "aws_eks_cluster")
    assert sorted(cluster["enabled_cluster_log_types"]) == sorted(EKS_LOG_TYPES)
    groups = {g["values"]["name"]: g["values"] for g in plan.of_type("aws_cloudwatch_log_group")}
    assert groups[names.cluster_log_group]["retention_in_days"] == environment.log_retention_days
    config = plan.document["configuration"]["root_module"]["resources"]
    cluster_config = next(r for r in config if r["type"] == "aws_eks_cluster")
    log_group_address = next(r["address"] for r in config if r["type"] == "aws_cloudwatch_log_group"
                             and r["expressions"]["name"].get("constant_value") == names.cluster_log_group)
    assert log_group_address in cluster_config["depends_on"]


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_admins_are_cluster_admins_and_the_deployer_edits_one_namespace(plans, catalog, env):
    plan, eks = plans[f"{env}-eks"], catalog.by_name[env].eks
    names = EksNames(EnvironmentNames(catalog.by_name[env]))
    associations = {a["values"]["principal_arn"]: a["values"] for a in plan.of_type("aws_eks_access_policy_association")}
    entries = {e["values"]["principal_arn"] for e in plan.of_type("aws_eks_access_entry")}
    assert entries == set(associations) == {*eks.admin_principal_arns, names.deploy_role_arn}
    for arn in eks.admin_principal_arns:
        assert associations[arn]["policy_arn"].endswith("/AmazonEKSClusterAdminPolicy")
        assert associations[arn]["access_scope"] == [{"type": "cluster", "namespaces": None}]
    deployer = associations[names.deploy_role_arn]
    assert deployer["policy_arn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
    assert deployer["access_scope"] == [{"type": "namespace", "namespaces": [eks.deploy_namespace]}]


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_node_groups_match_the_environment_file(plans, catalog, env):
    plan, eks = plans[f"{env}-eks"], catalog.by_name[env].eks
    planned = {g["values"]["node_group_name"]: g["values"] for g in plan.of_type("aws_eks_node_group")}
    names = EksNames(EnvironmentNames(catalog.by_name[env]))
    assert set(planned) == {names.node_group(group.name) for group in eks.node_groups}
    templates = {t["values"]["name"]: t["values"] for t in plan.of_type("aws_launch_template")}
    for group in eks.node_groups:
        values = planned[names.node_group(group.name)]
        assert values["scaling_config"] == [{"min_size": group.min_size, "desired_size": group.desired_size,
                                             "max_size": group.max_size}]
        assert values["instance_types"] == list(group.instance_types)
        assert values["capacity_type"] == group.capacity_type
        template = templates[names.node_group(group.name)]
        assert template["metadata_options"][0]["http_tokens"] == "required"
        assert template["metadata_options"][0]["http_put_response_hop_limit"] == 1
        ebs = template["block_device_mappings"][0]["ebs"][0]
        assert (ebs["volume_size"], ebs["encrypted"]) == (group.disk_size_gib, "true")


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_managed_policies_are_only_those_eks_requires(plans, env):
    attached = {(a["values"]["role"], a["values"]["policy_arn"].rsplit("/", 1)[1])
                for a in plans[f"{env}-eks"].of_type("aws_iam_role_policy_attachment")}
    prefix = {"staging": "acme-stg", "prod": "acme-prod"}[env]
    assert attached == {
        (f"{prefix}-eks-cluster", "AmazonEKSClusterPolicy"),
        (f"{prefix}-eks-node", "AmazonEKSWorkerNodePolicy"),
        (f"{prefix}-eks-node", "AmazonEKS_CNI_Policy"),
        (f"{prefix}-eks-node", "AmazonEC2ContainerRegistryReadOnly"),
    }


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_no_wildcard_iam_actions_and_the_deployer_only_describes_its_cluster(plans, catalog, env):
    plan = plans[f"{env}-eks"]
    names = EksNames(EnvironmentNames(catalog.by_name[env]))
    eks_statements = []
    for address, statement in permission_statements(plan):
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{address}: wildcard action {action!r}"
        if "*" in as_list(statement["Resource"]):  # only actions AWS authorizes on nothing narrower
            assert set(as_list(statement["Action"])) <= set(wildcard_resource_actions()), f"{address}: '*' resource"
        if any(action.startswith("eks:") for action in as_list(statement["Action"])):
            eks_statements.append(statement)
    assert eks_statements == [{"Action": ["eks:DescribeCluster"], "Effect": "Allow",
                               "Resource": [names.cluster_arn], "Sid": "DescribeCluster"}]


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_private_subnets_span_the_zones_and_nat_follows_the_network_setting(plans, catalog, env):
    plan, environment = plans[f"{env}-eks"], catalog.by_name[env]
    subnets = [s["values"] for s in plan.of_type("aws_subnet")]
    private = [s for s in subnets if s["tags"].get("kubernetes.io/role/internal-elb") == "1"]
    assert sorted(s["availability_zone"] for s in private) == sorted(environment.network.availability_zones)
    assert not any(s["map_public_ip_on_launch"] for s in subnets)
    expected = {"none": 0, "single": 1, "per_az": len(environment.network.availability_zones)}
    assert len(plan.of_type("aws_nat_gateway")) == expected[environment.network.nat_gateways]
    assert only(plan, "aws_vpc")["cidr_block"] == environment.eks.vpc_cidr


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_deploy_project_uses_the_image_kubectl_and_no_downloads(plans, catalog, env):
    import yaml

    project = only(plans[f"{env}-eks"], "aws_codebuild_project")
    spec = yaml.safe_load(project["source"][0]["buildspec"])
    commands = [c for phase in spec["phases"].values() for c in phase["commands"]]
    assert not any("curl" in c or "wget" in c for c in commands)
    assert spec["phases"]["install"]["commands"] == ["kubectl version --client"]
    assert spec["env"]["variables"]["K8S_NAMESPACE"] == catalog.by_name[env].eks.deploy_namespace
    assert any(c.startswith("kubectl rollout status deployment/$DEPLOYMENT") for c in commands)
    assert project["environment"][0]["privileged_mode"] is False
