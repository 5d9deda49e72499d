"""Each policy file declares exactly one unique ID in the project namespace, a name and a docstring."""

from __future__ import annotations

import re
from collections import Counter

from tests.policies.conftest import POLICIES_DIR, policy_metadata

ID_PATTERN = re.compile(r"^CKV2?_DLP_\d+$")


def test_policy_files_have_unique_ids_names_and_docstrings():
    entries = policy_metadata()
    assert len(entries) >= 20, f"expected the project's policies in {POLICIES_DIR}, found {len(entries)}"
    counts = Counter(entry["id"] for entry in entries)
    for entry in entries:
        where = entry["path"].name
        assert entry["id"] and ID_PATTERN.match(entry["id"]), f"{where}: ID {entry['id']!r} not CKV_DLP_n/CKV2_DLP_n"
        assert counts[entry["id"]] == 1, f"{where}: ID {entry['id']} is used {counts[entry['id']]} times"
        assert entry["name"] and len(entry["name"]) > 15, f"{where}: {entry['id']} has no descriptive name"
        assert entry["doc"] and "Why" in entry["doc"], f"{where}: {entry['id']} has no docstring explaining why"
        assert entry["class_doc"], f"{where}: {entry['id']} class has no docstring"
        yaml_policy = where.endswith((".yaml", ".yml", ".json"))
        assert entry["id"].startswith("CKV2_") == yaml_policy, f"{where}: use CKV2_DLP_ for graph (YAML) policies only"


def test_one_policy_per_file():
    per_file = Counter(entry["path"].name for entry in policy_metadata())
    assert all(count == 1 for count in per_file.values()), per_file


def test_policy_folder_holds_only_policies_and_shared_modules():
    # checkov reads every .json/.yaml here as a policy and executes every .py
    allowed_support = {"__init__.py", "dlp_base.py"}
    policy_files = {entry["path"].name for entry in policy_metadata()}
    for path in POLICIES_DIR.iterdir():
        if path.is_file():
            assert path.name in allowed_support | policy_files, f"unexpected file in policies/: {path.name}"


def test_wildcard_allow_list_is_plain_data_with_reasons():
    from reference import wildcard_resource_actions

    assert wildcard_resource_actions()
    for action, reason in wildcard_resource_actions().items():
        assert re.match(r"^[a-z0-9-]+:[A-Za-z0-9]+$", action), f"{action}: must be one exact action, no wildcard"
        assert isinstance(reason, str) and reason.strip(), f"{action}: needs a reason"
