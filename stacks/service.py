"""`<env>-service`: the network, one ALB and Fargate service per container application, and (for blue/green
environments) its CodeDeploy deployment group, alarms and validation hooks; per function application its Lambda
function and alias, CodeDeploy (Lambda) application, group and alarms, and traffic hooks."""

from __future__ import annotations

from envconfig.loader import Catalog
from envconfig.model import Environment, Service
from envconfig.naming import EnvironmentNames, delivery_environment
from modules.cdk.core import Construct, TerraformOutput
from modules.ecs.blue_green import BlueGreenDeployment, BlueGreenDeploymentProps, DeployedService
from modules.ecs.cluster import Cluster, ClusterProps
from modules.ecs.deploy_hooks import DeployHooks, DeployHooksProps
from modules.ecs.load_balancer import LoadBalancer, LoadBalancerProps
from modules.ecs.service import FargateService, FargateServiceProps
from modules.function.function import FunctionService, FunctionServiceProps
from modules.function.hooks import TrafficHooks, TrafficHooksProps
from modules.function.traffic import FunctionTraffic, FunctionTrafficProps
from modules.shared.encryption import EncryptionKey, EncryptionKeyProps
from modules.shared.iam import CrossAccountRole, CrossAccountRoleProps
from modules.shared.network import Network, NetworkProps
from modules.shared.statements import DECRYPT, KeyReference, Statement
from release.deployment_config import deployment_config_name
from release.function import function_release
from release.model import release_spec
from stacks.base import EnvironmentStack
from stacks.delivery import deploy_target


