"""Small fixes to the local AWS emulator (moto), loaded only into the moto server process that
`tooling.emulator.server` starts. They make the emulator answer the way AWS does where moto 5.2.5 does not;
nothing here touches the stacks' configuration or any real target.

Every patch is a data entry (`PATCHES`) with the emulator gap it works around, so the README can list
them next to the configuration overlay in `tooling.emulator.overlay`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

# Set by `Emulator.start(multi_account=True)` instead of MOTO_ACCOUNT_ID: the account of unknown access keys.
DEFAULT_ACCOUNT_VARIABLE = "PLATFORM_EMULATOR_DEFAULT_ACCOUNT"


@dataclass(frozen=True)
class EmulatorPatch:
    name: str
    gap: str  # what moto does differently from AWS
    apply: Callable[[], None]


def _codepipeline_epoch_timestamps() -> None:
    from moto.codepipeline import models
    from moto.core.utils import unix_time

    def metadata(self) -> dict:
        return {"pipelineArn": self._arn, "created": unix_time(self._created), "updated": unix_time(self._updated)}

    models.CodePipeline.metadata = property(metadata)


def _codebuild_pipeline_sources_and_keys() -> None:
    from moto.codebuild import models, responses

    validate_source, validate_artifacts = (
        responses._validate_required_params_source,
        responses._validate_required_params_artifacts,
    )

    def source(source: dict) -> None:  # AWS: CODEPIPELINE / NO_SOURCE sources have no location
        if source.get("type") not in ("CODEPIPELINE", "NO_SOURCE"):
            validate_source(source)

    def artifacts(artifacts: dict) -> None:  # AWS: CODEPIPELINE artifacts have no location
        if artifacts.get("type") != "CODEPIPELINE":
            validate_artifacts(artifacts)

    responses._validate_required_params_source = source
    responses._validate_required_params_artifacts = artifacts

    create_project = responses.CodeBuildResponse.create_project

    def create_project_with_key(self):  # AWS stores the project's encryptionKey; moto forgets it
        result = create_project(self)
        key = self._get_param("encryptionKey")
        if key:
            self.codebuild_backend.codebuild_projects[self._get_param("name")].project_metadata["encryptionKey"] = key
        return result

    responses.CodeBuildResponse.create_project = create_project_with_key

    delete_project = models.CodeBuildBackend.delete_project

    def delete_project_by_name_or_arn(self, project_name: str) -> None:  # AWS accepts either
        for name, project in list(self.codebuild_projects.items()):
            if project.arn == project_name:
                project_name = name
        delete_project(self, project_name)

    models.CodeBuildBackend.delete_project = delete_project_by_name_or_arn


def _codedeploy_deletes() -> None:
    from moto.codedeploy import responses
    from moto.core.responses import ActionResult, EmptyResult

    def delete_application(self):
        name = self._get_param("applicationName")
        backend = self.codedeploy_backend
        backend.applications.pop(name, None)
        backend.deployment_groups.pop(name, None)
        return EmptyResult()

    def delete_deployment_group(self):
        groups = self.codedeploy_backend.deployment_groups.get(self._get_param("applicationName"), {})
        groups.pop(self._get_param("deploymentGroupName"), None)
        return ActionResult({"hooksNotCleanedUp": []})

    responses.CodeDeployResponse.delete_application = delete_application
    responses.CodeDeployResponse.delete_deployment_group = delete_deployment_group


def _nat_gateway_delete_releases_interface() -> None:
    from moto.ec2.models import nat_gateways

    delete_nat_gateway = nat_gateways.NatGatewayBackend.delete_nat_gateway

    def delete_and_release(self, nat_gateway_id: str):
        gateway = delete_nat_gateway(self, nat_gateway_id)
        eni = getattr(gateway, "_eni", None)
        if eni is not None and eni.id in self.enis:  # AWS removes the gateway's interface with it
            for eip in self.addresses:
                if eip.eni is eni:
                    self.disassociate_address(address=eip.public_ip)
            self.enis.pop(eni.id, None)
        return gateway

    nat_gateways.NatGatewayBackend.delete_nat_gateway = delete_and_release


def _codedeploy_lifecycle_hook_status() -> None:
    """PutLifecycleEventHookExecutionStatus recorded on the deployment, and CodeDeploy's own records (the
    deployment's revision and hook reports, its group's settings) readable by the rehearsal, which stands for
    CodeDeploy's lifecycle: GET /moto-api/codedeploy/records?deployment=ID (no AWS API, and no role, reads them);
    POST {"status": ...} there sets the status GetDeployment reports."""
    import json
    import urllib.parse

    from moto.codedeploy import models, responses
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.moto_api._internal import urls

    def put_lifecycle_event_hook_execution_status(self):
        deployment = self.codedeploy_backend.get_deployment(self._get_param("deploymentId"))
        execution = self._get_param("lifecycleEventHookExecutionId")
        if not hasattr(deployment, "hook_statuses"):
            deployment.hook_statuses = {}
        deployment.hook_statuses[execution] = self._get_param("status")
        return ActionResult({"lifecycleEventHookExecutionId": execution})

    def records(request, full_url, headers):
        wanted = urllib.parse.parse_qs(urllib.parse.urlsplit(full_url).query).get("deployment", [""])[0]
        for regions in models.codedeploy_backends.values():
            for backend in regions.values():
                deployment = backend.deployments.get(wanted)
                if deployment is None:
                    continue
                if request.method == "POST":  # the lifecycle's progress, as GetDeployment reports it
                    deployment.status = json.loads(request.get_data() or b"{}")["status"]
                    deployment.complete_time = utcnow() if deployment.status in ("Succeeded", "Failed") else None
                group = deployment.deployment_group
                document = {
                    "deployment": {
                        "applicationName": deployment.application_name,
                        "deploymentGroupName": deployment.deployment_group_name,
                        "deploymentConfigName": str(deployment.deployment_config_name),
                        "revision": deployment.revision,
                        "hookStatuses": getattr(deployment, "hook_statuses", {}),
                    },
                    "deploymentGroup": {
                        "serviceRoleArn": group.service_role_arn,
                        "alarmConfiguration": group.alarm_configuration or {},
                        "autoRollbackConfiguration": group.auto_rollback_configuration,
                        "blueGreenDeploymentConfiguration": group.blue_green_deployment_configuration,
                        "loadBalancerInfo": group.load_balancer_info,
                        "ecsServices": group.ecs_services,
                    },
                }
                return 200, {"Content-Type": "application/json"}, json.dumps(document)
        return 404, {"Content-Type": "application/json"}, json.dumps({"message": f"no deployment {wanted}"})

    responses.CodeDeployResponse.put_lifecycle_event_hook_execution_status = put_lifecycle_event_hook_execution_status
    urls.url_paths["{0}/moto-api/codedeploy/records"] = records


def _ecs_code_deploy_task_sets() -> None:
    from moto.ecs import models

    create_service, create_task_set = (
        models.EC2ContainerServiceBackend.create_service,
        models.EC2ContainerServiceBackend.create_task_set,
    )

    def task_set_without_tasks(self, *args, scale=None, **kwargs):  # moto's task start fails for awsvpc tasks
        task_set = create_task_set(self, *args, **kwargs)
        task_set.scale = scale or task_set.scale
        return task_set

    def create_with_task_set(self, cluster_str, service_name, desired_count, task_definition_str=None, *args, **kw):
        service = create_service(self, cluster_str, service_name, desired_count, task_definition_str, *args, **kw)
        if service.deployment_controller.get("type") == "CODE_DEPLOY" and service.task_definition:
            task_set = self.create_task_set(
                service_name,
                cluster_str,
                service.task_definition,
                load_balancers=service.load_balancers,
                network_configuration=service.network_configuration or None,
                launch_type=service.launch_type,
                platform_version=service.platform_version,
            )
            task_set.status = "PRIMARY"
        return service

    models.EC2ContainerServiceBackend.create_task_set = task_set_without_tasks
    models.EC2ContainerServiceBackend.create_service = create_with_task_set


def _lambda_invoke_dry_run() -> None:
    from moto.awslambda import models

    invoke = models.LambdaBackend.invoke

    def invoke_or_dry_run(self, function_name, qualifier, body, headers, response_headers):
        if headers.get("X-Amz-Invocation-Type") == "DryRun":  # AWS checks the function and the permission only
            self.get_function(function_name, qualifier)
            return b""
        return invoke(self, function_name, qualifier, body, headers, response_headers)

    models.LambdaBackend.invoke = invoke_or_dry_run


def _iam_enforcement_action_level() -> None:
    from moto.iam import access_control

    statement_class, result = access_control.IAMPolicyStatement, access_control.PermissionResult
    is_action_permitted = statement_class.is_action_permitted

    def action_level(self, action, resource="*", principal=None, incoming_condition_values=None):
        if principal is not None or incoming_condition_values is not None:  # trust policies: moto's own check
            return is_action_permitted(self, action, resource, principal, incoming_condition_values)
        statement = {key: value for key, value in self._statement.items() if key != "Condition"}
        unknown = resource == "*" or "Condition" in self._statement  # what moto cannot judge
        if statement.get("Effect") == "Deny" and unknown and statement.get("Resource") != "*":
            return result.NEUTRAL  # a Deny moto cannot place: the rehearsal's evaluator judges it
        if resource == "*":
            statement.pop("NotResource", None)
            statement["Resource"] = "*"
        decision = is_action_permitted(statement_class(statement), action, resource)
        return result.NEUTRAL if decision == result.DENIED and "Condition" in self._statement else decision

    statement_class.is_action_permitted = action_level


# Signing names that are not the service's IAM prefix (CloudWatch signs as `monitoring`; its actions are
# `cloudwatch:*`: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
IAM_PREFIXES = {"monitoring": "cloudwatch"}
# API operations whose IAM action has another name (AWS's Service Authorization Reference:
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html, "Invoke" is InvokeFunction).
IAM_ACTION_NAMES = {"lambda:Invoke": "lambda:InvokeFunction"}


def _iam_enforcement_action_names() -> None:
    from moto.iam import access_control

    init = access_control.IAMRequestBase.__init__

    def with_iam_action_name(self, *args, **kwargs):
        init(self, *args, **kwargs)
        service, _, operation = self._action.partition(":")
        action = f"{IAM_PREFIXES.get(service, service)}:{operation}"
        self._action = IAM_ACTION_NAMES.get(action, action)

    access_control.IAMRequestBase.__init__ = with_iam_action_name


def _iam_enforcement_skips_signatures() -> None:
    from moto.iam import access_control

    access_control.IAMRequest.check_signature = lambda self: None


def _default_account_for_unknown_keys() -> None:
    account = os.environ.get(DEFAULT_ACCOUNT_VARIABLE)
    if account:
        from moto.iam import models

        models.DEFAULT_ACCOUNT_ID = account  # get_account_id_from's answer for keys it does not know


PATCHES = (
    EmulatorPatch(
        "codepipeline-epoch-timestamps",
        "CodePipeline GetPipeline/ListPipelines return `created`/`updated` as ISO strings; AWS (and the "
        "provider's reader) use epoch numbers, so every pipeline read fails",
        _codepipeline_epoch_timestamps,
    ),
    EmulatorPatch(
        "codebuild-pipeline-projects",
        "CodeBuild CreateProject demands a source/artifacts `location` even for CODEPIPELINE type, ignores the "
        "project's `encryptionKey` (returns alias/aws/s3: a perpetual diff whose UpdateProject hangs) and "
        "DeleteProject by ARN (what the provider sends) deletes nothing",
        _codebuild_pipeline_sources_and_keys,
    ),
    EmulatorPatch(
        "codedeploy-deletes",
        "CodeDeploy DeleteApplication/DeleteDeploymentGroup are not implemented (destroy fails)",
        _codedeploy_deletes,
    ),
    EmulatorPatch(
        "nat-gateway-delete-releases-interface",
        "EC2 DeleteNatGateway leaves the gateway's network interface (and its Elastic IP association) behind, "
        "so deleting the subnet, detaching the internet gateway and releasing the EIP fail with "
        "DependencyViolation and destroy retries for many minutes",
        _nat_gateway_delete_releases_interface,
    ),
    EmulatorPatch(
        "codedeploy-lifecycle-hook-status",
        "CodeDeploy PutLifecycleEventHookExecutionStatus is not implemented (the hook functions' report fails) and "
        "moto runs no deployment lifecycle; the patch records the report on the deployment and serves CodeDeploy's "
        "own records (revision, hook reports, the group's alarms, which GetDeploymentGroup returns empty) at "
        "/moto-api/codedeploy/records for the rehearsal, which orchestrates the lifecycle as CodeDeploy does and "
        "sets the deployment's status there",
        _codedeploy_lifecycle_hook_status,
    ),
    EmulatorPatch(
        "ecs-code-deploy-task-sets",
        "ECS CreateService with the CODE_DEPLOY deployment controller creates no task set (AWS creates the service's "
        "primary task set: its task definition and load balancers, the blue side of the first blue/green "
        "deployment), and CreateTaskSet with a scale fails with HTTP 500 starting awsvpc tasks; the patch creates "
        "the primary task set, and task sets keep their scale without tasks (the emulator runs no containers)",
        _ecs_code_deploy_task_sets,
    ),
    EmulatorPatch(
        "lambda-invoke-dry-run",
        "Lambda Invoke with InvocationType DryRun runs the function (needs Docker); AWS only validates the request "
        "and the caller's permission",
        _lambda_invoke_dry_run,
    ),
    EmulatorPatch(
        "iam-enforcement-action-level",
        "with IAM enforcement on (`POST /moto-api/reset-auth`, what `make rehearse` does), moto matches identity "
        "policies against the resource `*` for every service but S3, SQS, IAM and STS (so any resource-scoped Allow "
        "denies) and turns an Allow whose conditions it cannot evaluate (it has no request context) into an explicit "
        "Deny. Patched to check actions only there; the rehearsal checks resources and conditions itself "
        "(tooling/iam/evaluator.py)",
        _iam_enforcement_action_level,
    ),
    EmulatorPatch(
        "iam-enforcement-action-names",
        "with IAM enforcement on, moto names the action it checks after the request's signing name and API "
        "operation: CloudWatch's DescribeAlarms is checked as `monitoring:DescribeAlarms`, Lambda's Invoke as "
        "`lambda:Invoke`, which no policy grants (IAM's actions: `cloudwatch:DescribeAlarms`, "
        "`lambda:InvokeFunction`), so CodeDeploy's alarm reads and hook invocations are denied. Patched to check "
        "IAM's names (IAM_PREFIXES, IAM_ACTION_NAMES)",
        _iam_enforcement_action_names,
    ),
    EmulatorPatch(
        "iam-enforcement-signatures",
        "with IAM enforcement on, moto recomputes each request's SigV4 signature and gets some REST services' wrong "
        "(EKS `GET /clusters/<name>` signed by botocore: SignatureDoesNotMatch). Patched to skip the signature "
        "comparison; the access key and session token are still looked up and the caller's policies applied",
        _iam_enforcement_skips_signatures,
    ),
    EmulatorPatch(
        "multi-account-default-account",
        "MOTO_ACCOUNT_ID pins every request to one account, STS AssumeRole credentials included; without it "
        "unknown keys act in 123456789012. A multi-account emulator leaves it unset and makes its account the "
        "default of unknown keys, so credentials from AssumeRole act in the role's account (moto's per-account "
        "backends)",
        _default_account_for_unknown_keys,
    ),
)


def apply_all() -> None:
    for patch in PATCHES:
        patch.apply()
