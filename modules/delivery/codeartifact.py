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

from modules.cdk.core import Construct
from modules.shared.statements import Statement

PUBLIC_CONNECTIONS = {"npm": "public:npmjs", "pypi": "public:pypi", "maven": "public:maven-central"}


@dataclass(frozen=True)
class PackageRepositoriesProps:
    domain: str
    account_id: str
    region: str
    kms_key_arn: str
    formats: tuple[str, ...]

    def repository_name(self, package_format: str) -> str:
        return f"{package_format}-store"

    def repository_arn(self, package_format: str) -> str:
        return (f"arn:aws:codeartifact:{self.region}:{self.account_id}:repository/{self.domain}/"
                f"{self.repository_name(package_format)}")

    def upstream_name(self, package_format: str) -> str:
        return f"{package_format}-public"

    def read_statements(self) -> tuple[Statement, ...]:
        """What a build needs to read packages: a token for the domain, a bearer token, the repositories."""
        if not self.formats:
            return ()
        domain_arn = f"arn:aws:codeartifact:{self.region}:{self.account_id}:domain/{self.domain}"
        repositories = tuple(arn for fmt in self.formats
                             for arn in (self.repository_arn(fmt),
                                         self.repository_arn(fmt).replace(self.repository_name(fmt),
                                                                          self.upstream_name(fmt))))
        return (
            Statement(("codeartifact:GetAuthorizationToken",), (domain_arn,), sid="PackageToken"),
            Statement(("sts:GetServiceBearerToken",), ("*",),
                      {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}, sid="PackageBearer"),
            Statement(("codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"), repositories,
                      sid="ReadPackages"),
        )


class PackageRepositories(Construct):
    def __init__(self, scope: Construct, id: str, props: PackageRepositoriesProps):
        super().__init__(scope, id)
        self.domain = CodeartifactDomain(self, "domain", domain=props.domain, encryption_key=props.kms_key_arn)
        for package_format in props.formats:
            upstream = CodeartifactRepository(
                self, f"{package_format}-public", repository=props.upstream_name(package_format),
                domain=self.domain.domain, description=f"{package_format} public registry connection",
                external_connections=CodeartifactRepositoryExternalConnections(
                    external_connection_name=PUBLIC_CONNECTIONS[package_format]))
            CodeartifactRepository(
                self, f"{package_format}-store", repository=props.repository_name(package_format),
                domain=self.domain.domain, description=f"{package_format} packages for builds",
                upstream=[CodeartifactRepositoryUpstream(repository_name=upstream.repository)])
