"""The cdktf app: every stack of every environment (or those in $PLATFORM_ENVIRONMENTS).

Environment files are validated before the CDK libraries load, so a bad setting fails in
milliseconds with one line naming the file and the setting, and nothing is synthesized.
"""

from __future__ import annotations

import sys

from envconfig.loader import ConfigError, load_environments, selected_environments


def main() -> int:
    try:
        catalog = load_environments(selected_environments())
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from stacks.app import build_app  # the CDK libraries load only for valid files

    build_app(catalog).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
