"""Stacks compose constructs per environment; each is named <env>-<component>."""
