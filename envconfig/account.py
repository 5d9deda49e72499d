"""The one place ARNs are spelled: an account in a region, and the partition its region belongs to.

Every ARN in the code comes from `Account.arn` (or from `envconfig.naming`, which uses it), so a
region of another partition (China, GovCloud) gets ARNs of its own partition everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

# Region prefix -> partition (AWS "Partitions and Regions"); any other region is in `aws`.
PARTITION_BY_REGION_PREFIX = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"),
                              ("us-iso-", "aws-iso"))


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
    def dns_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