class ServiceStack(EnvironmentStack):
    component = "service"

    def __init__(self, scope: Construct, env: Environment, catalog: Catalog):
        super().__init__(scope, env)
        names = self.names
        self.sources = tuple(map(delivery_environment, catalog.promoting_into(env)))
        self.key = EncryptionKey(
            self,
            "key",
            EncryptionKeyProps(
                alias=names.service_key_alias,
                account=self.account,
                admin_principal_arns=env.key_admin_principal_arns,
                description=f"{env.name_prefix} service: container, function and flow logs",
                log_group_prefixes=("/ecs/", "/aws/lambda/", "/vpc/"),
            ),
        )
        self.network = Network(
            self,
            "network",
            NetworkProps(
                name=env.name_prefix,
                cidr=env.network.vpc_cidr,
                availability_zones=env.network.availability_zones,
                nat_gateways=env.network.nat_gateways,
                account=self.account,
                flow_log_retention_days=env.log_retention_days,
                kms_key_arn=self.key.arn,
            ),
        )
        self.cluster = Cluster(self, "cluster", ClusterProps(name=names.cluster))
        for service in env.services:
            self._service(service)
        remote = tuple(source for source in self.sources if source.account_id != env.account_id)
        if remote:
            self._deploy_role(remote)

    def _deploy_role(self, sources: tuple[Environment, ...]) -> None:
        """The role the pipelines of the delivery account (`sources`: the promoting environments as that account
        sees them) assume for their actions here: trusted by those pipelines' roles only, with the rights of the
        deploys they run here (what their own roles hold for targets in their account) and read access to their
        artifacts in the store of this region."""
        env, names = self.env, self.names
        policies = []
        for source in sources:
            source_names = EnvironmentNames(source)
            bucket, store_account = source_names.artifact_store(env.region)
            sid = source.name.capitalize().replace("-", "")
            artifacts = (
                Statement(
                    ("s3:GetObject", "s3:GetObjectVersion"),
                    tuple(
                        store_account.bucket_arn(bucket, f"{prefix}/*")
                        for prefix in source_names.artifact_prefixes().values()
                    ),
                    sid=f"ReadArtifacts{sid}",
                ),
                KeyReference(store_account, source_names.delivery_key_alias).usage(
                    DECRYPT, sid=f"DecryptArtifacts{sid}"
                ),
            )
            policies.append((f"{names.pipeline_deploy_role}-{source.name}-artifacts", artifacts))
            for service in source.services:
                pipeline_names = EnvironmentNames(source).service(service)
                statements = tuple(deploy_target(env, service.name, source, pipeline_names).statements())
                policies.append((f"{names.pipeline_deploy_role}-{service.name}", statements))
        CrossAccountRole(
            self,
            "pipeline-deploy",
            CrossAccountRoleProps(
                name=names.pipeline_deploy_role,
                trusted_principal_arns=tuple(
                    EnvironmentNames(source).service(service).role_arn("pipeline")
                    for source in sources
                    for service in source.services
                ),
                description=f"{env.name_prefix}: the delivery account's pipelines deploy here through this role",
                policies=tuple(policies),
            ),
        )

    def _service(self, service: Service) -> None:
        if service.kind == "function":
            self._function(service)
            return
        env, names = self.env, self.names.service(service)
        scope = Construct(self, service.name)
        release = release_spec(env, service)
        blue_green = service.deployment.strategy == "blue_green"
        alb = LoadBalancer(
            scope,
            "alb",
            LoadBalancerProps(
                name=names.base,
                account=self.account,
                vpc_id=self.network.vpc_id,
                subnet_ids=tuple(
                    self.network.private_subnet_ids if env.network.alb_internal else self.network.public_subnet_ids
                ),
                allowed_cidrs=env.network.allowed_ingress_cidrs,
                container_port=service.container_port,
                health_check_path=service.health_check_path,
                test_listener_port=service.deployment.test_listener_port,
                test_listener_cidrs=service.deployment.test_listener_cidrs,
                certificate_arn=env.network.certificate_arn,
                access_logs_bucket=names.alb_logs_bucket if env.network.alb_access_logs else "",
                deletion_protection=env.network.alb_deletion_protection,
                internal=env.network.alb_internal,
                blue_green=blue_green,
            ),
        )
        fargate = FargateService(
            scope,
            "ecs",
            FargateServiceProps(
                release=release,
                service_name=names.ecs_service,
                cluster_arn=self.cluster.arn,
                account=self.account,
                vpc_id=self.network.vpc_id,
                subnet_ids=tuple(self.network.private_subnet_ids),
                target_group_arn=alb.target_groups["blue"].arn,
                alb_security_group_id=alb.security_group.id,
                desired_count=service.desired_count,
                bootstrap_image=service.bootstrap_image,
                image_repository_arns=tuple(
                    EnvironmentNames(source).service(service).ecr_repository_arn for source in self.sources
                ),
                log_retention_days=env.log_retention_days,
                kms_key_arn=self.key.arn,
                blue_green=blue_green,
            ),
            listeners=alb.forwarding_listeners,
        )
        TerraformOutput(scope, "alb-dns", value=alb.dns_name)
        TerraformOutput(scope, "ecs-service", value=fargate.name)
        TerraformOutput(scope, "ecs-cluster", value=self.cluster.name)
        if not blue_green:
            return
        DeployHooks(
            scope,
            "hooks",
            DeployHooksProps(
                security_group_name=names.hooks_security_group,
                role_name=names.role("hooks"),
                account=self.account,
                checks=release.hook_checks,
                deployment_group_arn=names.deployment_group_arn,
                alb_dns_name=alb.dns_name,
                alb_security_group_id=alb.security_group.id,
                alb_internal=env.network.alb_internal,
                nat_public_ips=tuple(self.network.nat_public_ips),
                production_listener=alb.production,
                test_listener=alb.test,
                vpc_id=self.network.vpc_id,
                subnet_ids=tuple(self.network.private_subnet_ids),
                subnet_names=tuple(self.network.private_subnet_names),
                log_retention_days=env.log_retention_days,
                kms_key_arn=self.key.arn,
                host_name=service.host_name,
            ),
        )
        deployment = BlueGreenDeployment(
            scope,
            "codedeploy",
            BlueGreenDeploymentProps(
                application=names.codedeploy_application,
                deployment_group=names.deployment_group,
                deployment_config_name=deployment_config_name(service.deployment, names.base),
                deployment=service.deployment,
                account=self.account,
                cluster_name=self.cluster.name,
                service_name=names.ecs_service,
                service=DeployedService(cluster_name=self.cluster.cluster.name, service_name=fargate.service.name),
                alb_name=names.base,
                alb_arn_suffix=alb.arn_suffix,
                blue_target_group=alb.target_group_references["blue"],
                green_target_group=alb.target_group_references["green"],
                production_listener_arn=alb.production_listener.arn,
                test_listener_arn=alb.test_listener.arn,
                hook_function_arns=tuple(
                    self.account.arn("lambda", f"function:{hook.function}") for hook in release.hooks
                ),
                task_role_arns=(release.execution_role_arn, release.task_role_arn),
            ),
        )
        TerraformOutput(scope, "deployment-group", value=deployment.deployment_group_name)

    def _function(self, service: Service) -> None:
        env, names = self.env, self.names.service(service)
        scope = Construct(self, service.name)
        release = function_release(env, service)
        function = FunctionService(
            scope,
            "function",
            FunctionServiceProps(
                function_name=release.function,
                alias=release.alias,
                role_name=names.role("function"),
                account=self.account,
                settings=service.function,
                log_group=names.function_log_group,
                log_retention_days=env.log_retention_days,
                kms_key_arn=self.key.arn,
            ),
        )
        builtin = tuple((hook, name) for hook, name in release.hooks if hook in release.builtin_hooks)
        if builtin:
            TrafficHooks(
                scope,
                "hooks",
                TrafficHooksProps(
                    role_name=names.role("hooks"),
                    account=self.account,
                    hooks=builtin,
                    deployment_group_arn=names.deployment_group_arn,
                    function_name=release.function,
                    function_arns=(names.function_arn, names.function_versions_arn),
                    alias=release.alias,
                    check_payload=service.function.check_payload,
                    log_retention_days=env.log_retention_days,
                    kms_key_arn=self.key.arn,
                ),
                depends_on=[function.function, function.alias],
            )
        traffic = FunctionTraffic(
            scope,
            "codedeploy",
            FunctionTrafficProps(
                application=release.application,
                deployment_group=release.deployment_group,
                deployment_config_name=release.deployment_config,
                deployment=service.deployment,
                account=self.account,
                function_name=release.function,
                function_arn=names.function_arn,
                alias=release.alias,
                alias_arn=names.function_alias_arn,
                hook_function_arns=tuple(self.account.arn("lambda", f"function:{name}") for _, name in release.hooks),
            ),
            depends_on=[function.function, function.alias],
        )
        TerraformOutput(scope, "function-name", value=function.name)
        TerraformOutput(scope, "deployment-group", value=traffic.deployment_group_name)
