"""`make bootstrap ENV=<env> [ACCOUNT=delivery]`: synthesize, then apply the one bootstrap stack of an account (like
`cdk bootstrap`): `<env>-bootstrap` in the environment's account, or `<env>-delivery-bootstrap` in its delivery
account. Run it once per account, before the first `make deploy`, with that account's admin credentials
(PLATFORM_TARGET=aws) or on the emulator; its provider assumes no role (the role is what it creates)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

from envconfig.naming import delivery_environment
from tooling.deploy.rollout import _deploy_aws, _deploy_emulator, target_name
from tooling.harness.synth import load_or_exit, synthesize


def main() -> int:
    catalog = load_or_exit(None)
    name = os.environ.get("ENV") or "dev"
    delivery = os.environ.get("ACCOUNT", "") == "delivery"
    env = catalog.by_name.get(name)
    if env is None:
        print(f"error: ENV={name}: no environments/{name}.hcl", file=sys.stderr)
        return 2
    account_env = delivery_environment(env) if delivery else env
    stack = f"{name}-{'delivery-bootstrap' if delivery else 'bootstrap'}"
    if account_env.assume_role is None or (delivery and env.delivery.account is None):
        where = "delivery.account.assume_role" if delivery else "assume_role"
        print(f"error: {env.file} has no {where}: the stacks use the caller's credentials, nothing to bootstrap")
        return 2
    synthesis = synthesize(catalog)
    print(f"bootstrapping account {account_env.account_id}: {stack} (target: {target_name()})")
    if target_name() == "aws":  # the caller's credentials must be the account's own (no role to assume yet)
        return _deploy_aws(replace(account_env, assume_role=None), [stack], synthesis)
    return _deploy_emulator(account_env, [stack], synthesis)


if __name__ == "__main__":
    sys.exit(main())
