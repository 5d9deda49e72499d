"""The one place that imports the CDK for Terraform core library.

cdktf is archived upstream and continues as CDK Terrain (`cdktn`); moving means changing these
imports, not every construct.
"""

from cdktf import (  # noqa: F401  (re-exported)
    App,
    AssetType,
    CloudBackend,
    Fn,
    LocalBackend,
    NamedCloudWorkspace,
    S3Backend,
    TaggedCloudWorkspaces,
    TerraformAsset,
    TerraformOutput,
    TerraformResourceLifecycle,
    TerraformStack,
    Testing,
    Token,
)
from constructs import Construct  # noqa: F401

__all__ = [
    "App",
    "AssetType",
    "CloudBackend",
    "Construct",
    "Fn",
    "LocalBackend",
    "NamedCloudWorkspace",
    "S3Backend",
    "TaggedCloudWorkspaces",
    "TerraformAsset",
    "TerraformOutput",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "Testing",
    "Token",
    "literal",
]


def literal(text: str) -> str:
    """Escape a plain string so Terraform does not read `${` or `%{` in it as a template."""
    return text.replace("${", "$${").replace("%{", "%%{")
