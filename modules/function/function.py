"""A function service's Lambda function, its `live` alias, its log group and its execution role.

Who owns what after the first apply:
- Terraform: the function's configuration (runtime, handler, memory, timeout, architecture, role), the alias'
  existence, the log group and the role.
- The pipeline's deploy build: the function's code (`aws lambda update-function-code --publish`). Terraform ships
  the bootstrap code (bootstrap_code/, like an ECS service's bootstrap image) only to create the function and its
  version 1, so `filename` and `source_code_hash` are ignored afterwards: re-applying must not put the bootstrap
  code back.
- CodeDeploy: the alias' `function_version` (and its routing weights during a shift), so it is ignored too;
  otherwise every apply after a release would point the alias back at version 1, behind CodeDeploy's back and
  without its hooks, alarms or rollback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.lambda_alias import LambdaAlias
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction

from envconfig.account import Account
from envconfig.model import Function
from modules.cdk.assets import source_archive
from modules.cdk.core import Construct, TerraformResourceLifecycle
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import Statement

BOOTSTRAP_CODE = Path(__file__).resolve().parent / "bootstrap_code"
# What the deploy build changes (the code) and what CodeDeploy changes (the alias' version): not Terraform's.
DEPLOY_OWNED = ["filename", "source_code_hash"]
CODEDEPLOY_OWNED = ["function_version", "routing_config"]


@dataclass(frozen=True)
class FunctionServiceProps:
    function_name: str
    alias: str
    role_name: str
    account: Account
    settings: Function  # runtime, handler, memory, timeout, architecture
    log_group: str
    log_retention_days: int
    kms_key_arn: str  # encrypts the log group


class FunctionService(Construct):
    def __init__(self, scope: Construct, id: str, props: FunctionServiceProps):
        super().__init__(scope, id)
        settings = props.settings
        code = source_archive(self, "bootstrap", BOOTSTRAP_CODE)
        self.log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=props.log_group,
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        self.role = ServiceRole(
            self,
            "role",
            ServiceRoleProps(
                name=props.role_name,
                service_principal="lambda.amazonaws.com",
                account=props.account,
                statements=self.statements(props),
                description=f"Lambda function {props.function_name}: its own logs",
            ),
        )
        self.function = LambdaFunction(
            self,
            "function",
            function_name=props.function_name,
            role=self.role.arn,
            runtime=settings.runtime,
            handler=settings.handler,
            memory_size=settings.memory,
            timeout=settings.timeout_seconds,
            architectures=[settings.architecture],
            filename=code.path,
            source_code_hash=code.asset_hash,
            publish=True,  # version 1 exists before the first release: the alias and CodeDeploy need a version
            depends_on=[self.log_group, self.role.policy],
            lifecycle=TerraformResourceLifecycle(ignore_changes=DEPLOY_OWNED),
        )
        self.alias = LambdaAlias(
            self,
            "alias",
            name=props.alias,
            function_name=self.function.function_name,
            function_version=self.function.version,
            description="what callers invoke; CodeDeploy shifts it to each release",
            lifecycle=TerraformResourceLifecycle(ignore_changes=CODEDEPLOY_OWNED),
        )
        self.name = self.function.function_name

    @staticmethod
    def statements(props: FunctionServiceProps) -> tuple[Statement, ...]:
        """What Lambda does with the execution role for the function itself: write its log streams
        (AWSLambdaBasicExecutionRole, scoped to the function's own log group, which the stack creates)."""
        streams = f"{props.account.log_group_arn(props.log_group)}:log-stream:*"
        return (Statement(("logs:CreateLogStream", "logs:PutLogEvents"), (streams,), sid="WriteLogs"),)
