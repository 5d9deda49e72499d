"""`<env>-runtask`: the policy gate's HCP Terraform run task, deployed by the platform (environments with a
`run_task` block, which needs a `cloud` backend).

Its own stack rather than part of `<env>-delivery`: the task gates every workspace of the environment's
stacks, so the stack that deploys it must stay deployable when the task itself is broken (its workspace
gets the task as advisory, `python -m tooling.runtask workspaces`), and its image changes on its own
schedule. Composition only: a key, the image repository, the store, the HMAC key's secret, and — once
`run_task.image_tag` names a pushed image — the function with its URL (README "HCP Terraform run task").
"""

from __future__ import annotations

from envconfig.model import Environment
from envconfig.naming import RUN_TASK_URL_OUTPUT
from modules.cdk.core import Construct, TerraformOutput
from modules.delivery.artifact_store import ArtifactBucket, ArtifactBucketProps
from modules.delivery.ecr import ContainerRepository, ContainerRepositoryProps
from modules.delivery.run_task import RunTaskFunction, RunTaskFunctionProps, RunTaskSecret, RunTaskSecretProps
from modules.shared.encryption import EncryptionKey, EncryptionKeyProps
from modules.shared.statements import KeyReference
from stacks.base import EnvironmentStack


class RunTaskStack(EnvironmentStack):
    component = "runtask"

    def __init__(self, scope: Construct, env: Environment):
        super().__init__(scope, env)
        settings, names, account = env.run_task, self.names.run_task, self.account
        self.key = EncryptionKey(
            self,
            "key",
            EncryptionKeyProps(
                alias=names.key_alias,
                account=account,
                admin_principal_arns=env.key_admin_principal_arns,
                description=f"{env.name_prefix} run task: image, store, HMAC key, logs",
                user_role_arns=(names.role_arn,),
                log_group_prefixes=(names.log_group,),
                secret_writer_arns=env.key_admin_principal_arns,
                secret_arn_patterns=(names.secret_arn_pattern,),
            ),
        )
        repository = ContainerRepository(
            self,
            "image",
            ContainerRepositoryProps(
                name=names.repository,
                kms_key_arn=self.key.arn,
                keep_releases=env.delivery.keep_releases,
                lambda_function_arns=(names.function_arn,),
            ),
        )
        store = ArtifactBucket(
            self, "store", ArtifactBucketProps(name=names.bucket, account=account, kms_key_arn=self.key.arn)
        )
        secret = RunTaskSecret(self, "hmac-key", RunTaskSecretProps(name=names.secret, kms_key_arn=self.key.arn))
        TerraformOutput(self, "repository-url", value=repository.url, description="push the run task image here")
        TerraformOutput(self, "store-bucket", value=store.name, description="baselines and reported results")
        TerraformOutput(self, "hmac-key-secret", value=secret.secret.arn, description="put the task's HMAC key here")
        if not settings.image_tag:  # first apply: the repository exists, the image not yet
            return
        function = RunTaskFunction(
            self,
            "function",
            RunTaskFunctionProps(
                function_name=names.function,
                function_arn=names.function_arn,
                role_name=names.role,
                account=account,
                image_uri=f"{names.repository_url}:{settings.image_tag}",
                log_group=names.log_group,
                log_retention_days=env.log_retention_days,
                kms_key_arn=self.key.arn,
                key=KeyReference(account, names.key_alias),
                bucket=names.bucket,
                secret_name=names.secret,
                secret_arn_pattern=names.secret_arn_pattern,
                memory_mb=settings.memory_mb,
                timeout_seconds=settings.timeout_seconds,
                reserved_concurrency=settings.reserved_concurrency,
            ),
            depends_on=[store.bucket, secret.secret],
        )
        TerraformOutput(
            self,
            RUN_TASK_URL_OUTPUT,
            value=function.url.function_url,
            description="the run task's URL in HCP Terraform",
        )
