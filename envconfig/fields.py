"""`setting()`: a model field that carries its validation rule for the loader. Its own module so that
`envconfig.model` and `envconfig.kubernetes` both use it while only model imports kubernetes."""

from __future__ import annotations

from dataclasses import field

REQUIRED = object()


def setting(default=None, *, check=None, factory=None, block_label: str = "", doc=""):
    """A dataclass field carrying its validation rule (`check`) for the loader.

    `block_label` names a repeated, labeled HCL block (`service "api" { ... }`) whose label fills
    the element's `name`.
    """
    meta = {"check": check, "block_label": block_label, "doc": doc}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    if default is REQUIRED:
        return field(metadata=meta)
    return field(default=default, metadata=meta)
