"""The app: every stack of every selected environment, in deploy order.

Shared by `main.py` (the cdktf entry point) and the project's commands, which synthesize in-process.
"""

from __future__ import annotations

from envconfig.loader import Catalog
from modules.cdk.core import App


def build_app(catalog: Catalog, outdir: str | None = None) -> App:
    from envconfig.naming import delivery_environment
    from stacks.bootstrap import BootstrapStack
    from stacks.delivery import DeliveryStack, RegionalArtifactsStack
    from stacks.service import ServiceStack

    app = App(outdir=outdir) if outdir else App()
    for env in catalog.selected:
        delivery_env = delivery_environment(env)
        accounts = (
            ((env, "bootstrap"), (delivery_env, "delivery-bootstrap"))
            if env.delivery.account
            else ((env, "bootstrap"),)
        )
        for account_env, component in accounts:
            if account_env.assume_role is not None:  # applied once, by hand: `make bootstrap ENV=<env>`
                BootstrapStack(app, account_env, component)
        delivery = DeliveryStack(app, delivery_env, catalog)
        for region in delivery_env.delivery.artifact_regions:
            delivery.add_dependency(RegionalArtifactsStack(app, delivery_env, region, catalog))
        ServiceStack(app, env, catalog)
        if env.eks is not None:  # Kubernetes: cluster first, then ArgoCD on it (two stacks, two applies)
            from stacks.eks import EksStack
            from stacks.gitops import GitOpsStack

            GitOpsStack(app, env).add_dependency(EksStack(app, env, catalog))
        if env.run_task is not None:  # the policy gate's HCP Terraform run task
            from stacks.runtask import RunTaskStack

            RunTaskStack(app, env)
    return app
