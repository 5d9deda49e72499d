"""Reference data that the app, the checkov policies and the tests all read.

Plain JSON next to this file: checkov runs the policies in its own environment and reads these files
by path (`policies/dlp_base.py`), the app and the tests through the functions here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent


@cache
def wildcard_resource_actions() -> dict[str, str]:
    """Actions allowed on `"Resource": "*"`, each with the reason AWS leaves no narrower resource."""
    return json.loads((REFERENCE_DIR / "wildcard_resource_actions.json").read_text())["actions"]


@cache
def resource_naming_conditions() -> dict[tuple[str, str], str]:
    """(service, resource type) -> the condition key that designates its resources when the ARN cannot."""
    entries = json.loads((REFERENCE_DIR / "resource_naming_conditions.json").read_text())["types"]
    return {(entry["service"], entry["resource_type"]): entry["condition_key"] for entry in entries}
