"""Reusable constructs: one concern each, configured by a frozen props dataclass."""

from modules.cdk.lazy_bindings import install as _defer_binding_submodules

_defer_binding_submodules()  # before any provider binding loads: see modules/cdk/lazy_bindings.py
