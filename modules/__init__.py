"""Reusable constructs: one concern each, configured by a frozen props dataclass."""

from modules.lazy_bindings import install as _defer_binding_submodules

_defer_binding_submodules()  # before any provider binding loads: see modules/lazy_bindings.py
