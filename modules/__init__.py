"""Reusable constructs: one concern each, configured by a frozen props dataclass."""
