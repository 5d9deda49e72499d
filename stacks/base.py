"""What every AWS stack shares: the provider pinned to the environment's account and region, default
tags, and the state backend the environment chose."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags

from envconfig import model
from envconfig.model import Environment
from envconfig.naming import EnvironmentNames
from modules.cdk.core import (
    CloudBackend,
    Construct,
    LocalBackend,
    NamedCloudWorkspace,
    S3Backend,
    TaggedCloudWorkspaces,
    TerraformStack,
)


class EnvironmentStack(TerraformStack):
    """A stack named `<env>-<component>` for one environment."""

    component = ""

    def __init__(self, scope: Construct, env: Environment):
        self.stack_name = f"{env.name}-{self.component}"
        super().__init__(scope, self.stack_name)
        self.env = env
        self.names = EnvironmentNames(env)
        self.account = self.names.account
        self.default_tags = {
            **env.tags,
            "environment": env.name,
            "tier": env.tier,
            "stack": self.stack_name,
            "managed-by": "cdktf",
        }
        AwsProvider(
            self,
            "aws",
            region=env.region,
            allowed_account_ids=[env.account_id],
            default_tags=[AwsProviderDefaultTags(tags=self.default_tags)],
        )
        self._configure_backend()

    def _configure_backend(self) -> None:
        backend, stack = self.env.backend, self.stack_name
        if isinstance(backend, model.S3Backend):
            S3Backend(
                self,
                bucket=backend.bucket,
                key=f"{backend.key_prefix}{stack}/terraform.tfstate",
                region=backend.region or self.env.region,
                encrypt=True,
                kms_key_id=backend.kms_key_id or None,
                dynamodb_table=backend.dynamodb_table or None,
            )
            if not backend.dynamodb_table:
                self.add_override("terraform.backend.s3.use_lockfile", True)
        elif isinstance(backend, model.CloudBackend):
            workspaces = (
                TaggedCloudWorkspaces(tags=list(backend.workspace_tags), project=backend.project or None)
                if backend.workspace_tags
                else NamedCloudWorkspace(
                    (backend.workspace_name or "{stack}").format(stack=stack), project=backend.project or None
                )
            )
            CloudBackend(self, organization=backend.organization, hostname=backend.hostname, workspaces=workspaces)
        else:
            # Relative to cdktf.out/stacks/<stack>: state survives re-synthesis, in ./state/.
            LocalBackend(self, path=f"../../../state/{stack}.tfstate")
