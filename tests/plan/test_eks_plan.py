"""The `<env>-eks` stacks' plans: endpoint access, encryption, logging, access entries, node groups
sized from the environment file, and least-privilege IAM."""

from __future__ import annotations

import json

import botocore.session
import pytest

from envconfig.eks_naming import EksNames
from envconfig.naming import EnvironmentNames, private_subnet_name
from reference import wildcard_resource_actions
from tests.iam import permission_statements
from tooling.harness.planjson import as_list
from tooling.iam.evaluator import Request, evaluate

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
    assert cluster["access_config"] == [
        {"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False}
    ]


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
    log_group_address = next(
        r["address"]
        for r in config
        if r["type"] == "aws_cloudwatch_log_group"
        and r["expressions"]["name"].get("constant_value") == names.cluster_log_group
    )
    assert log_group_address in cluster_config["depends_on"]


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_admins_are_cluster_admins_and_the_deployer_edits_one_namespace(plans, catalog, env):
    plan, eks = plans[f"{env}-eks"], catalog.by_name[env].eks
    names = EksNames(EnvironmentNames(catalog.by_name[env]))
    associations = {
        a["values"]["principal_arn"]: a["values"] for a in plan.of_type("aws_eks_access_policy_association")
    }
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
        assert values["scaling_config"] == [
            {"min_size": group.min_size, "desired_size": group.desired_size, "max_size": group.max_size}
        ]
        assert values["instance_types"] == list(group.instance_types)
        assert values["capacity_type"] == group.capacity_type
        template = templates[names.node_group(group.name)]
        assert template["metadata_options"][0]["http_tokens"] == "required"
        assert template["metadata_options"][0]["http_put_response_hop_limit"] == 1
        ebs = template["block_device_mappings"][0]["ebs"][0]
        assert (ebs["volume_size"], ebs["encrypted"]) == (group.disk_size_gib, "true")


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_managed_policies_are_only_those_eks_requires(plans, env):
    attached = {
        (a["values"]["role"], a["values"]["policy_arn"].rsplit("/", 1)[1])
        for a in plans[f"{env}-eks"].of_type("aws_iam_role_policy_attachment")
    }
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
    assert eks_statements == [
        {
            "Action": ["eks:DescribeCluster"],
            "Effect": "Allow",
            "Resource": [names.cluster_arn],
            "Sid": "DescribeCluster",
        }
    ]


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


# What AWS documents for the service role of a CodeBuild project in a VPC ("Allow CodeBuild access to AWS
# services required to create a VPC network interface"):
# https://docs.aws.amazon.com/codebuild/latest/userguide/auth-and-access-control-iam-identity-based-access-control.html#customer-managed-policies-example-create-vpc-network-interface
CODEBUILD_VPC_DESCRIBE_ACTIONS = {
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcs",
}


def addresses(references: list[str]) -> set[str]:
    """The resources a configuration expression references (without their `.id`/`.arn` attribute forms)."""
    return {reference for reference in references if reference.count(".") == 1}


def security_group(plan, name: str) -> str:
    [address] = [g["address"] for g in plan.of_type("aws_security_group") if g["values"]["name"] == name]
    return address


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_deploy_project_runs_in_the_clusters_private_subnets_behind_its_own_security_group(plans, catalog, env):
    """The API endpoint is private: kubectl reaches it only from inside the cluster's VPC."""
    plan = plans[f"{env}-eks"]
    names = EksNames(EnvironmentNames(catalog.by_name[env]))
    [project] = plan.of_type("aws_codebuild_project")
    private = {
        s["address"]
        for s in plan.of_type("aws_subnet")
        if s["values"]["tags"].get("kubernetes.io/role/internal-elb") == "1"
    }
    [vpc] = [v["address"] for v in plan.of_type("aws_vpc")]
    assert len(private) == len(catalog.by_name[env].network.availability_zones)
    assert addresses(plan.references(project["address"], "vpc_config.subnets")) == private
    assert addresses(plan.references(project["address"], "vpc_config.vpc_id")) == {vpc}
    deploy_group = security_group(plan, names.deploy_security_group)
    assert addresses(plan.references(project["address"], "vpc_config.security_group_ids")) == {deploy_group}
    assert plan.unknown_after_apply(project["address"], "vpc_config")


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_cluster_security_group_admits_the_nodes_and_the_deploy_project_on_443_only(plans, catalog, env):
    plan = plans[f"{env}-eks"]
    names = EksNames(EnvironmentNames(catalog.by_name[env]))
    [cluster] = plan.of_type("aws_eks_cluster")
    [cluster_group] = addresses(plan.references(cluster["address"], "vpc_config.security_group_ids"))
    deploy_group = security_group(plan, names.deploy_security_group)
    [node_group] = [
        g
        for g in addresses(g["address"] for g in plan.of_type("aws_security_group"))
        if g not in (cluster_group, deploy_group)
    ]
    ingress = {}
    for rule in plan.of_type("aws_vpc_security_group_ingress_rule"):
        if addresses(plan.references(rule["address"], "security_group_id")) == {cluster_group}:
            values = rule["values"]
            assert values.get("cidr_ipv4") is None and values.get("cidr_ipv6") is None, rule["address"]
            [source] = addresses(plan.references(rule["address"], "referenced_security_group_id"))
            ingress[source] = (values["ip_protocol"], values["from_port"], values["to_port"])
    assert ingress == {node_group: ("tcp", 443, 443), deploy_group: ("tcp", 443, 443)}
    egress = [
        r["values"]
        for r in plan.of_type("aws_vpc_security_group_egress_rule")
        if addresses(plan.references(r["address"], "security_group_id")) == {deploy_group}
    ]
    assert [(e["ip_protocol"], e["from_port"], e["to_port"], e["cidr_ipv4"]) for e in egress] == [
        ("tcp", 443, 443, "0.0.0.0/0")
    ]
    assert not [
        r
        for r in plan.of_type("aws_vpc_security_group_ingress_rule")
        if addresses(plan.references(r["address"], "security_group_id")) == {deploy_group}
    ]


@pytest.mark.parametrize("env", EKS_ENVIRONMENTS)
def test_deploy_role_may_create_the_builds_network_interfaces_as_aws_documents(plans, catalog, env):
    """The calls AWS documents for a VPC build are allowed, in the cluster's private subnets with the deploy
    group only (evaluated against the planned policy, the subnet and group designated by their Name tags)."""
    plan = plans[f"{env}-eks"]
    environment = catalog.by_name[env]
    names = EksNames(EnvironmentNames(environment))
    account = EnvironmentNames(environment).account
    [policy] = [
        json.loads(p["values"]["policy"])
        for p in plan.of_type("aws_iam_role_policy")
        if p["values"]["role"] == names.deploy_role
    ]

    def allowed(action: str, resource: str, **context: str) -> bool:
        return evaluate([policy], Request(action, resource, context)).allowed

    interface, subnet = account.arn("ec2", "network-interface/eni-0abc"), account.arn("ec2", "subnet/subnet-0abc")
    group = account.arn("ec2", "security-group/sg-0abc")
    assert all(allowed(action, "*") for action in CODEBUILD_VPC_DESCRIBE_ACTIONS)
    assert allowed("ec2:CreateNetworkInterface", interface) and allowed("ec2:DeleteNetworkInterface", interface)
    for zone in environment.network.availability_zones:
        assert allowed(
            "ec2:CreateNetworkInterface", subnet, **{"aws:ResourceTag/Name": private_subnet_name(names.cluster, zone)}
        )
    assert not allowed("ec2:CreateNetworkInterface", subnet, **{"aws:ResourceTag/Name": f"{names.cluster}-public-x"})
    assert allowed("ec2:CreateNetworkInterface", group, **{"aws:ResourceTag/Name": names.deploy_security_group})
    assert not allowed("ec2:CreateNetworkInterface", group, **{"aws:ResourceTag/Name": "another-group"})
    assert allowed(
        "ec2:CreateNetworkInterfacePermission", interface, **{"ec2:AuthorizedService": "codebuild.amazonaws.com"}
    )
    assert not allowed(
        "ec2:CreateNetworkInterfacePermission", interface, **{"ec2:AuthorizedService": "lambda.amazonaws.com"}
    )
    assert not allowed("ec2:RunInstances", "*")
    [project] = plan.of_type("aws_codebuild_project")
    [role_policy] = [
        p["address"] for p in plan.of_type("aws_iam_role_policy") if p["values"]["role"] == names.deploy_role
    ]
    depends_on = next(
        r.get("depends_on", []) for r in plan.configuration_resources() if r["address"] == project["address"]
    )
    assert role_policy in depends_on  # CodeBuild checks the EC2 permissions when it creates the project


@pytest.mark.parametrize("env", ["staging"])  # the shipped environment whose pipeline deploys to its cluster
def test_a_cluster_deployed_by_its_pipeline_routes_the_private_subnets_to_nat(plans, catalog, env):
    """The deploy project reaches S3, CloudWatch Logs, STS and the EKS API from the private subnets."""
    environment = catalog.by_name[env]
    assert environment.eks.deploy_target == "eks"
    plan = plans[f"{env}-eks"]
    private_tables = {
        t["address"] for t in plan.of_type("aws_route_table") if "-private-" in t["values"]["tags"]["Name"]
    }
    routed = {
        table
        for route in plan.of_type("aws_route")
        if route["values"]["destination_cidr_block"] == "0.0.0.0/0"
        and addresses(plan.references(route["address"], "nat_gateway_id"))
        for table in addresses(plan.references(route["address"], "route_table_id"))
    }
    assert routed == private_tables and len(private_tables) == len(environment.network.availability_zones)


def test_the_pipeline_promoting_into_staging_deploys_it_with_the_clusters_project(plans, catalog):
    """staging has deploy_target "eks": prod's pipeline (staging -> approval -> prod) runs staging's deploy
    project, passing the service's Deployment, with both artifacts (manifests from the source)."""
    assert catalog.by_name["staging"].eks.deploy_target == "eks"
    pipeline = only(plans["prod-delivery"], "aws_codepipeline")
    [action] = next(stage for stage in pipeline["stage"] if stage["name"] == "Deploy-staging")["action"]
    [project] = plans["staging-eks"].of_type("aws_codebuild_project")
    assert (action["category"], action["provider"]) == ("Build", "CodeBuild")
    assert action["configuration"]["ProjectName"] == project["values"]["name"]
    assert action["configuration"]["PrimarySource"] == "SourceOutput"
    assert action["input_artifacts"] == ["SourceOutput", "BuildOutput"]
    assert json.loads(action["configuration"]["EnvironmentVariables"]) == [
        {"name": "DEPLOYMENT", "value": catalog.by_name["prod"].services[0].name, "type": "PLAINTEXT"}
    ]
    names = EksNames(EnvironmentNames(catalog.by_name["staging"]))
    started = [
        s
        for _, s in permission_statements(plans["prod-delivery"])
        if "codebuild:StartBuild" in as_list(s["Action"]) and names.deploy_project_arn in as_list(s["Resource"])
    ]
    assert len(started) == 1 and as_list(started[0]["Resource"]) == [names.deploy_project_arn]
