"""The plan's IAM statements for the least-privilege tests: every policy must be known at plan time."""

from __future__ import annotations

from collections.abc import Iterator

from tooling.harness.planjson import Plan


def _statements(plan: Plan, kind: str) -> Iterator[tuple[str, dict]]:
    for policy in plan.policies(kind):
        assert policy.value and policy.statements is not None, (
            f"{policy.address}: {policy.attribute} unknown at plan time (use deterministic ARNs)"
        )
        for statement in policy.statements:
            yield policy.address, statement


def permission_statements(plan: Plan) -> Iterator[tuple[str, dict]]:
    """(resource address, statement) for every identity policy statement (inline ones too)."""
    return _statements(plan, "identity")


def trust_statements(plan: Plan) -> Iterator[tuple[str, dict]]:
    """(role address, statement) for every trust policy statement."""
    return _statements(plan, "trust")
