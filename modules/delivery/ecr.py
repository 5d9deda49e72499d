"""An ECR repository that cannot be overwritten: immutable tags, scan on push, customer KMS key."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)

from modules.cdk.core import Construct


@dataclass(frozen=True)
class ContainerRepositoryProps:
    name: str
    kms_key_arn: str
    keep_tagged_images: int = 30  # default: the last 30 tagged images stay, older ones expire
    expire_untagged_after_days: int = 7  # default: untagged images expire after a week


class ContainerRepository(Construct):
    def __init__(self, scope: Construct, id: str, props: ContainerRepositoryProps):
        super().__init__(scope, id)
        self.repository = EcrRepository(
            self, "repository", name=props.name, image_tag_mutability="IMMUTABLE", force_delete=False,
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[EcrRepositoryEncryptionConfiguration(
                encryption_type="KMS", kms_key=props.kms_key_arn)],
        )
        EcrLifecyclePolicy(self, "lifecycle", repository=self.repository.name,
                           policy=self.lifecycle_policy(props))
        self.url = self.repository.repository_url
        self.arn = self.repository.arn

    @staticmethod
    def lifecycle_policy(props: ContainerRepositoryProps) -> str:
        return json.dumps({"rules": [
            {"rulePriority": 1, "description": "expire untagged images",
             "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                           "countNumber": props.expire_untagged_after_days},
             "action": {"type": "expire"}},
            {"rulePriority": 2, "description": f"keep the last {props.keep_tagged_images} tagged images",
             "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                           "countNumber": props.keep_tagged_images},
             "action": {"type": "expire"}},
        ]}, sort_keys=True)
