"""`make plan ENV=<env>`: synthesize the environment's stacks and plan each offline, in parallel."""

from __future__ import annotations

import sys

from envconfig.loader import selected_environments
from tooling.harness.synth import load_or_exit, synthesize
from tooling.harness.terraform import TerraformError, plan_stacks


def summarize(plans) -> None:
    print(f"{'stack':<22} {'resources':>9} {'create':>7} {'seconds':>8}")
    for name, plan in sorted(plans.items()):
        creates = sum(1 for change in plan.changes() if "create" in change["change"]["actions"])
        print(f"{name:<22} {len(plan.resources):>9} {creates:>7} {plan.seconds:>8.1f}")


def plan_environments(names: list[str] | None) -> int:
    catalog = load_or_exit(names)
    synthesis = synthesize(catalog)
    print(f"synthesized {len(synthesis.stacks)} stacks in {synthesis.seconds:.1f}s")
    try:
        plans = plan_stacks(synthesis.plannable_stacks())
    except TerraformError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    summarize(plans)
    print("plan JSON: build/plans/<stack>/plan.json")
    return 0


if __name__ == "__main__":
    sys.exit(plan_environments(selected_environments()))
