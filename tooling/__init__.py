"""Project commands: the plan harness, the policy gate, the local AWS emulator and deploys."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
