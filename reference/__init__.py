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
