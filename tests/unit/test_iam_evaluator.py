"""The identity-policy evaluator and the service authorization reference checks behind the sufficiency
test (tests/plan/test_sufficiency.py): each rule of AWS's evaluation logic it implements, and its refusals."""

from __future__ import annotations

import pytest

from tooling.iam.evaluator import PolicyEvaluationError, Request, arn_like, evaluate
from tooling.iam.service_reference import call_problem, matching_resource_type

BUCKET_OBJECT = "arn:aws:s3:::artifacts/acme-prod-app-pipeli/BuildOutpu/x.zip"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def decide(statements, action, resource="*", context=None):
    return evaluate([policy(*statements)], Request(action, resource, context or {}))


def test_implicit_deny_without_a_matching_statement():
    assert decide([], "s3:GetObject", BUCKET_OBJECT).reason == "implicit deny"
    assert not decide([allow("s3:PutObject", "arn:aws:s3:::artifacts/*")], "s3:GetObject", BUCKET_OBJECT).allowed


def test_explicit_deny_wins_over_allow():
    statements = [allow("s3:*", "*"), {"Effect": "Deny", "Action": "s3:GetObject", "Resource": BUCKET_OBJECT}]
    decision = decide(statements, "s3:GetObject", BUCKET_OBJECT)
    assert not decision.allowed and decision.reason == "explicit deny"


@pytest.mark.parametrize(
    "pattern, allowed",
    [
        ("s3:GetObject", True),
        ("S3:getobject", True),
        ("s3:Get*", True),
        ("s3:GetObjec?", True),
        ("s3:Put*", False),
        ("ec2:GetObject", False),
    ],
)
def test_actions_match_case_insensitively_with_wildcards(pattern, allowed):
    assert decide([allow(pattern, "*")], "s3:GetObject", BUCKET_OBJECT).allowed is allowed


def test_not_action_allows_everything_else():
    statements = [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]
    assert decide(statements, "s3:GetObject", BUCKET_OBJECT).allowed
    assert not decide(statements, "iam:PassRole", "arn:aws:iam::111111111111:role/x").allowed


@pytest.mark.parametrize(
    "pattern, allowed",
    [
        ("arn:aws:s3:::artifacts/acme-prod-app-pipeli/*", True),
        ("arn:aws:s3:::artifacts/*", True),
        ("arn:aws:s3:::artifacts/acme-prod-other-pipe/*", False),
        ("arn:aws:s3:::artifacts", False),
        ("arn:aws:s3:::artifact?/acme-prod-app-pipeli/BuildOutpu/x.zip", True),
        ("*", True),
    ],
)
def test_resources_match_arn_wildcards(pattern, allowed):
    assert decide([allow("s3:GetObject", pattern)], "s3:GetObject", BUCKET_OBJECT).allowed is allowed


def test_a_wildcard_does_not_cross_arn_segments():
    assert not arn_like("arn:aws:logs:*", "arn:aws:logs:eu-west-1:111111111111:log-group:x")
    assert arn_like("arn:aws:logs:*:*:*", "arn:aws:logs:eu-west-1:111111111111:log-group:x:log-stream:y")
    assert not arn_like("arn:aws:ecs:eu-west-1:*:task-definition/app:*", "arn:aws:ecs:eu-west-1:1:service/app")


def test_not_resource_allows_every_other_resource():
    statements = [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}]
    assert decide(statements, "s3:GetObject", BUCKET_OBJECT).allowed
    assert not decide(statements, "s3:GetObject", "arn:aws:s3:::secret/key").allowed


def test_a_specific_resource_does_not_match_a_request_on_star():
    assert not decide([allow("ec2:DescribeSubnets", "arn:aws:ec2:eu-west-1:1:subnet/*")], "ec2:DescribeSubnets").allowed


TAG = {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}


