"""Stacks compose constructs per environment; each is named <env>-<component>."""

import modules  # noqa: F401,E402  (first: defers the provider bindings' submodules, see modules/cdk/lazy_bindings.py)
