"""Lambda code assets are packaged from source files only: a bytecode cache written by a test run must not change
the asset (its hash would change the plan and the function without a code change)."""

from __future__ import annotations

from modules.cdk.assets import staged_sources


def test_bytecode_caches_are_not_packaged_and_do_not_change_the_staged_copy(tmp_path):
    code = tmp_path / "hook_code"
    code.mkdir()
    (code / "validate.py").write_text("def handler(event, context):\n    return None\n")
    clean = staged_sources(code)
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "validate.cpython-311.pyc").write_bytes(b"\x00bytecode")
    (code / "stray.pyc").write_bytes(b"\x00bytecode")
    with_cache = staged_sources(code)
    assert with_cache == clean
    assert sorted(p.name for p in with_cache.rglob("*")) == ["validate.py"]


def test_a_source_change_is_a_new_staged_copy(tmp_path):
    code = tmp_path / "hook_code"
    code.mkdir()
    (code / "validate.py").write_text("A = 1\n")
    before = staged_sources(code)
    (code / "validate.py").write_text("A = 2\n")
    after = staged_sources(code)
    assert after != before and (after / "validate.py").read_text() == "A = 2\n"
