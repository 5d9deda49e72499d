"""Construct-level tests: one construct synthesized alone with cdktf's `Testing` (no app, no environment
files), for behaviour that belongs to the construct whatever stack uses it."""

from __future__ import annotations

import json

import pytest

from envconfig.account import Account
from modules.cdk.core import TerraformStack
from modules.cdk.core import Testing as CdktfTesting
from modules.delivery.ecr import ContainerRepository, ContainerRepositoryProps
from modules.ecs.deploy_hooks import DeployHooks, DeployHooksProps
from modules.ecs.load_balancer import ListenerReference
from modules.shared.iam import ServiceRole, ServiceRoleProps
from modules.shared.statements import KeyReference, PolicyError, Statement
from release.model import HookCheck, ReleaseHook

ACCOUNT = Account("123456789012", "eu-west-1")


def synth(build) -> dict:
    """The resources `build(scope)` creates in a stack of its own, by type, as Terraform JSON."""
    stack = TerraformStack(CdktfTesting.app(), "construct")
    build(stack)
    return json.loads(CdktfTesting.synth(stack)).get("resource", {})


def test_a_service_role_trusts_its_service_for_this_account_only():
    key = KeyReference(ACCOUNT, "alias/app")
    resources = synth(
        lambda scope: ServiceRole(
            scope,
            "role",
            ServiceRoleProps(
                name="app-build",
                service_principal="codebuild.amazonaws.com",
                account=ACCOUNT,
                statements=(key.usage(("kms:Decrypt",)),),
                source_arn=ACCOUNT.arn("codebuild", "project/app"),
            ),
        )
    )
    [role] = resources["aws_iam_role"].values()
    [statement] = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:codebuild:eu-west-1:123456789012:project/app"},
    }
    [policy] = resources["aws_iam_role_policy"].values()
    assert json.loads(policy["policy"])["Statement"][0]["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/app"]}
    }


def test_a_service_role_without_statements_has_no_policy():
    resources = synth(
        lambda scope: ServiceRole(
            scope,
            "role",
            ServiceRoleProps(
                name="app-task", service_principal="ecs-tasks.amazonaws.com", account=ACCOUNT, statements=()
            ),
        )
    )
    assert "aws_iam_role_policy" not in resources


def test_a_service_role_refuses_a_source_arn_of_any_account():
    with pytest.raises(PolicyError):
        synth(
            lambda scope: ServiceRole(
                scope,
                "role",
                ServiceRoleProps(
                    name="app",
                    service_principal="codebuild.amazonaws.com",
                    account=ACCOUNT,
                    statements=(),
                    source_arn="arn:aws:codebuild:eu-west-1:*:project/app",
                ),
            )
        )


def test_a_container_repository_is_immutable_scanned_encrypted_and_keeps_releases():
    resources = synth(
        lambda scope: ContainerRepository(
            scope,
            "image",
            ContainerRepositoryProps(
                name="app", kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/k", keep_releases=5
            ),
        )
    )
    [repository] = resources["aws_ecr_repository"].values()
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"] == {"scan_on_push": True}
    assert repository["encryption_configuration"] == [
        {"encryption_type": "KMS", "kms_key": "arn:aws:kms:eu-west-1:123456789012:key/k"}
    ]
    [lifecycle] = resources["aws_ecr_lifecycle_policy"].values()
    rules = json.loads(lifecycle["policy"])["rules"]
    releases = [r for r in rules if r["selection"].get("tagPrefixList") == ["release-"]]
    assert [r["selection"]["countType"] for r in releases] == ["imageCountMoreThan"]
    assert releases[0]["selection"]["countNumber"] == 5


def test_statements_of_a_construct_refuse_wildcard_actions_before_synthesis():
    with pytest.raises(PolicyError):
        Statement(("s3:Put*",), (ACCOUNT.bucket_arn("b", "*"),))


def deploy_hooks(checks: tuple[ReleaseHook, ...]):
    return lambda scope: DeployHooks(
        scope,
        "hooks",
        DeployHooksProps(
            security_group_name="app-hooks",
            role_name="app-hooks",
            account=ACCOUNT,
            checks=checks,
            deployment_group_arn=ACCOUNT.arn("codedeploy", "deploymentgroup:app/app"),
            alb_dns_name="app.elb.example",
            alb_security_group_id="sg-alb",
            alb_internal=True,
            nat_public_ips=(),
            production_listener=ListenerReference(80, "HTTP"),
            test_listener=ListenerReference(8080, "HTTP"),
            vpc_id="vpc-1",
            subnet_ids=("subnet-a",),
            subnet_names=("private-a",),
            log_retention_days=30,
            kms_key_arn=ACCOUNT.arn("kms", "key/k"),
        ),
    )


def test_deploy_hooks_without_a_built_in_check_create_nothing():
    """Hooks that run the user's functions need no function, role or security group of the project's."""
    assert synth(deploy_hooks(())) == {}


def test_deploy_hooks_create_one_function_per_check_and_open_only_the_checked_listener():
    check = ReleaseHook("BeforeAllowTraffic", "app-BeforeAllowTraffic", HookCheck("test", "/ready", 204))
    resources = synth(deploy_hooks((check,)))
    [function] = resources["aws_lambda_function"].values()
    assert function["function_name"] == "app-BeforeAllowTraffic"
    assert function["environment"]["variables"] == {
        "CHECK_URL": "http://app.elb.example:8080/ready",
        "CHECK_EXPECTED_STATUS": "204",
    }
    ports = {rule["from_port"] for rule in resources["aws_vpc_security_group_egress_rule"].values()}
    assert ports == {8080, 443}, "the test listener and the CodeDeploy API only"
    assert len(resources["aws_iam_role"]) == 1 and len(resources["aws_security_group"]) == 1
