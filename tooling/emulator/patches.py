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
