"""Names and ARNs come from one place: `envconfig/account.py` spells every ARN (and picks the partition
from the region), `envconfig/naming.py` names every resource. Nowhere else writes `arn:aws:`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from envconfig.account import Account, partition_of

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("envconfig", "modules", "release", "stacks", "tooling")
ARN_SPELLING = Path("envconfig/account.py")
LITERAL = re.compile(r"arn:aws(-[a-z-]+)?:")


def code_files() -> list[Path]:
    return sorted(path.relative_to(ROOT) for folder in CODE_DIRS for path in (ROOT / folder).rglob("*.py"))


def arn_literals(source: str) -> list[tuple[int, str]]:
    """String constants (f-string parts included) that spell an ARN; docstrings are prose, not code."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and LITERAL.search(node.value)
    ]


def test_no_arn_literal_outside_the_account_context():
    offenders = [
        f"{path}:{line}: {text!r}"
        for path in code_files()
        if path != ARN_SPELLING
        for line, text in arn_literals((ROOT / path).read_text())
    ]
    assert not offenders, "build ARNs with envconfig.account.Account or envconfig.naming:\n" + "\n".join(offenders)


def test_the_scan_sees_literals_and_skips_prose():
    code = (
        'def f(bucket):\n    """e.g. arn:aws:s3:::b"""\n'
        '    return f"arn:aws:s3:::{bucket}", "arn:aws-cn:iam::aws:policy/X"\n'
    )
    assert [line for line, _ in arn_literals(code)] == [3, 3]
    assert not arn_literals('PATTERN = r"arn:aws[a-z-]*:iam::\\d{12}:role/.+"\n')  # validation, not an ARN


@pytest.mark.parametrize(
    ("region", "partition", "suffix"),
    [
        ("eu-west-1", "aws", "amazonaws.com"),
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
        ("us-iso-east-1", "aws-iso", "amazonaws.com"),
        ("us-isob-east-1", "aws-iso-b", "amazonaws.com"),
    ],
)
def test_the_partition_follows_the_region(region, partition, suffix):
    account = Account("123456789012", region)
    assert partition_of(region) == partition and account.dns_suffix == suffix
    assert account.arn("ecs", "cluster/c") == f"arn:{partition}:ecs:{region}:123456789012:cluster/c"
    assert account.bucket_arn("b", "k/*") == f"arn:{partition}:s3:::b/k/*"
    assert account.managed_policy_arn("P") == f"arn:{partition}:iam::aws:policy/P"
    assert account.role_arn("r") == f"arn:{partition}:iam::123456789012:role/r"
