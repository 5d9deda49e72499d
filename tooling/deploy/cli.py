"""`make deploy`: synthesize every environment, then apply every AWS stack of dev, in dependency order,
to the local AWS emulator (left running; `make destroy` tears down), or with PLATFORM_TARGET=aws to AWS
through the stacks' real backends. See tooling/deploy/rollout.py.
"""

from __future__ import annotations

import sys

from tooling.deploy.rollout import deploy
from tooling.harness.synth import load_or_exit, synthesize

DEPLOY_ENVIRONMENT = "dev"


def main() -> int:
    catalog = load_or_exit(None)
    synthesis = synthesize(catalog)
    print(f"synthesized {len(synthesis.stacks)} stacks of {len(catalog.selected)} environments "
          f"in {synthesis.seconds:.1f}s: {', '.join(sorted(synthesis.stacks))}")
    return deploy(catalog.by_name[DEPLOY_ENVIRONMENT], synthesis)


if __name__ == "__main__":
    sys.exit(main())
