"""`<env>-bootstrap` (and `<env>-delivery-bootstrap` for a delivery account): like `cdk bootstrap`, the role every
other stack of the account assumes (`assume_role`), trusted only by the principals the file names. Applied once,
with the account's admin credentials (`make bootstrap ENV=<env>`): its own provider assumes no role."""

from __future__ import annotations

from envconfig.model import Environment
from modules.cdk.core import Construct, TerraformOutput
from modules.shared.iam import CrossAccountRole, CrossAccountRoleProps
from stacks.base import EnvironmentStack

BOOTSTRAP_COMPONENTS = ("bootstrap", "delivery-bootstrap")


class BootstrapStack(EnvironmentStack):
    component = "bootstrap"
    assumes_role = False

    def __init__(self, scope: Construct, env: Environment, component: str = "bootstrap"):
        super().__init__(scope, env, component=component)
        role = env.assume_role
        resource = role.role_arn.split(":", 5)[5].removeprefix("role")
        path, name = resource.rsplit("/", 1)
        self.role = CrossAccountRole(
            self,
            "terraform",
            CrossAccountRoleProps(
                name=name,
                path=f"{path}/",
                trusted_principal_arns=role.trusted_principal_arns,
                external_id=role.external_id,
                managed_policy_arns=role.policy_arns,
                description=f"{env.name_prefix}: Terraform runs the account's stacks through this role",
            ),
        )
        TerraformOutput(self, "role-arn", value=self.role.arn)
