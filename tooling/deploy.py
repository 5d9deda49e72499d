"""`make deploy`: synthesize every environment, then plan the dev stacks offline.

(Applying to a local AWS emulator, and to AWS with real credentials, is the next step: issue 6.)
"""

from __future__ import annotations

import sys

from tooling.plan import summarize
from tooling.synth import load_or_exit, synthesize
from tooling.terraform import TerraformError, plan_stacks

DEPLOY_ENVIRONMENT = "dev"


def main() -> int:
    catalog = load_or_exit(None)
    synthesis = synthesize(catalog)
    print(f"synthesized {len(synthesis.stacks)} stacks of {len(catalog.selected)} environments "
          f"in {synthesis.seconds:.1f}s: {', '.join(sorted(synthesis.stacks))}")
    dev_stacks = {name: path for name, path in synthesis.plannable_stacks().items()
                  if name.startswith(f"{DEPLOY_ENVIRONMENT}-")}
    try:
        plans = plan_stacks(dev_stacks)
    except TerraformError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    summarize(plans)
    return 0


if __name__ == "__main__":
    sys.exit(main())
