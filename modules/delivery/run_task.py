"""The policy gate's HCP Terraform run task as a Lambda function (tooling/runtask/lambda_handler.py).

`RunTaskSecret`: the HMAC key HCP Terraform signs requests with, as a Secrets Manager secret the stack
creates without a value (nothing secret in state or plan); whoever creates the task in HCP Terraform puts
the same value (README).
`RunTaskFunction`: the function from the stack's image, its public function URL, its role, its log group.

The URL's auth type is NONE because HCP Terraform cannot sign requests with SigV4; the task's HMAC
signature is the authentication, verified before anything else, and the asynchronous event is verified
again. Since October 2025 a NONE URL also needs `lambda:InvokeFunction` granted to `*`
(https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html); provider 5.100.0 cannot add AWS's
`lambda:InvokedViaFunctionUrl` condition to it, so a direct invocation is possible: it is as authenticated
as the URL (the handler takes no event it has not verified).
Its settings (bucket, secret id) are not secret and stay under Lambda's own key, as the deploy hooks' do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction, LambdaFunctionEnvironment
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import LambdaFunctionEventInvokeConfig
from cdktf_cdktf_provider_aws.lambda_function_url import LambdaFunctionUrl
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret

from envconfig.account import Account
from modules.cdk.core import Construct
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import KeyReference, Statement

# What the function does with the stack's key: read objects and the secret (Decrypt), write objects
# (GenerateDataKey). https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms
KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
# HCP Terraform fails a task that sends no update for 10 minutes; an event still queued by then (all
# invocations busy) would run for nothing: Lambda drops it instead.
MAX_EVENT_AGE_SECONDS = 540


@dataclass(frozen=True)
class RunTaskSecretProps:
    name: str
    kms_key_arn: str
    recovery_window_days: int = 7  # default a week: a deleted key can be restored that long


class RunTaskSecret(Construct):
    def __init__(self, scope: Construct, id: str, props: RunTaskSecretProps):
        super().__init__(scope, id)
        self.secret = SecretsmanagerSecret(
            self,
            "secret",
            name=props.name,
            description="HMAC key of the HCP Terraform run task (the value is put by hand: README)",
            kms_key_id=props.kms_key_arn,
            recovery_window_in_days=props.recovery_window_days,
        )


@dataclass(frozen=True)
class RunTaskFunctionProps:
    function_name: str
    function_arn: str  # of `function_name`: the one function the role may invoke
    role_name: str
    account: Account
    image_uri: str  # <repository URL>:<tag>
    log_group: str
    log_retention_days: int
    kms_key_arn: str  # encrypts the log group
    key: KeyReference  # the key of the bucket's objects and of the secret
    bucket: str  # baselines, results, accepted requests
    secret_name: str
    secret_arn_pattern: str  # the secret's ARN: its name and Secrets Manager's random suffix
    memory_mb: int = 3008  # default 3008 MiB: checkov is CPU-bound, and Lambda's CPU follows memory
    timeout_seconds: int = 900  # default 900, Lambda's most
    reserved_concurrency: int = 5  # default 5: the URL's answers and the checks share them
    max_event_age_seconds: int = MAX_EVENT_AGE_SECONDS  # default 540: under HCP Terraform's 10 minutes


class RunTaskFunction(Construct):
    """`depends_on`: what the props name by a deterministic name and must exist first (the bucket, the secret)."""

    def __init__(self, scope: Construct, id: str, props: RunTaskFunctionProps, depends_on: Sequence = ()):
        super().__init__(scope, id)
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=props.role_name,
                service_principal="lambda.amazonaws.com",
                account=props.account,
                statements=self.statements(props),
                description="HCP Terraform run task: its secret, its store, itself, its logs",
            ),
        )
        logs = CloudwatchLogGroup(
            self,
            "logs",
            name=props.log_group,
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        self.function = LambdaFunction(
            self,
            "function",
            function_name=props.function_name,
            description="HCP Terraform run task: the policy gate on each plan",
            role=self.role.arn,
            package_type="Image",
            image_uri=props.image_uri,
            architectures=["x86_64"],
            memory_size=props.memory_mb,
            timeout=props.timeout_seconds,
            reserved_concurrent_executions=props.reserved_concurrency,
            environment=LambdaFunctionEnvironment(
                variables={"RUN_TASK_BUCKET": props.bucket, "RUN_TASK_SECRET_ID": props.secret_name}
            ),
            depends_on=[logs, self.role.policy, *depends_on],
        )
        # No retry: a run is claimed before it runs, so a retried event would stop at once anyway.
        LambdaFunctionEventInvokeConfig(
            self,
            "async",
            function_name=self.function.function_name,
            maximum_event_age_in_seconds=props.max_event_age_seconds,
            maximum_retry_attempts=0,
        )
        self.url = LambdaFunctionUrl(
            self, "url", function_name=self.function.function_name, authorization_type="NONE", invoke_mode="BUFFERED"
        )
        LambdaPermission(
            self,
            "public-url",
            statement_id="FunctionUrlAllowPublicAccess",
            function_name=self.function.function_name,
            action="lambda:InvokeFunctionUrl",
            principal="*",
            function_url_auth_type="NONE",
        )
        LambdaPermission(
            self,
            "public-invoke",
            statement_id="FunctionUrlAllowInvokeAction",
            function_name=self.function.function_name,
            action="lambda:InvokeFunction",
            principal="*",
        )

    @staticmethod
    def statements(props: RunTaskFunctionProps) -> tuple[Statement, ...]:
        """Read its one secret, use its one bucket and key, invoke itself, write its own log group."""
        account = props.account
        return (
            Statement(("secretsmanager:GetSecretValue",), (props.secret_arn_pattern,), sid="ReadHmacKey"),
            Statement(("s3:ListBucket",), (account.bucket_arn(props.bucket),), sid="FindStoredObjects"),
            Statement(("s3:GetObject", "s3:PutObject"), (account.bucket_arn(props.bucket, "*"),), sid="UseStore"),
            props.key.usage(KEY_ACTIONS, sid="UseStackKey"),
            Statement(("lambda:InvokeFunction",), (props.function_arn,), sid="InvokeItself"),
            Statement(
                ("logs:CreateLogStream", "logs:PutLogEvents"),
                (f"{account.log_group_arn(props.log_group)}:log-stream:*",),
                sid="WriteLogs",
            ),
        )
