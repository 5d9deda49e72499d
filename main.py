"""The cdktf app: every stack of every environment (or those in $PLATFORM_ENVIRONMENTS).

Environment files are validated before the CDK libraries load, so a bad setting fails in
milliseconds with one line naming the file and the setting, and nothing is synthesized.
With PLATFORM_TARGET=emulator the stacks are synthesized for the running local emulator
(tooling/deploy/cdktf_app.py); without one, that is one line and exit 2 as well.
"""

from __future__ import annotations

import sys
from pathlib import Path

from envconfig.loader import ConfigError, load_environments, selected_environments
from tooling.deploy.cdktf_app import TargetError, emulator_target, finish


def main() -> int:
    try:
        catalog = load_environments(selected_environments())
        emulator = emulator_target()
    except (ConfigError, TargetError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from stacks.app import build_app  # the CDK libraries load only for valid files

    app = build_app(catalog)
    app.synth()
    note = finish(Path(app.outdir), emulator)
    if note:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
