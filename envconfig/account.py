"""The one place ARNs are spelled: an account in a region, and the partition its region belongs to.

Every ARN in the code comes from `Account.arn` (or from `envconfig.naming`, which uses it), so a
region of another partition (China, GovCloud) gets ARNs of its own partition everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference import elb_log_delivery_accounts

# Region prefix -> partition (the `regionRegex` of each partition in botocore's endpoints.json, which
# tests/unit/test_arn_literals.py compares); any other region is in `aws`.
PARTITION_BY_REGION_PREFIX = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
    ("eusc-", "aws-eusc"),
)
# The partition the stacks are built for: their service principals, ALB log delivery accounts and
# service availability (CodeStar connections, CodeArtifact) are those of `aws`. Other partitions are
# rejected when the files load (envconfig.rules.region_in_supported_partition).
SUPPORTED_PARTITION = "aws"
# ALB access logs in regions opened before August 2022 are delivered by a regional Elastic Load
# Balancing account; newer regions use the log delivery service principal (reference/elb_log_delivery_accounts.json).
ELB_LOG_DELIVERY_ACCOUNTS = elb_log_delivery_accounts()
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def partition_of(region: str) -> str:
    return next((partition for prefix, partition in PARTITION_BY_REGION_PREFIX if region.startswith(prefix)), "aws")


@dataclass(frozen=True)
class Account:
    """An AWS account in one region: what every ARN the stacks name is built from."""

    account_id: str
    region: str

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        """`arn:<partition>:<service>:<region>:<account>:<resource>`; global services pass regional=False."""
        region = self.region if regional else ""
        account_id = self.account_id if account else ""
        return f"arn:{self.partition}:{service}:{region}:{account_id}:{resource}"

    def global_arn(self, service: str, resource: str) -> str:
        """An ARN with neither region nor account (S3 buckets and objects)."""
        return self.arn(service, resource, regional=False, account=False)

    def aws_owned_arn(self, service: str, resource: str) -> str:
        """A resource AWS owns in this partition (managed policies, EKS access policies): account `aws`."""
        return f"arn:{self.partition}:{service}::aws:{resource}"

    @property
    def root_arn(self) -> str:
        return self.principal_root(self.account_id)

    def principal_root(self, account_id: str) -> str:
        """An account as an IAM principal (`arn:...:iam::<account>:root`)."""
        return f"arn:{self.partition}:iam::{account_id}:root"

    def role_arn(self, name: str) -> str:
        return self.arn("iam", f"role/{name}", regional=False)

    def log_group_arn(self, name: str) -> str:
        return self.arn("logs", f"log-group:{name}")

    def managed_policy_arn(self, name: str) -> str:
        return self.aws_owned_arn("iam", f"policy/{name}")

    def bucket_arn(self, bucket: str, key: str = "") -> str:
        return self.global_arn("s3", f"{bucket}/{key}" if key else bucket)

    @property
    def key_arn_pattern(self) -> str:
        """KMS key ids are random: policies name keys by alias (`kms:ResourceAliases`) on this pattern."""
        return self.arn("kms", "key/*")

    @property
    def elb_log_delivery_principal(self) -> dict[str, str]:
        """Who writes this region's ALB access logs into a bucket (a bucket policy principal)."""
        if self.region in ELB_LOG_DELIVERY_ACCOUNTS:
            return {"AWS": self.principal_root(ELB_LOG_DELIVERY_ACCOUNTS[self.region])}
        return {"Service": ELB_LOG_DELIVERY_SERVICE}

    @property
    def dns_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
