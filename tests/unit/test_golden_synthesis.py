"""Refactoring never changes what is deployed: every stack synthesizes to its golden JSON, except
where a difference is intended and listed here with its reason."""

from __future__ import annotations

import pytest

from tests.golden import golden_stacks

# (stack, JSON path prefix) -> why the synthesis differs from the golden one on purpose.
# Emptied whenever the golden files are refreshed (python -m tests.golden.refresh).
INTENDED_DIFFERENCES: dict[tuple[str, str], str] = {}


def differences(golden, current, path: str = "") -> list[str]:
    """Leaf paths (/a/b/0) where two JSON documents differ."""
    if isinstance(golden, dict) and isinstance(current, dict):
        return [
            found
            for key in sorted(set(golden) | set(current))
            for found in differences(golden.get(key), current.get(key), f"{path}/{key}")
        ]
    if isinstance(golden, list) and isinstance(current, list) and len(golden) == len(current):
        return [
            found
            for index, pair in enumerate(zip(golden, current, strict=True))
            for found in differences(*pair, f"{path}/{index}")
        ]
    return [] if golden == current else [path or "/"]


def test_differences_finds_changed_added_and_removed_leaves():
    assert differences({"a": {"b": 1, "c": [1, 2]}}, {"a": {"b": 2, "c": [1, 2], "d": 0}}) == ["/a/b", "/a/d"]
    assert differences({"a": [1]}, {"a": [1, 2]}) == ["/a"]
    assert differences({"a": 1}, {"a": 1}) == []


def test_every_stack_has_a_golden_synthesis(synthesis):
    assert set(synthesis.stacks) == set(golden_stacks())


@pytest.mark.parametrize("stack", sorted(golden_stacks()))
def test_synthesis_equals_golden_except_intended(stack, stack_config):
    intended = [prefix for (name, prefix) in INTENDED_DIFFERENCES if name == stack]
    unexpected = [
        path
        for path in differences(golden_stacks()[stack], stack_config[stack])
        if not any(path == prefix or path.startswith(prefix + "/") for prefix in intended)
    ]
    assert not unexpected, f"{stack}: synthesis changed at {unexpected[:10]} (intended? list it, with the reason)"
