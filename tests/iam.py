"""Walk every IAM policy document in a plan: inline, managed, role-embedded, and trust policies."""

from __future__ import annotations

import json
from collections.abc import Iterator

POLICY_ATTRIBUTES = {
    "aws_iam_policy": "policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def permission_statements(plan) -> Iterator[tuple[str, dict]]:
    """(resource address, statement) for every identity policy statement in the plan."""
    for resource in plan.resources:
        documents = []
        attribute = POLICY_ATTRIBUTES.get(resource["type"])
        if attribute:
            documents.append(resource["values"].get(attribute))
        if resource["type"] == "aws_iam_role":
            documents += [inline.get("policy") for inline in resource["values"].get("inline_policy") or []]
        for document in documents:
            assert document, f"{resource['address']}: policy unknown at plan time (use deterministic ARNs)"
            for statement in as_list(json.loads(document)["Statement"]):
                yield resource["address"], statement


def trust_statements(plan) -> Iterator[tuple[str, dict]]:
    for role in plan.of_type("aws_iam_role"):
        document = role["values"]["assume_role_policy"]
        assert document, f"{role['address']}: trust policy unknown at plan time"
        for statement in as_list(json.loads(document)["Statement"]):
            yield role["address"], statement
