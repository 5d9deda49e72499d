"""Deploys and destroys of synthesized stacks, on the emulator or on AWS, in dependency order."""
