"""checkov's copy of the wildcard scope rule (policies/dlp_base.py) judges every form as the app's guard does
(modules/shared/statements.py): run in checkov's own interpreter, never imported here."""

from __future__ import annotations

import json
import subprocess

from modules.shared.statements import resource_scope_error
from tests.policies.conftest import POLICIES_DIR, checkov_binary
from tests.policies.wildcard_forms import (
    BROAD_RESOURCES,
    EVERY_KEY,
    KEY_BY_ALIAS,
    KEY_BY_ALIAS_PATTERN,
    SCOPED_RESOURCES,
)

_JUDGE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from dlp_base import resource_scope_error
cases = json.load(sys.stdin)
print(json.dumps([bool(resource_scope_error(resource, {k.lower(): v for k, v in conditions.items()}))
                  for resource, conditions in cases]))
"""


def _flat(conditions: dict) -> dict:
    return {key: values for keys in conditions.values() for key, values in keys.items()}


def test_dlp_base_and_the_statement_guard_agree_on_every_form():
    cases = [(resource, {}) for resource in [*BROAD_RESOURCES.values(), *SCOPED_RESOURCES.values()]]
    cases += [(EVERY_KEY, KEY_BY_ALIAS), (EVERY_KEY, KEY_BY_ALIAS_PATTERN)]
    python = checkov_binary().parent / "python"
    proc = subprocess.run(
        [str(python), "-c", _JUDGE, str(POLICIES_DIR)],
        capture_output=True,
        text=True,
        input=json.dumps([(resource, _flat(conditions)) for resource, conditions in cases]),
        check=True,
        timeout=120,
    )
    checkov_says = json.loads(proc.stdout)
    app_says = [bool(resource_scope_error(resource, conditions)) for resource, conditions in cases]
    expected = [True] * len(BROAD_RESOURCES) + [False] * len(SCOPED_RESOURCES) + [False, True]
    assert app_says == expected
    assert checkov_says == expected, [
        case for case, said, want in zip(cases, checkov_says, expected, strict=True) if said != want
    ]
