"""The app: every stack of every selected environment, in deploy order.

Shared by `main.py` (the cdktf entry point) and the project's commands, which synthesize in-process.
"""

from __future__ import annotations

from envconfig.loader import Catalog
from modules.cdk.core import App


def build_app(catalog: Catalog, outdir: str | None = None) -> App:
    from stacks.delivery import DeliveryStack
    from stacks.service import ServiceStack

    app = App(outdir=outdir) if outdir else App()
    for env in catalog.selected:
        DeliveryStack(app, env, catalog)
        ServiceStack(app, env, catalog)
        if env.eks is not None:  # Kubernetes: cluster first, then ArgoCD on it (two stacks, two applies)
            from stacks.eks import EksStack
            from stacks.gitops import GitOpsStack

            GitOpsStack(app, env).add_dependency(EksStack(app, env, catalog))
        if env.run_task is not None:  # the policy gate's HCP Terraform run task
            from stacks.runtask import RunTaskStack

            RunTaskStack(app, env)
    return app
