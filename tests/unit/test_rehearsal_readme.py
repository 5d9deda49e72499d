"""The README's table of rehearsal steps (emulator-served or project-orchestrated, with the AWS page each
follows) is the one tooling/rehearsal/steps.py holds, and every step the rehearsal names is in it."""

from __future__ import annotations

import re

from tooling.harness.synth import ROOT
from tooling.rehearsal.steps import BY_KEY, EMULATOR, PROJECT, STEPS, markdown


def test_readme_rehearsal_table_is_the_steps_data():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- rehearsal-steps:begin -->")[1].split("<!-- rehearsal-steps:end -->")[0]
    assert section.strip() == markdown().strip(), (
        "README rehearsal table is stale: paste `python -m tooling.rehearsal.steps`"
    )


def test_every_step_the_code_names_is_in_the_table():
    code = "\n".join(p.read_text() for p in (ROOT / "tooling" / "rehearsal").glob("*.py"))
    named = set(re.findall(r'doc\("(\w+)"\)', code))
    assert named and named <= set(BY_KEY), named - set(BY_KEY)
    assert {kind.served for kind in STEPS} <= {EMULATOR, PROJECT}
    assert all(kind.doc.startswith("https://docs.aws.amazon.com/") for kind in STEPS)