@pytest.mark.parametrize(
    "condition, context, allowed",
    [
        (TAG, {"ecs:CreateAction": "RegisterTaskDefinition"}, True),
        (TAG, {"ECS:createaction": "RegisterTaskDefinition"}, True),  # keys are case-insensitive
        (TAG, {"ecs:CreateAction": "registertaskdefinition"}, False),  # values are not
        (TAG, {}, False),
        ({"StringEqualsIfExists": {"ecs:CreateAction": "CreateService"}}, {}, True),
        (
            {"StringEquals": {"ecs:CreateAction": ["CreateService", "RegisterTaskDefinition"]}},
            {"ecs:CreateAction": "RegisterTaskDefinition"},
            True,
        ),
        (
            {"StringLike": {"aws:ResourceTag/Name": "acme-*-private-*"}},
            {"aws:ResourceTag/Name": "acme-prod-private-a"},
            True,
        ),
        (
            {"StringLike": {"aws:ResourceTag/Name": "acme-*-private-*"}},
            {"aws:ResourceTag/Name": "acme-prod-public-a"},
            False,
        ),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:codebuild:eu-west-1:1:project/*"}},
            {"aws:SourceArn": "arn:aws:codebuild:eu-west-1:1:project/build"},
            True,
        ),
        (
            {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::1:role/a"}},
            {"aws:PrincipalArn": "arn:aws:iam::1:role/b"},
            False,
        ),
        (
            {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/acme-prod-delivery"]}},
            {"kms:ResourceAliases": ["alias/other", "alias/acme-prod-delivery"]},
            True,
        ),
        (
            {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/acme-prod-delivery"]}},
            {"kms:ResourceAliases": ["alias/other"]},
            False,
        ),
        ({"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/acme-prod-delivery"]}}, {}, False),
        ({"Bool": {"kms:GrantIsForAWSResource": "true"}}, {"kms:GrantIsForAWSResource": "true"}, True),
        ({"Bool": {"kms:GrantIsForAWSResource": "true"}}, {"kms:GrantIsForAWSResource": "false"}, False),
        ({"Bool": {"kms:GrantIsForAWSResource": "true"}}, {}, False),
        ({"Null": {"aws:ResourceTag/Name": "true"}}, {}, True),
        ({"Null": {"aws:ResourceTag/Name": "false"}}, {}, False),
        ({"Null": {"aws:ResourceTag/Name": "false"}}, {"aws:ResourceTag/Name": "x"}, True),
        # two operators, and two keys in one operator, must all hold
        ({"StringEquals": {"a:x": "1", "a:y": "2"}}, {"a:x": "1", "a:y": "3"}, False),
        ({"StringEquals": {"a:x": "1"}, "Bool": {"a:z": "true"}}, {"a:x": "1", "a:z": "true"}, True),
    ],
)
def test_conditions(condition, context, allowed):
    statement = allow("ecs:TagResource", "*", Condition=condition)
    assert (
        decide([statement], "ecs:TagResource", "arn:aws:ecs:eu-west-1:1:task-definition/app:1", context).allowed
        is allowed
    )


@pytest.mark.parametrize(
    "statement",
    [
        allow("s3:GetObject", "*", Condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}),
        allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"),
        allow("s3:GetObject", "*", Condition={"StringEquals": {"kms:ResourceAliases": "alias/x"}}),
    ],
)
def test_what_it_cannot_judge_raises(statement):
    with pytest.raises(PolicyEvaluationError):
        decide([statement], "s3:GetObject", BUCKET_OBJECT, {"kms:ResourceAliases": ["alias/x"]})


def test_json_documents_are_accepted():
    import json

    assert evaluate([json.dumps(policy(allow("s3:GetObject")))], Request("s3:GetObject", BUCKET_OBJECT)).allowed


# -------------------------------------------------------------------- the service authorization reference
def test_calls_on_resources_of_the_actions_resource_types_agree_with_the_reference():
    assert call_problem("s3:GetObject", BUCKET_OBJECT) is None
    assert call_problem("ecs:TagResource", "arn:aws:ecs:eu-west-1:1:task-definition/app:3") is None
    assert call_problem("ecr:GetAuthorizationToken", "*") is None
    assert (
        matching_resource_type("ecs:RegisterTaskDefinition", "arn:aws:ecs:eu-west-1:1:task-definition/app:3")
        == "task-definition"
    )


@pytest.mark.parametrize(
    "action, resource, complaint",
    [
        ("s3:GetObjects", BUCKET_OBJECT, "no such action"),
        ("s3:GetObject", "arn:aws:s3:::bucket", "has the form of none"),  # a bucket is no object
        ("s3:GetBucketLocation", BUCKET_OBJECT, "has the form of none"),  # an object is no bucket
        ("ecs:RegisterTaskDefinition", "*", "has resource types"),  # authorized on the task definition
        ("ec2:DescribeSubnets", "arn:aws:ec2:eu-west-1:1:subnet/subnet-1", "has the form of none"),
    ],
)
def test_calls_the_reference_contradicts_are_reported(action, resource, complaint):
    assert complaint in (call_problem(action, resource) or "")


def test_reviewed_exceptions_are_accepted_and_only_for_their_resource():
    group = "arn:aws:codedeploy:eu-west-1:1:deploymentgroup:app/app"
    assert call_problem("codedeploy:PutLifecycleEventHookExecutionStatus", group) is None
    assert (
        call_problem(
            "codedeploy:PutLifecycleEventHookExecutionStatus", "arn:aws:codedeploy:eu-west-1:1:application:app"
        )
        is not None
    )
