"""Where a planned security group rule lets traffic come from (or go to), including the sources the plan
only knows after apply: a CIDR built from a NAT gateway's Elastic IP is read from the configuration's
references instead of being skipped."""

from __future__ import annotations

from dataclasses import dataclass

RULE_TYPES = ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")


@dataclass(frozen=True)
class Source:
    kind: str  # cidr | cidr_ipv6 | prefix_list | security_group | nat_eip | unknown
    value: str  # the CIDR or prefix list, the security group or EIP address, or what the unknown value references


def rules(plan) -> list[dict]:
    return [rule for rule_type in RULE_TYPES for rule in plan.of_type(rule_type)]


def nat_eips(plan) -> set[str]:
    """The Elastic IPs (resource addresses) the stack's NAT gateways use."""
    return {
        ref
        for nat in plan.of_type("aws_nat_gateway")
        for ref in plan.references(nat["address"], "allocation_id")
        if ref.startswith("aws_eip.") and ref.count(".") == 1
    }


def referenced_resource(references: list[str]) -> str:
    """`aws_x.name` out of Terraform's references [`aws_x.name.attribute`, `aws_x.name`]."""
    return min(references, key=len) if references else ""


def source(plan, rule: dict) -> Source:
    """The one source (or destination) of a rule. A CIDR unknown until apply is a NAT source only when it is
    exactly `${aws_eip.<a NAT gateway's EIP in this stack>.public_ip}/32`."""
    values, address = rule["values"], rule["address"]
    for key, kind in (("cidr_ipv4", "cidr"), ("cidr_ipv6", "cidr_ipv6"), ("prefix_list_id", "prefix_list")):
        if values.get(key):
            return Source(kind, values[key])
    if values.get("referenced_security_group_id") or plan.unknown_after_apply(address, "referenced_security_group_id"):
        return Source("security_group", referenced_resource(plan.references(address, "referenced_security_group_id")))
    if plan.unknown_after_apply(address, "cidr_ipv4"):
        expression = plan.expression(address, "cidr_ipv4") or {}
        eip = referenced_resource(expression.get("references", []))
        if (
            eip in nat_eips(plan)
            and expression.get("references") == [f"{eip}.public_ip", eip]
            and expression.get("constant_value") == f"${{{eip}.public_ip}}/32"
        ):
            return Source("nat_eip", eip)
        return Source("unknown", str(expression))
    return Source("unknown", "no source")
