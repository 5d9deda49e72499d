"""Every security group rule of every plan has a source the plan can vouch for: a known CIDR or prefix
list, a security group, or (known only after apply) a NAT gateway's Elastic IP of the same stack."""

from __future__ import annotations

import copy

from tests.plan.rule_sources import nat_eips, rules, source
from tooling.harness.planjson import Plan


def test_every_rule_source_is_known_or_a_nat_address_of_the_same_stack(plans):
    for name, plan in plans.items():
        for rule in rules(plan):
            assert source(plan, rule).kind != "unknown", f"{name}: {rule['address']}: {source(plan, rule)}"


def _first_nat_rule_from(plan: Plan, eip: str, template: str = "${%s.public_ip}/32") -> Plan:
    """A copy of a plan whose first NAT-sourced rule takes its CIDR from `eip` instead."""
    broken = Plan(copy.deepcopy(plan.document), plan.stack)
    rule = next(r for r in rules(broken) if source(broken, r).kind == "nat_eip")
    for resource in broken.configuration_resources():
        if resource["address"] == rule["address"]:
            resource["expressions"]["cidr_ipv4"] = {
                "constant_value": template % eip,
                "references": [f"{eip}.public_ip", eip],
            }
    return broken


def test_only_a_host_address_of_a_nat_of_the_same_stack_is_a_nat_source(plans):
    plan = plans["prod-service"]
    assert {source(plan, r).kind for r in rules(plan)} == {"nat_eip", "cidr", "security_group"}
    another_nat = sorted(nat_eips(plan))[-1]
    kinds = {source(p, r).kind for p in [_first_nat_rule_from(plan, another_nat)] for r in rules(p)}
    assert "unknown" not in kinds
    for broken in (
        _first_nat_rule_from(plan, "aws_eip.not_a_nat"),
        _first_nat_rule_from(plan, "aws_instance.bastion"),
        _first_nat_rule_from(plan, another_nat, "${%s.public_ip}/24"),
    ):
        assert "unknown" in {source(broken, r).kind for r in rules(broken)}
