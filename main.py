"""The cdktf app: every stack of every environment (or those in $PLATFORM_ENVIRONMENTS).

Environment files are validated before the CDK libraries load, so a bad setting fails in
milliseconds with one line naming the file and the setting, and nothing is synthesized.
"""

from __future__ import annotations

import os
import sys

from envconfig.loader import Catalog, ConfigError, load_environments


def selected_environments() -> list[str] | None:
    names = os.environ.get("PLATFORM_ENVIRONMENTS", "").replace(",", " ").split()
    return names or None


def build_app(catalog: Catalog, outdir: str | None = None):
    from modules.core import App
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
    return app


def main() -> int:
    try:
        catalog = load_environments(selected_environments())
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    build_app(catalog).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
