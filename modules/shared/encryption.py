"""A customer-managed KMS key whose policy names exactly who may administer it and who may use it.

Administration belongs to named principals (the environment's `key_admin_principal_arns`), never to
the account root: a root principal in a key policy delegates the key to every IAM principal of the
account whose own policy says `kms:*`. The deploying principal cannot be known offline (plans run with
placeholder credentials), so it is no default either: a key without administrators is refused here.

Lockout stays impossible: the key is created without `BypassPolicyLockoutSafetyCheck`, so KMS rejects
(MalformedPolicyDocumentException) a policy that would not let the principal creating or changing it
call PutKeyPolicy again — the principal running Terraform must be among the administrators, or the
apply fails before any key exists
(https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html#KMS-CreateKey-request-BypassPolicyLockoutSafetyCheck).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey

from envconfig.account import Account
from modules.cdk.core import Construct
from modules.shared.statements import DECRYPT, ENCRYPT_DECRYPT, KeyReference, PolicyError, named_role_grants

# Administration without usage: the administrators manage the key but cannot read data with it.
ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
# Grants only for AWS services acting for the administrators (ECR, CodeArtifact, EKS create them when
# the deploying principal creates a resource encrypted with the key).
GRANT_FOR_AWS_RESOURCE = {"Bool": {"kms:GrantIsForAWSResource": "true"}}


@dataclass(frozen=True)
class EncryptionKeyProps:
    alias: str  # "alias/<name>": how policies designate the key (its id is random)
    description: str
    account: Account  # the key's account and region
    admin_principal_arns: tuple[str, ...]  # who administers the key; must include whoever runs Terraform
    user_role_arns: tuple[str, ...] = ()  # default (): no role may use the key through the key policy
    log_group_prefixes: tuple[str, ...] = ()  # CloudWatch Logs may use the key for these groups only; default none
    service_principals: tuple[str, ...] = ()  # e.g. sns / events, limited to this account; default none
    deletion_window_days: int = 30  # default 30, the longest KMS allows
    # Services that publish to SNS topics this key encrypts (e.g. codestar-notifications.amazonaws.com): they may
    # use the key through SNS, for `sns_topic_arns` only. Default none.
    sns_publishing_services: tuple[str, ...] = ()
    sns_topic_arns: tuple[str, ...] = ()  # the topics of `sns_publishing_services`; default none
    # Principals that put the values of `secret_arn_patterns` (e.g. the run task's HMAC key): they may use the key
    # through Secrets Manager for those secrets only. Default none.
    secret_writer_arns: tuple[str, ...] = ()
    secret_arn_patterns: tuple[str, ...] = ()  # the secrets of `secret_writer_arns` (name-?????? patterns)
    # Roles of other accounts that decrypt what the key encrypts (a delivery key: the accounts' deploy, CodeDeploy
    # and kubectl deploy roles read artifacts). Default none: the key serves its own account only.
    other_account_decrypt_role_arns: tuple[str, ...] = ()


class EncryptionKey(Construct):
    def __init__(self, scope: Construct, id: str, props: EncryptionKeyProps):
        super().__init__(scope, id)
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_days,
            bypass_policy_lockout_safety_check=False,
            policy=self.key_policy(props),
        )
        self.alias = KmsAlias(self, "alias", name=props.alias, target_key_id=self.key.key_id)
        self.arn = self.key.arn
        self.alias_name = props.alias
        self.reference = KeyReference(props.account, props.alias)

    @staticmethod
    def key_policy(props: EncryptionKeyProps) -> str:
        if not props.admin_principal_arns:
            raise PolicyError(
                f"{props.alias}: no key administrators (set key_admin_principal_arns to the roles "
                "that run Terraform); the account root is no fallback"
            )
        account = props.account
        admins = {"AWS": sorted(props.admin_principal_arns)}
        statements = [
            {
                "Sid": "AdministratorsManageKey",
                "Effect": "Allow",
                "Principal": admins,
                "Action": sorted(ADMIN_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "AdministratorsGrantToAwsServices",
                "Effect": "Allow",
                "Principal": admins,
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": GRANT_FOR_AWS_RESOURCE,
            },
        ]
        if props.user_role_arns:
            # Named by condition rather than as principals: KMS rejects principals that do not exist
            # yet, and the roles are created alongside the key. Each role's own policy must allow it too.
            statements.append(
                {
                    "Sid": "NamedRolesUseKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": account.root_arn},
                    "Action": sorted(ENCRYPT_DECRYPT),
                    "Resource": "*",
                    "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted(props.user_role_arns)}},
                }
            )
        statements += named_role_grants(
            account, props.other_account_decrypt_role_arns, DECRYPT, "*", sid="OtherAccountRolesDecrypt"
        )
        if props.log_group_prefixes:
            statements.append(
                {
                    "Sid": "CloudWatchLogsUsesKey",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{account.region}.amazonaws.com"},
                    "Action": sorted(ENCRYPT_DECRYPT),
                    "Resource": "*",
                    "Condition": {
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": [
                                account.log_group_arn(f"{prefix}*") for prefix in sorted(props.log_group_prefixes)
                            ]
                        }
                    },
                }
            )
        for principal in sorted(props.service_principals):
            statements.append(
                {
                    "Sid": f"{principal.split('.')[0].capitalize()}UsesKey",
                    "Effect": "Allow",
                    "Principal": {"Service": principal},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
                }
            )
        if props.sns_publishing_services and not props.sns_topic_arns:
            raise ValueError(f"key {props.alias}: sns_publishing_services without sns_topic_arns would grant nothing")
        if props.sns_publishing_services:
            # As AWS documents for service event sources of encrypted topics: the service generates data keys
            # through SNS (kms:ViaService), for the named topics (SNS's encryption context is the topic ARN).
            # https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html
            # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
            statements.append(
                {
                    "Sid": "ServicesPublishToEncryptedTopics",
                    "Effect": "Allow",
                    "Principal": {"Service": sorted(props.sns_publishing_services)},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            "kms:ViaService": f"sns.{account.region}.{account.dns_suffix}",
                            "kms:EncryptionContext:aws:sns:topicArn": sorted(props.sns_topic_arns),
                        }
                    },
                }
            )
        if bool(props.secret_writer_arns) != bool(props.secret_arn_patterns):
            raise ValueError(f"key {props.alias}: secret_writer_arns and secret_arn_patterns go together")
        if props.secret_writer_arns:
            # Secrets Manager uses the key with the permissions of whoever puts a value: kms:GenerateDataKey and
            # kms:Decrypt (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html,
            # "Permissions for the KMS key"), here only through Secrets Manager and for the named secrets (its
            # encryption context carries the secret's ARN).
            statements.append(
                {
                    "Sid": "NamedPrincipalsPutSecretValues",
                    "Effect": "Allow",
                    "Principal": {"AWS": account.root_arn},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": "*",
                    "Condition": {
                        "ArnEquals": {"aws:PrincipalArn": sorted(props.secret_writer_arns)},
                        "StringEquals": {"kms:ViaService": f"secretsmanager.{account.region}.{account.dns_suffix}"},
                        "StringLike": {"kms:EncryptionContext:SecretARN": sorted(props.secret_arn_patterns)},
                    },
                }
            )
        return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)
