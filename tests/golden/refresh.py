"""Record the current synthesis as the golden one, after an intended change has been reviewed:
`.venv/bin/python -m tests.golden.refresh` (then empty INTENDED_DIFFERENCES in the test)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from envconfig.loader import load_environments
from tests.golden import write_golden
from tooling.harness.synth import synthesize

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as outdir:
        synthesis = synthesize(load_environments(), outdir=Path(outdir))
        write_golden({name: synthesis.config(name) for name in synthesis.stacks})
        print(f"recorded {len(synthesis.stacks)} stacks")
