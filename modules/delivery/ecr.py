"""An ECR repository that cannot be overwritten: immutable tags, scan on push, customer KMS key, and a
lifecycle policy that never expires an image a deployed task definition may still run."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from cdktf_cdktf_provider_aws.ecr_repository_policy import EcrRepositoryPolicy

from modules.cdk.core import Construct
from release.buildspec import BUILD_TAG_PREFIX, RELEASE_TAG_PREFIX


@dataclass(frozen=True)
class ContainerRepositoryProps:
    name: str
    kms_key_arn: str
    keep_releases: int = 30  # default: the last 30 release images stay; release images never expire by age
    release_tag_prefix: str = RELEASE_TAG_PREFIX  # default "release-": images a pipeline built (deployable)
    build_tag_prefix: str = BUILD_TAG_PREFIX  # default "build-": images built outside a pipeline
    expire_builds_after_days: int = 14  # default: build images expire after two weeks
    expire_untagged_after_days: int = 7  # default: untagged images (interrupted pushes) expire after a week
    # Lambda functions that run images of the repository; default none.
    lambda_function_arns: tuple[str, ...] = ()
    # Repository-policy statements, e.g. pulls by other accounts' task execution roles
    # (`modules.shared.statements.named_role_grants`). Default none: this account only.
    policy_statements: tuple[dict, ...] = ()


class ContainerRepository(Construct):
    def __init__(self, scope: Construct, id: str, props: ContainerRepositoryProps):
        super().__init__(scope, id)
        self.repository = EcrRepository(
            self,
            "repository",
            name=props.name,
            image_tag_mutability="IMMUTABLE",
            force_delete=False,
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[
                EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=props.kms_key_arn)
            ],
        )
        EcrLifecyclePolicy(self, "lifecycle", repository=self.repository.name, policy=self.lifecycle_policy(props))
        statements = [*self.lambda_pull_statements(props), *props.policy_statements]
        if statements:  # else no repository policy
            EcrRepositoryPolicy(
                self,
                "policy",
                repository=self.repository.name,
                policy=json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True),
            )
        self.url = self.repository.repository_url
        self.arn = self.repository.arn

    @staticmethod
    def lambda_pull_statements(props: ContainerRepositoryProps) -> list[dict]:
        """Lambda pulls a function's image with the repository's policy, for the named functions only (any
        version or alias of them: `<function ARN>:*`). Declared here, not left to Lambda (which adds a broader
        statement itself when its caller may set the policy).
        https://docs.aws.amazon.com/lambda/latest/dg/images-create.html#configuration-images-permissions"""
        if not props.lambda_function_arns:
            return []
        functions = sorted(arn for function in props.lambda_function_arns for arn in (function, f"{function}:*"))
        return [
            {
                "Sid": "LambdaPullsFunctionImages",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                "Condition": {"ArnLike": {"aws:SourceArn": functions}},
            }
        ]

    @staticmethod
    def lifecycle_policy(props: ContainerRepositoryProps) -> str:
        """Releases first: an image matched by a rule cannot be expired by a lower-priority one, so no
        age rule reaches a release image, and no rule selects `any` (images tagged by hand stay).
        https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html#lifecycle_policy_evaluation
        """
        return json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "description": f"keep the last {props.keep_releases} releases",
                        "selection": {
                            "tagStatus": "tagged",
                            "tagPrefixList": [props.release_tag_prefix],
                            "countType": "imageCountMoreThan",
                            "countNumber": props.keep_releases,
                        },
                        "action": {"type": "expire"},
                    },
                    {
                        "rulePriority": 2,
                        "description": f"expire builds after {props.expire_builds_after_days} days",
                        "selection": {
                            "tagStatus": "tagged",
                            "tagPrefixList": [props.build_tag_prefix],
                            "countType": "sinceImagePushed",
                            "countUnit": "days",
                            "countNumber": props.expire_builds_after_days,
                        },
                        "action": {"type": "expire"},
                    },
                    {
                        "rulePriority": 3,
                        "description": "expire untagged images",
                        "selection": {
                            "tagStatus": "untagged",
                            "countType": "sinceImagePushed",
                            "countUnit": "days",
                            "countNumber": props.expire_untagged_after_days,
                        },
                        "action": {"type": "expire"},
                    },
                ]
            },
            sort_keys=True,
        )
