"""`make deploy [ENV=dev]`: synthesize every environment, then apply every AWS stack of $ENV (default dev), in
dependency order, to the local AWS emulator (left running; `make destroy` tears down), or with
PLATFORM_TARGET=aws to AWS through the stacks' real backends. See tooling/deploy/rollout.py.
"""

from __future__ import annotations

import os
import sys

from tooling.deploy.rollout import deploy
from tooling.harness.synth import load_or_exit, synthesize

DEFAULT_ENVIRONMENT = "dev"


def main() -> int:
    catalog = load_or_exit(None)
    name = os.environ.get("ENV") or DEFAULT_ENVIRONMENT
    if name not in catalog.by_name:
        print(
            f"error: ENV={name}: no environments/{name}.hcl (have: {', '.join(sorted(catalog.by_name))})",
            file=sys.stderr,
        )
        return 2
    synthesis = synthesize(catalog)
    print(
        f"synthesized {len(synthesis.stacks)} stacks of {len(catalog.selected)} environments "
        f"in {synthesis.seconds:.1f}s: {', '.join(sorted(synthesis.stacks))}"
    )
    return deploy(catalog.by_name[name], synthesis)


if __name__ == "__main__":
    sys.exit(main())
