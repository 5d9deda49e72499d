"""Rehearse a release through the deployed system on the emulator (`make rehearse`): see run.py."""
