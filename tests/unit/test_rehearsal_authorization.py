"""What the rehearsal asks IAM for each call: actions AWS's Service Authorization Reference knows, concrete ARNs of
the right form, and the calls a service makes on the caller's behalf."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from envconfig.account import Account
from tooling.iam.service_reference import call_problem, privilege
from tooling.rehearsal.authorization import OPERATIONS, PASSED_TO_ECS, Lookups, UnmappedCall, requests_of

ACCOUNT = Account("123456789012", "eu-west-1")


class FakeAdmin:
    """The admin reads the lookups make, answered from data."""

    def __call__(self, service: str):
        return SimpleNamespace(
            list_task_definitions=lambda **_: {"taskDefinitionArns": [ACCOUNT.arn("ecs", "task-definition/app:6")]},
            describe_key=lambda KeyId: {"KeyMetadata": {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}},
            list_aliases=lambda KeyId: {"Aliases": [{"AliasName": "alias/delivery"}]},
            get_bucket_encryption=lambda Bucket: {
                "ServerSideEncryptionConfiguration": {
                    "Rules": [
                        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k"}}
                    ]
                }
            },
        )


def lookups() -> Lookups:
    return Lookups(ACCOUNT, FakeAdmin())


def test_every_mapped_action_is_in_the_service_authorization_reference():
    unknown = []
    for (service, operation), _ in OPERATIONS.items():
        if (service, operation) == ("sts", "GetCallerIdentity"):
            continue
        prefix = {"elbv2": "elasticloadbalancing", "lambda": "lambda"}.get(service, service)
        action = f"{prefix}:{'InvokeFunction' if operation == 'Invoke' else operation}"
        if privilege(action) is None:
            unknown.append(action)
    assert unknown == []


def test_register_task_definition_passes_its_roles_and_tags_the_next_revision():
    execution, task = (
        ACCOUNT.arn("iam", "role/app-exec", regional=False),
        ACCOUNT.arn("iam", "role/app", regional=False),
    )
    params = {"family": "app", "executionRoleArn": execution, "taskRoleArn": task, "tags": [{"key": "a", "value": "b"}]}
    requests = requests_of("ecs", "RegisterTaskDefinition", params, lookups())
    revision = ACCOUNT.arn("ecs", "task-definition/app:7")
    assert [(r.action, r.resource, dict(r.context)) for r in requests] == [
        ("ecs:RegisterTaskDefinition", revision, {}),
        ("ecs:TagResource", revision, {"ecs:CreateAction": "RegisterTaskDefinition"}),
        ("iam:PassRole", execution, PASSED_TO_ECS),
        ("iam:PassRole", task, PASSED_TO_ECS),
    ]
    assert all(call_problem(r.action, r.resource) is None for r in requests)


def test_an_encrypted_put_uses_the_key_through_s3():
    requests = requests_of("s3", "PutObject", {"Bucket": "artifacts", "Key": "p/SourceOutp/x.zip"}, lookups())
    assert [r.action for r in requests] == ["s3:PutObject", "kms:GenerateDataKey"]
    assert requests[1].context == {
        "kms:ViaService": "s3.eu-west-1.amazonaws.com",
        "kms:ResourceAliases": ["alias/delivery"],
    }
    assert all(call_problem(r.action, r.resource) is None for r in requests)


def test_a_call_without_a_mapping_fails_loudly():
    with pytest.raises(UnmappedCall, match="ecr:DeleteRepository"):
        requests_of("ecr", "DeleteRepository", {"repositoryName": "x"}, lookups())


def test_create_task_set_passes_the_task_definitions_roles():
    """CodeDeploy's CreateTaskSet runs the task definition's tasks: its roles are passed to ECS tasks."""
    execution, task = (
        ACCOUNT.arn("iam", "role/app-exec", regional=False),
        ACCOUNT.arn("iam", "role/app", regional=False),
    )
    described = {"taskDefinition": {"executionRoleArn": execution, "taskRoleArn": task}}
    admin = lambda service: SimpleNamespace(describe_task_definition=lambda taskDefinition: described)  # noqa: E731
    params = {"cluster": "c", "service": "app", "taskDefinition": ACCOUNT.arn("ecs", "task-definition/app:7")}
    requests = requests_of("ecs", "CreateTaskSet", params, Lookups(ACCOUNT, admin))
    assert [(r.action, r.resource, dict(r.context)) for r in requests] == [
        ("ecs:CreateTaskSet", ACCOUNT.arn("ecs", "task-set/c/app/0000000000000000000"), {}),
        ("iam:PassRole", execution, PASSED_TO_ECS),
        ("iam:PassRole", task, PASSED_TO_ECS),
    ]
    assert all(call_problem(r.action, r.resource) is None for r in requests)
