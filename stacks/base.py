"""What every AWS stack shares: the provider pinned to the environment's account and region (through the role
the file names in `assume_role`, when it names one), default tags, and the state backend the environment chose."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderAssumeRole, AwsProviderDefaultTags

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
    assumes_role = True  # the provider assumes the file's `assume_role`; False: the caller's credentials act

    def __init__(self, scope: Construct, env: Environment, component: str = ""):
        self.stack_name = f"{env.name}-{component or self.component}"
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
            assume_role=self._assume_role(),
        )
        self._configure_backend()

    def _assume_role(self) -> list[AwsProviderAssumeRole] | None:
        role = self.env.assume_role
        if role is None or not self.assumes_role:
            return None
        return [
            AwsProviderAssumeRole(
                role_arn=role.role_arn, external_id=role.external_id or None, session_name=self.stack_name
            )
        ]

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
