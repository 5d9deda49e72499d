"""`make bench`: synth, plan, checkov and gate figures for this machine (entry point: bench/run.py)."""
