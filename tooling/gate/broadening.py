"""Permission broadening: what a plan grants or opens that its baseline plan did not.

AWS CDK's `--require-approval broadening` for Terraform plans. From each plan JSON (`terraform show
-json`, read by tooling.harness.planjson) this takes the resolved IAM statements (identity policies,
inline role policies, trust policies, KMS key, S3 bucket, SNS topic, SQS queue and ECR repository
policies, managed-policy attachments) and security-group rules (aws_vpc_security_group_ingress_rule
/ egress_rule, aws_security_group_rule, aws_security_group inline blocks), splits them into atoms —
one (owner, effect, principal, action, resource, condition) per combination, one (group, direction,
protocol, ports, peer) per rule and peer — and reports:

- every Allow atom of the plan that no Allow atom of the baseline covers (same owner and principal,
  an action/resource pattern that matches, conditions no stricter);
- every Deny atom of the baseline that no Deny of the plan still covers (removing a Deny broadens);
- every security-group atom the baseline did not already allow (a wider port range, a wider CIDR,
  a new peer, protocol "-1");
- every policy attachment that is new, and every policy whose value is unknown until apply (it
  cannot be proven not to broaden).

Reordering, splitting or merging statements and lists is not broadening; removing permissions,
adding conditions and narrowing resources, ports or CIDRs is not reported.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import ipaddress
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tooling.harness.planjson import Plan, as_list, load_documents

# resource type -> (owner prefix, attributes naming the owner); planjson says where the policy is and its kind
OWNERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws_iam_role": ("role", ("name",)),
    "aws_iam_role_policy": ("role", ("role",)),
    "aws_iam_policy": ("policy", ("name", "name_prefix")),
    "aws_iam_user_policy": ("user", ("user",)),
    "aws_iam_group_policy": ("group", ("group",)),
    "aws_kms_key": ("key", ("description",)),
    "aws_kms_key_policy": ("key", ("key_id",)),
    "aws_s3_bucket_policy": ("bucket", ("bucket",)),
    "aws_sns_topic": ("topic", ("name",)),
    "aws_sns_topic_policy": ("topic", ("arn",)),
    "aws_sqs_queue_policy": ("queue", ("queue_url",)),
    "aws_ecr_repository_policy": ("repository", ("repository",)),
    "aws_ecr_registry_policy": ("registry", ()),
    "aws_secretsmanager_secret_policy": ("secret", ("secret_arn",)),
}
ATTACHMENTS: dict[str, tuple[str, str]] = {  # type -> (holder attribute, policy attribute)
    "aws_iam_role_policy_attachment": ("role", "policy_arn"),
    "aws_iam_user_policy_attachment": ("user", "policy_arn"),
    "aws_iam_group_policy_attachment": ("group", "policy_arn"),
    "aws_iam_policy_attachment": ("name", "policy_arn"),
}
SG_RULE_TYPES = ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")


@dataclass(frozen=True)
class PermissionAtom:
    """One action on one resource for one principal, with its full condition."""

    owner: str  # who holds the policy: role/<name>, policy/<name>, bucket/<name>, key/<description>, ...
    kind: str  # identity | trust | resource
    effect: str  # Allow | Deny
    principal: str  # "" for identity policies, else "<type>:<id>" ("AWS:*", "Service:ecs.amazonaws.com")
    action: str  # lower-cased; "NOT:<actions>" for NotAction
    resource: str  # "" when the policy has none (trust policies); "NOT:<resources>" for NotResource
    condition: tuple = ()  # ((operator, key, (values...)), ...) sorted


@dataclass(frozen=True)
class RuleAtom:
    """One security-group permission: a direction, a protocol, a port range and one peer."""

    group: str
    direction: str  # ingress | egress
    protocol: str  # "tcp", "udp", "icmp", "-1" (all)
    from_port: int
    to_port: int
    peer: str  # CIDR, "pl:<prefix list>", "sg:<group>", "self"


@dataclass
class Broadening:
    stack: str
    category: str  # permission | removed-deny | attachment | unknown-policy | network
    source: str  # resource address in the plan
    description: str
    atom: dict = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """Stable id of what broadened, for the acknowledgement file."""
        text = json.dumps([self.stack, self.category, self.atom or self.description], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def as_dict(self) -> dict:
        return {**asdict(self), "fingerprint": self.fingerprint}


# ---------------------------------------------------------------------------- reading a plan
def _owner(plan: Plan, resource: dict) -> str:
    prefix, attributes = OWNERS[resource["type"]]
    values = resource.get("values") or {}
    for attribute in attributes:
        if isinstance(values.get(attribute), str) and values[attribute]:
            return f"{prefix}/{values[attribute]}"
    for attribute in attributes:  # unknown until apply: name the resource it refers to
        name = _referenced_name(plan, resource["address"], attribute)
        if name:
            return f"{prefix}/{name}"
    return resource["address"]


def _canonical_condition(condition: Any) -> tuple:
    atoms = []
    if isinstance(condition, dict):
        for operator, keys in condition.items():
            if isinstance(keys, dict):
                for key, values in keys.items():
                    atoms.append((str(operator), str(key).lower(), tuple(sorted(str(v) for v in as_list(values)))))
    return tuple(sorted(atoms))


def _principals(statement: dict) -> list[str]:
    if "NotPrincipal" in statement:
        raw = statement["NotPrincipal"]
        if raw == "*":
            return ["NOT:*"]
        return [f"NOT:{kind}:{value}" for kind, values in sorted(raw.items()) for value in as_list(values)]
    raw = statement.get("Principal")
    if raw is None:
        return [""]
    if raw == "*":
        return ["AWS:*"]
    if isinstance(raw, dict):
        return [f"{kind}:{value}" for kind, values in sorted(raw.items()) for value in as_list(values)]
    return [f"AWS:{raw}"]


def statement_atoms(owner: str, kind: str, statement: dict) -> list[PermissionAtom]:
    """Expand one statement into atoms: Action x Resource x Principal."""
    effect = "Deny" if str(statement.get("Effect", "Allow")).lower() == "deny" else "Allow"
    if "NotAction" in statement:
        actions = ["NOT:" + ",".join(sorted(str(a).lower() for a in as_list(statement["NotAction"])))]
    else:
        actions = sorted({str(a).lower() for a in as_list(statement.get("Action"))})
    if "NotResource" in statement:
        resources = ["NOT:" + ",".join(sorted(str(r) for r in as_list(statement["NotResource"])))]
    else:
        resources = sorted({str(r) for r in as_list(statement.get("Resource"))}) or [""]
    condition = _canonical_condition(statement.get("Condition"))
    principals = _principals(statement)
    named = _named_principals(principals, condition) if effect == "Allow" else ()
    if named:  # an account narrowed to named roles grants each of them: one atom per role, as if it were the principal
        principals = [f"AWS:{arn}" for arn in named]
        condition = tuple(atom for atom in condition if atom[1] != PRINCIPAL_ARN)
    return [
        PermissionAtom(owner, kind, effect, principal, action, resource, condition)
        for principal in principals
        for action in actions
        for resource in resources
    ]


PRINCIPAL_ARN = "aws:principalarn"
_ACCOUNT_ROOT = re.compile(r"^AWS:(arn:[^:]+:iam::(?P<arn>\d{12}):root|(?P<bare>\d{12}))$")


def _account_of_root(principal: str) -> str | None:
    match = _ACCOUNT_ROOT.match(principal)
    return (match["arn"] or match["bare"]) if match else None


def _named_principals(principals: list[str], condition: tuple) -> tuple[str, ...]:
    """The roles an account-root grant is narrowed to (`aws:PrincipalArn`, ArnEquals or StringEquals, literal
    values of the principals' accounts): a resource policy grants another account's named roles this way (they
    need not exist yet). () when the grant is not of that form."""
    accounts = {_account_of_root(principal) for principal in principals}
    named = [values for op, key, values in condition if key == PRINCIPAL_ARN and op in ("ArnEquals", "StringEquals")]
    if None in accounts or len(named) != 1:
        return ()
    values = named[0]
    if any("*" in value or "?" in value or value.split(":")[4:5] not in ([a] for a in accounts) for value in values):
        return ()
    return values


@dataclass
class Permissions:
    atoms: dict[PermissionAtom, str] = field(default_factory=dict)  # atom -> address it came from
    attachments: dict[tuple[str, str], str] = field(default_factory=dict)  # (holder, policy arn) -> address
    unknown: list[str] = field(default_factory=list)  # addresses whose policy is unknown until apply
    rules: dict[RuleAtom, str] = field(default_factory=dict)


def permissions(plan: Plan) -> Permissions:
    """Everything a plan grants or opens, as atoms."""
    found = Permissions()
    for policy in plan.policies():
        statements = policy.statements
        if statements is None:
            if policy.value is not None or plan.unknown_after_apply(policy.address, policy.attribute):
                found.unknown.append(f"{policy.address}.{policy.attribute}")
            continue
        owner = _owner(plan, policy.resource)
        for statement in statements:
            for atom in statement_atoms(owner, policy.kind, statement):
                found.atoms.setdefault(atom, policy.address)
    for resource in plan.managed_resources:
        rtype, address, values = resource["type"], resource["address"], resource.get("values") or {}
        if rtype in ATTACHMENTS:
            holder, policy_attribute = ATTACHMENTS[rtype]
            found.attachments.setdefault((f"{holder}/{values.get(holder)}", str(values.get(policy_attribute))), address)
        for atom in security_group_atoms(plan, resource):
            found.rules.setdefault(atom, address)
    return found


# ---------------------------------------------------------------------------- security groups
def _group_name(plan: Plan, resource: dict, attribute: str = "security_group_id") -> str:
    """The security group a rule belongs to: its id when known, else the referenced group's name."""
    values = resource.get("values") or {}
    if values.get(attribute):
        return str(values[attribute])
    return _referenced_name(plan, resource["address"], attribute) or resource["address"]


_NAME_ATTRIBUTES = ("name", "bucket", "function_name", "description")


def _referenced_name(plan: Plan, address: str, attribute: str) -> str | None:
    """For a value unknown until apply: the name of the resource the configuration wires it to."""
    expression = plan.expression(address, attribute)
    refs = (expression or {}).get("references", [])
    for ref in refs:
        target = plan.managed_resource(ref.rsplit(".", 1)[0]) or plan.managed_resource(ref)
        if target:
            target_values = target.get("values") or {}
            return next((str(target_values[a]) for a in _NAME_ATTRIBUTES if target_values.get(a)), target["address"])
    return refs[-1] if refs else None


def _expression_text(plan: Plan, address: str, attribute: str) -> str:
    expression = plan.expression(address, attribute)
    if expression is None:
        return "(known after apply)"
    return str(expression.get("constant_value") or "${" + ", ".join(expression.get("references", [])) + "}")


def _ports(protocol: str, from_port: Any, to_port: Any) -> tuple[int, int]:
    if protocol in ("-1", "all") or from_port is None:
        return 0, 65535
    return int(from_port), int(to_port if to_port is not None else from_port)


def _protocol(value: Any) -> str:
    text = str(value if value is not None else "-1").lower()
    return {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1"}.get(text, text)


def security_group_atoms(plan: Plan, resource: dict) -> list[RuleAtom]:
    rtype, values = resource["type"], resource.get("values") or {}
    atoms: list[RuleAtom] = []
    if rtype in SG_RULE_TYPES:
        direction = "ingress" if rtype.endswith("ingress_rule") else "egress"
        protocol = _protocol(values.get("ip_protocol"))
        low, high = _ports(protocol, values.get("from_port"), values.get("to_port"))
        peers = []
        for attribute, prefix in (
            ("cidr_ipv4", ""),
            ("cidr_ipv6", ""),
            ("prefix_list_id", "pl:"),
            ("referenced_security_group_id", "sg:"),
        ):
            if values.get(attribute):
                peers.append(f"{prefix}{values[attribute]}")
            elif plan.unknown_after_apply(resource["address"], attribute):  # e.g. a NAT gateway's IP: its expression
                peers.append(
                    f"sg:{_group_name(plan, resource, attribute)}"
                    if prefix == "sg:"
                    else f"{prefix}{_expression_text(plan, resource['address'], attribute)}"
                )
        atoms += [RuleAtom(_group_name(plan, resource), direction, protocol, low, high, peer) for peer in peers]
    elif rtype == "aws_security_group_rule":
        group = _group_name(plan, resource)
        atoms += _inline_rule_atoms(group, str(values.get("type")), values)
    elif rtype == "aws_security_group":
        group = values.get("name") or resource["address"]
        for direction in ("ingress", "egress"):
            for rule in as_list(values.get(direction)):
                if isinstance(rule, dict):
                    atoms += _inline_rule_atoms(group, direction, rule)
    return atoms


def _inline_rule_atoms(group: str, direction: str, rule: dict) -> list[RuleAtom]:
    protocol = _protocol(rule.get("protocol"))
    low, high = _ports(protocol, rule.get("from_port"), rule.get("to_port"))
    peers = [
        *as_list(rule.get("cidr_blocks")),
        *as_list(rule.get("ipv6_cidr_blocks")),
        *(f"pl:{p}" for p in as_list(rule.get("prefix_list_ids"))),
        *(f"sg:{g}" for g in as_list(rule.get("security_groups"))),
        *([f"sg:{rule['source_security_group_id']}"] if rule.get("source_security_group_id") else []),
        *(["self"] if rule.get("self") else []),
    ]
    return [RuleAtom(group, direction, protocol, low, high, str(peer)) for peer in peers]


# ---------------------------------------------------------------------------- coverage
def _matches(pattern: str, value: str, case_insensitive: bool = False) -> bool:
    if case_insensitive:
        pattern, value = pattern.lower(), value.lower()
    return pattern == value or fnmatch.fnmatchcase(value, pattern)


_NEGATED = (
    "StringNotEquals",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NotIpAddress",
    "StringNotEqualsIgnoreCase",
)


def condition_no_stricter(broad: tuple, narrow: tuple) -> bool:
    """True when every condition of `broad` is also enforced (as strictly or more) by `narrow`, i.e.
    `narrow` allows no request that `broad` denies."""
    narrow_by_key = {(op, key): set(values) for op, key, values in narrow}
    for op, key, values in broad:
        other = narrow_by_key.get((op, key))
        if other is None:
            return False
        base = op.split(":")[-1].removesuffix("IfExists")
        if base in _NEGATED:
            if not set(values) <= other:  # a negated test excluding fewer values is looser
                return False
        elif not other <= set(values):  # a positive test allowing more values is looser
            return False
    return True


def covers(broad: PermissionAtom, narrow: PermissionAtom) -> bool:
    """Does `broad` grant (or deny) at least everything `narrow` does?"""
    if (broad.owner, broad.kind, broad.effect) != (narrow.owner, narrow.kind, narrow.effect):
        return False
    root_account = _account_of_root(broad.principal)
    same_account = root_account is not None and narrow.principal.split(":")[5:6] == [root_account]
    if not (_matches(broad.principal, narrow.principal) or same_account):  # an account root covers its roles
        return False
    if broad.action.startswith("NOT:") or narrow.action.startswith("NOT:"):
        if broad.action != narrow.action:
            return False
    elif not _matches(broad.action, narrow.action, case_insensitive=True):
        return False
    if broad.resource.startswith("NOT:") or narrow.resource.startswith("NOT:"):
        if broad.resource != narrow.resource:
            return False
    elif not _matches(broad.resource, narrow.resource):
        return False
    return condition_no_stricter(broad.condition, narrow.condition)


def _peer_within(narrow: str, broad: str) -> bool:
    if narrow == broad:
        return True
    try:
        a, b = ipaddress.ip_network(narrow, strict=False), ipaddress.ip_network(broad, strict=False)
    except ValueError:
        return False
    return a.version == b.version and a.subnet_of(b)


def rule_covers(broad: RuleAtom, narrow: RuleAtom) -> bool:
    return (
        broad.group == narrow.group
        and broad.direction == narrow.direction
        and broad.protocol in ("-1", narrow.protocol)
        and broad.from_port <= narrow.from_port
        and narrow.to_port <= broad.to_port
        and _peer_within(narrow.peer, broad.peer)
    )


# ---------------------------------------------------------------------------- comparing
def describe_atom(atom: PermissionAtom) -> str:
    who = f" for {atom.principal}" if atom.principal else ""
    on = f" on {atom.resource}" if atom.resource else ""
    when = ""
    if atom.condition:
        when = " when " + " and ".join(f"{op} {key} {list(values)}" for op, key, values in atom.condition)
    return f"{atom.owner}: {atom.effect} {atom.action}{on}{who}{when}"


def describe_rule(atom: RuleAtom) -> str:
    ports = (
        "all ports"
        if (atom.from_port, atom.to_port) == (0, 65535)
        else (f"port {atom.from_port}" if atom.from_port == atom.to_port else f"ports {atom.from_port}-{atom.to_port}")
    )
    protocol = "all protocols" if atom.protocol == "-1" else atom.protocol
    way = "from" if atom.direction == "ingress" else "to"
    return f"security group {atom.group}: {atom.direction} {protocol} {ports} {way} {atom.peer}"


def compare(stack: str, baseline: dict | None, current: dict) -> list[Broadening]:
    """What `current` grants or opens beyond `baseline` (None: a new stack, everything is new)."""
    old = permissions(Plan(baseline)) if baseline is not None else Permissions()
    new = permissions(Plan(current))
    found: list[Broadening] = []
    old_allows = [a for a in old.atoms if a.effect == "Allow"]
    new_denies = [a for a in new.atoms if a.effect == "Deny"]
    for atom, address in sorted(new.atoms.items(), key=lambda item: repr(item[0])):
        if atom.effect == "Allow" and not any(covers(o, atom) for o in old_allows):
            found.append(Broadening(stack, "permission", address, describe_atom(atom), _atom_dict(atom)))
    for atom, address in sorted(old.atoms.items(), key=lambda item: repr(item[0])):
        if atom.effect == "Deny" and not any(covers(n, atom) for n in new_denies):
            found.append(
                Broadening(stack, "removed-deny", address, "removed: " + describe_atom(atom), _atom_dict(atom))
            )
    for (holder, policy), address in sorted(new.attachments.items()):
        if (holder, policy) not in old.attachments:
            found.append(
                Broadening(
                    stack,
                    "attachment",
                    address,
                    f"{holder}: attaches {policy}",
                    {"holder": holder, "policy_arn": policy},
                )
            )
    for address in sorted(set(new.unknown) - set(old.unknown)):
        found.append(
            Broadening(
                stack,
                "unknown-policy",
                address,
                f"{address}: policy known only after apply, cannot be compared",
                {"attribute": address},
            )
        )
    for atom, address in sorted(new.rules.items(), key=lambda item: repr(item[0])):
        if not any(rule_covers(o, atom) for o in old.rules):
            found.append(Broadening(stack, "network", address, "opens " + describe_rule(atom), asdict(atom)))
    return found


def _atom_dict(atom: PermissionAtom) -> dict:
    data = asdict(atom)
    data["condition"] = [[op, key, list(values)] for op, key, values in atom.condition]
    return data


def compare_all(baseline: dict[str, dict], current: dict[str, dict]) -> list[Broadening]:
    found: list[Broadening] = []
    for stack in sorted(current):
        found += compare(stack, baseline.get(stack), current[stack])
    return found


def read_acknowledgements(path: Path) -> set[str]:
    """Fingerprints listed in the acknowledgement file (one per line, `#` comments allowed)."""
    if not path.is_file():
        return set()
    return {line.split("#", 1)[0].strip() for line in path.read_text().splitlines()} - {""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Report permissions and network access a plan adds over a baseline.")
    parser.add_argument(
        "baseline", type=Path, help="directory of baseline plan JSON (<stack>.json or <stack>/plan.json)"
    )
    parser.add_argument("current", type=Path, help="directory of current plan JSON")
    args = parser.parse_args(argv)
    found = compare_all(load_documents(args.baseline), load_documents(args.current))
    for item in found:
        print(f"{item.fingerprint}  {item.stack}  {item.description}")
    print(f"{len(found)} broadening change(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
