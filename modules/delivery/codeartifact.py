"""CodeArtifact: a KMS-encrypted domain and one read-through repository per package format, each
with an upstream to the public registry, so builds pull through a cache the account controls."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.codeartifact_domain import CodeartifactDomain
from cdktf_cdktf_provider_aws.codeartifact_repository import (
    CodeartifactRepository,
    CodeartifactRepositoryExternalConnections,
    CodeartifactRepositoryUpstream,
)

from envconfig.account import Account
from modules.cdk.core import Construct
from modules.shared.statements import Statement

PUBLIC_CONNECTIONS = {"npm": "public:npmjs", "pypi": "public:pypi", "maven": "public:maven-central"}


def repository_name(package_format: str) -> str:
    """The repository builds read `package_format` packages from."""
    return f"{package_format}-store"


def upstream_name(package_format: str) -> str:
    """The repository connected to the public registry of `package_format`."""
    return f"{package_format}-public"


@dataclass(frozen=True)
class PackageRepositoriesProps:
    domain: str
    account: Account
    kms_key_arn: str
    formats: tuple[str, ...]  # keys of PUBLIC_CONNECTIONS; empty: builds get no package rights


class PackageRepositories(Construct):
    def __init__(self, scope: Construct, id: str, props: PackageRepositoriesProps):
        super().__init__(scope, id)
        self.domain = CodeartifactDomain(self, "domain", domain=props.domain, encryption_key=props.kms_key_arn)
        for package_format in props.formats:
            upstream = CodeartifactRepository(
                self,
                f"{package_format}-public",
                repository=upstream_name(package_format),
                domain=self.domain.domain,
                description=f"{package_format} public registry connection",
                external_connections=CodeartifactRepositoryExternalConnections(
                    external_connection_name=PUBLIC_CONNECTIONS[package_format]
                ),
            )
            CodeartifactRepository(
                self,
                f"{package_format}-store",
                repository=repository_name(package_format),
                domain=self.domain.domain,
                description=f"{package_format} packages for builds",
                upstream=[CodeartifactRepositoryUpstream(repository_name=upstream.repository)],
            )

    @staticmethod
    def read_statements(props: PackageRepositoriesProps) -> tuple[Statement, ...]:
        """What a build needs to read packages: a token for the domain, a bearer token, the repositories."""
        if not props.formats:
            return ()
        account, domain = props.account, props.domain
        repositories = tuple(
            account.arn("codeartifact", f"repository/{domain}/{name}")
            for fmt in props.formats
            for name in (repository_name(fmt), upstream_name(fmt))
        )
        return (
            Statement(
                ("codeartifact:GetAuthorizationToken",),
                (account.arn("codeartifact", f"domain/{domain}"),),
                sid="PackageToken",
            ),
            Statement(
                ("sts:GetServiceBearerToken",),
                ("*",),
                {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}},
                sid="PackageBearer",
            ),
            Statement(
                ("codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"),
                repositories,
                sid="ReadPackages",
            ),
        )
