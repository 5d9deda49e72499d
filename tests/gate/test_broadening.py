"""Permission broadening on small plan documents: added actions, wider resources, removed
conditions or Denies and opened ports/CIDRs are reported; reordering and narrowing are not."""

from __future__ import annotations

import json

from tooling.gate import broadening
from tooling.gate import runner as gate


def plan(*resources: dict) -> dict:
    return {
        "planned_values": {"root_module": {"resources": list(resources)}},
        "resource_changes": [],
        "configuration": {"root_module": {"resources": []}},
    }


def role_policy(*statements: dict, role: str = "app-task") -> dict:
    return {
        "address": "aws_iam_role_policy.p",
        "type": "aws_iam_role_policy",
        "mode": "managed",
        "values": {"role": role, "policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})},
    }


def allow(actions, resources="arn:aws:s3:::bucket/*", **extra) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def ingress(cidr: str, from_port: int = 443, to_port: int = 443, protocol: str = "tcp") -> dict:
    rule_type = "aws_vpc_security_group_ingress_rule"
    return {
        "address": f"{rule_type}.r{from_port}",
        "type": rule_type,
        "mode": "managed",
        "values": {
            "security_group_id": "sg-1",
            "cidr_ipv4": cidr,
            "from_port": from_port,
            "to_port": to_port,
            "ip_protocol": protocol,
        },
    }


def found(before: dict, after: dict) -> list[str]:
    return [item.description for item in broadening.compare("s", before, after)]


def test_adding_an_action_is_reported():
    reported = found(
        plan(role_policy(allow("s3:GetObject"))), plan(role_policy(allow(["s3:GetObject", "s3:PutObject"])))
    )
    assert reported == ["role/app-task: Allow s3:putobject on arn:aws:s3:::bucket/*"]


def test_reordering_and_splitting_statements_is_not_broadening():
    before = plan(role_policy(allow(["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"])))
    after = plan(
        role_policy(
            allow("s3:PutObject", ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*"]),
            allow(["s3:GetObject"], "arn:aws:s3:::a/*"),
            allow("s3:getobject", "arn:aws:s3:::b/*"),
        )
    )
    assert found(before, after) == []


def test_widening_a_resource_is_reported_narrowing_is_not():
    narrow, wide = (
        plan(role_policy(allow("s3:GetObject", "arn:aws:s3:::bucket/app/*"))),
        plan(role_policy(allow("s3:GetObject", "arn:aws:s3:::bucket/*"))),
    )
    assert found(narrow, wide) == ["role/app-task: Allow s3:getobject on arn:aws:s3:::bucket/*"]
    assert found(wide, narrow) == []


def test_wildcard_action_covers_and_is_covered():
    assert found(plan(role_policy(allow("s3:Get*"))), plan(role_policy(allow("s3:GetObject")))) == []
    assert found(plan(role_policy(allow("s3:GetObject"))), plan(role_policy(allow("s3:*")))) == [
        "role/app-task: Allow s3:* on arn:aws:s3:::bucket/*"
    ]


def test_removing_a_condition_is_reported_adding_one_is_not():
    conditioned = plan(
        role_policy(
            allow("kms:Decrypt", "*", Condition={"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}})
        )
    )
    bare = plan(role_policy(allow("kms:Decrypt", "*")))
    assert len(found(conditioned, bare)) == 1
    assert found(bare, conditioned) == []
    wider_values = plan(
        role_policy(
            allow(
                "kms:Decrypt",
                "*",
                Condition={
                    "StringEquals": {"kms:ViaService": ["s3.eu-west-1.amazonaws.com", "sns.eu-west-1.amazonaws.com"]}
                },
            )
        )
    )
    assert len(found(conditioned, wider_values)) == 1, "a condition allowing more values is broader"


def test_removing_a_deny_is_reported():
    deny = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::bucket/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }

    def bucket(*statements):
        return {
            "address": "aws_s3_bucket_policy.b",
            "type": "aws_s3_bucket_policy",
            "mode": "managed",
            "values": {"bucket": "bucket", "policy": json.dumps({"Statement": list(statements)})},
        }

    assert found(plan(bucket(deny)), plan(bucket())) == [
        "removed: bucket/bucket: Deny s3:* on arn:aws:s3:::bucket/* when Bool aws:securetransport ['false']"
    ]
    assert found(plan(bucket()), plan(bucket(deny))) == []


def test_trust_policy_principal_added_is_reported():
    def role(*services):
        return {
            "address": "aws_iam_role.r",
            "type": "aws_iam_role",
            "mode": "managed",
            "values": {
                "name": "deployer",
                "assume_role_policy": json.dumps(
                    {
                        "Statement": [
                            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": list(services)}}
                        ]
                    }
                ),
            },
        }

    assert found(plan(role("codebuild.amazonaws.com")), plan(role("codebuild.amazonaws.com", "ec2.amazonaws.com"))) == [
        "role/deployer: Allow sts:assumerole for Service:ec2.amazonaws.com"
    ]


def test_opening_a_cidr_or_port_is_reported_narrowing_is_not():
    assert found(plan(ingress("10.0.0.0/8")), plan(ingress("0.0.0.0/0"))) == [
        "opens security group sg-1: ingress tcp port 443 from 0.0.0.0/0"
    ]
    assert found(plan(ingress("10.0.0.0/8")), plan(ingress("10.1.0.0/16"))) == []
    assert found(plan(ingress("10.0.0.0/8")), plan(ingress("10.0.0.0/8", 0, 65535, "-1"))) == [
        "opens security group sg-1: ingress all protocols all ports from 10.0.0.0/8"
    ]


def test_inline_security_group_rules_are_compared():
    def group(cidrs):
        return {
            "address": "aws_security_group.g",
            "type": "aws_security_group",
            "mode": "managed",
            "values": {
                "name": "alb",
                "ingress": [{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": cidrs}],
                "egress": [],
            },
        }

    assert found(plan(group(["10.0.0.0/8"])), plan(group(["10.0.0.0/8", "192.168.0.0/16"]))) == [
        "opens security group alb: ingress tcp port 80 from 192.168.0.0/16"
    ]


def test_new_stack_reports_everything_and_acknowledgement_is_by_fingerprint(tmp_path):
    current = plan(role_policy(allow("s3:GetObject")))
    items = broadening.compare("s", None, current)
    assert len(items) == 1
    (tmp_path / "base").mkdir()
    path = tmp_path / "s.json"
    path.write_text(json.dumps(current))
    ack = tmp_path / "accept-broadening"
    assert [b["acknowledged"] for b in gate.check_broadening(tmp_path / "base", {"s": path}, False, ack)] == [False]
    ack.write_text(f"# reviewed by the platform team\n{items[0].fingerprint}  # s3 read\n")
    assert [b["acknowledged"] for b in gate.check_broadening(tmp_path / "base", {"s": path}, False, ack)] == [True]
    accept_all = gate.check_broadening(tmp_path / "base", {"s": path}, True, tmp_path / "x")
    assert [b["acknowledged"] for b in accept_all] == [True]


# Cross-account grants: a key, bucket or repository policy grants another account's named roles by naming the
# account and narrowing it with aws:PrincipalArn (stacks/delivery.py); each named role counts as a principal.
OTHER_ROOT = "arn:aws:iam::555555555555:root"
DEPLOY = "arn:aws:iam::555555555555:role/acme-prod-pipeline-deploy"
CODEDEPLOY = "arn:aws:iam::555555555555:role/acme-prod-app-codedeploy"


def key_policy(*statements: dict) -> dict:
    return {
        "address": "aws_kms_key.k",
        "type": "aws_kms_key",
        "mode": "managed",
        "values": {"description": "delivery", "policy": json.dumps({"Statement": list(statements)})},
    }


def grant(roles: list[str] | None, principal: str = OTHER_ROOT) -> dict:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:Decrypt", "Resource": "*"}
    return {**statement, "Condition": {"ArnEquals": {"aws:PrincipalArn": roles}}} if roles else statement


def test_a_role_added_to_a_cross_account_grant_is_reported_by_name():
    assert found(plan(key_policy(grant([DEPLOY]))), plan(key_policy(grant([DEPLOY, CODEDEPLOY])))) == [
        f"key/delivery: Allow kms:decrypt on * for AWS:{CODEDEPLOY}"
    ]
    assert found(plan(key_policy(grant([DEPLOY, CODEDEPLOY]))), plan(key_policy(grant([DEPLOY])))) == []


def test_dropping_the_named_roles_of_a_cross_account_grant_is_reported_narrowing_to_them_is_not():
    named, whole_account = plan(key_policy(grant([DEPLOY]))), plan(key_policy(grant(None)))
    assert found(named, whole_account) == [f"key/delivery: Allow kms:decrypt on * for AWS:{OTHER_ROOT}"]
    assert found(whole_account, named) == []


def test_a_grant_to_a_new_account_is_reported():
    other = "arn:aws:iam::444444444444:role/acme-stg-pipeline-deploy"
    reported = found(
        plan(key_policy(grant([DEPLOY]))),
        plan(key_policy(grant([DEPLOY]), grant([other], "arn:aws:iam::444444444444:root"))),
    )
    assert reported == [f"key/delivery: Allow kms:decrypt on * for AWS:{other}"]


def test_a_wildcard_role_pattern_is_not_taken_for_named_roles():
    pattern = "arn:aws:iam::555555555555:role/*"
    assert found(plan(key_policy(grant([DEPLOY]))), plan(key_policy(grant([pattern])))) == [
        f"key/delivery: Allow kms:decrypt on * for AWS:{OTHER_ROOT} when ArnEquals aws:principalarn ['{pattern}']"
    ]
