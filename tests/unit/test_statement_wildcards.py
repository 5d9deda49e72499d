"""The Statement guard treats every wildcard like `*` (modules/shared/statements.py)."""

from __future__ import annotations

import pytest

from modules.shared.statements import (
    PolicyError,
    Statement,
    condition_values,
    has_wildcard,
    pass_role,
    resource_scope_error,
    source_arn_error,
)
from tests.policies.wildcard_forms import (
    ACCOUNT,
    BROAD_RESOURCES,
    EVERY_KEY,
    KEY_BY_ALIAS,
    KEY_BY_ALIAS_PATTERN,
    SCOPED_RESOURCES,
    WILDCARD_ACTIONS,
    WILDCARD_PASSED_TO_SERVICE,
    WILDCARD_SOURCE_CONDITIONS,
)

ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-task"


@pytest.mark.parametrize("resource", BROAD_RESOURCES.values(), ids=BROAD_RESOURCES.keys())
def test_broad_resources_are_refused_outside_the_allow_list(resource):
    assert resource_scope_error(resource)
    with pytest.raises(PolicyError, match="as broad as"):
        Statement(("s3:GetObject",), (resource,), sid="Broad")


@pytest.mark.parametrize("resource", BROAD_RESOURCES.values(), ids=BROAD_RESOURCES.keys())
def test_broad_resources_are_star_for_allow_listed_actions(resource):
    Statement(("ecr:GetAuthorizationToken",), (resource,), sid="LikeStar")


@pytest.mark.parametrize("resource", SCOPED_RESOURCES.values(), ids=SCOPED_RESOURCES.keys())
def test_scoped_patterns_the_constructs_write_are_accepted(resource):
    assert resource_scope_error(resource) == ""
    Statement(("s3:GetObject",), (resource,), sid="Scoped")


def test_every_key_only_with_a_literal_alias_condition():
    Statement(("kms:Decrypt",), (EVERY_KEY,), KEY_BY_ALIAS, sid="KeyByAlias")
    for conditions in ({}, KEY_BY_ALIAS_PATTERN):
        with pytest.raises(PolicyError):
            Statement(("kms:Decrypt",), (EVERY_KEY,), conditions, sid="AnyKey")


@pytest.mark.parametrize("action", WILDCARD_ACTIONS.values(), ids=WILDCARD_ACTIONS.keys())
def test_wildcard_actions_are_refused(action):
    with pytest.raises(PolicyError, match="must name one API call"):
        Statement((action,), ("arn:aws:s3:::acme-artifacts/*",), sid="WildcardAction")


@pytest.mark.parametrize("service", WILDCARD_PASSED_TO_SERVICE.values(), ids=WILDCARD_PASSED_TO_SERVICE.keys())
def test_pass_role_to_a_wildcard_service_is_refused(service):
    with pytest.raises(PolicyError, match="wildcard"):
        pass_role([ROLE], service)


@pytest.mark.parametrize("role", [f"arn:aws:iam::{ACCOUNT}:role/app-*", f"arn:aws:iam::{ACCOUNT}:role/app-tas?"])
def test_pass_role_names_each_role(role):
    with pytest.raises(PolicyError, match="name each role"):
        pass_role([role], "ecs-tasks.amazonaws.com")


def test_pass_role_to_one_service_is_accepted():
    pass_role([ROLE], "ecs-tasks.amazonaws.com")


@pytest.mark.parametrize("condition", WILDCARD_SOURCE_CONDITIONS.values(), ids=WILDCARD_SOURCE_CONDITIONS.keys())
def test_wildcard_source_conditions_pin_no_account(condition):
    values = condition_values(condition)
    assert any(has_wildcard(v) for v in values.get("aws:SourceAccount", [])) or any(
        source_arn_error(v) for v in values.get("aws:SourceArn", [])
    )


def test_source_arn_of_any_resource_in_the_account_pins_it():
    """AWS documents `arn:aws:ecs:<region>:<account>:*` for the ECS task roles' aws:SourceArn."""
    assert source_arn_error(f"arn:aws:ecs:eu-west-1:{ACCOUNT}:*") == ""


EVERY_INTERFACE = f"arn:aws:ec2:eu-west-1:{ACCOUNT}:network-interface/*"
EVERY_SUBNET = f"arn:aws:ec2:eu-west-1:{ACCOUNT}:subnet/*"


def test_every_interface_only_for_the_actions_that_create_and_manage_them():
    Statement(("ec2:CreateNetworkInterface",), (EVERY_INTERFACE,), sid="LambdaCreates")
    Statement(("ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"), (EVERY_INTERFACE,), sid="Manage")
    with pytest.raises(PolicyError, match="as broad as"):
        Statement(("ec2:CreateNetworkInterface", "ec2:AttachNetworkInterface"), (EVERY_INTERFACE,), sid="More")


def test_every_subnet_only_with_a_literal_name_tag():
    Statement(
        ("ec2:CreateNetworkInterface",),
        (EVERY_SUBNET,),
        {"StringEquals": {"aws:ResourceTag/Name": ["app-private-a"]}},
        sid="Named",
    )
    for conditions in ({}, {"StringLike": {"aws:ResourceTag/Name": ["app-*"]}}):
        with pytest.raises(PolicyError):
            Statement(("ec2:CreateNetworkInterface",), (EVERY_SUBNET,), conditions, sid="Unnamed")
