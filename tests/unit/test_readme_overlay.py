"""The README lists every emulator overlay item with the gap it works around."""

from __future__ import annotations

from tooling.emulator.overlay import markdown
from tooling.harness.synth import ROOT


def test_readme_overlay_table_is_the_overlay():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- emulator-overlay:begin -->")[1].split("<!-- emulator-overlay:end -->")[0]
    assert section.strip() == markdown().strip(), (
        "README overlay table is stale: paste `python -m tooling.emulator.overlay`"
    )
