"""Load the provider bindings' submodules on first use instead of all of them at `import`.

`import cdktf_cdktf_provider_aws` (and anything under it) executes the package `__init__`, which
imports all ~2,100 resource submodules: ~7 s of Python CPU and ~500 MB before one resource is
created; the Kubernetes binding adds ~3 s more. The stacks use about a hundred of them. With
`install()`, each submodule is bound as a deferred module object that executes its real code on
first attribute access (`from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket` does that), so
only the submodules the stacks touch are ever executed. The jsii assembly itself still loads in
full (in Node), and every type the stacks use registers exactly as before.

If the jsii runtime meets a type whose submodule has not been executed yet (an object created on
the Node side), the type's submodule is loaded then; failing that, every deferred submodule of the
package is, so the worst case is today's eager cost, never a wrong answer.

PLATFORM_EAGER_BINDINGS=1 turns this off (eager imports, as the bindings ship). So does a jsii whose
internals this relies on changed (jsii is pinned in the Pipfile for that reason): one warning, then
the eager imports, which are slower but correct.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import threading
import types
import warnings

LAZY_PACKAGES = frozenset(
    {
        "cdktf_cdktf_provider_aws",
        "cdktf_cdktf_provider_kubernetes",
        "cdktf_cdktf_provider_helm",
    }
)
# what _patch_jsii_type_resolution uses of jsii._reference_map (private: may change in any jsii release)
JSII_INTERNALS = ("_try_import_type_module", "_types", "_data_types", "_enums", "_interfaces", "_assembly_to_module")
_lock = threading.RLock()
_installed = False


class _DeferredModule(types.ModuleType):
    """A submodule whose code runs on first attribute access (the real module replaces it)."""

    def __getattr__(self, attribute: str):
        return getattr(_execute(self), attribute)


def _execute(module: types.ModuleType) -> types.ModuleType:
    with _lock:
        if type(module) is _DeferredModule:
            module.__class__ = types.ModuleType
            loader = module.__spec__.loader_state
            module.__spec__.loader = module.__loader__ = loader
            try:
                loader.exec_module(module)
            except BaseException:
                sys.modules.pop(module.__name__, None)
                raise
            # publication.publish() in the module put its public face into sys.modules; the parent
            # package then refers to that one, as after an eager import.
            package, _, leaf = module.__name__.rpartition(".")
            public = sys.modules.get(module.__name__, module)
            parent = sys.modules.get(package)
            if parent is not None:
                setattr(getattr(parent, "_private", parent), leaf, public)
                setattr(parent, leaf, public)
        return sys.modules.get(module.__name__, module)


class _DeferredLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader):
        self.loader = loader

    def create_module(self, spec):
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__.loader_state = self.loader
        module.__class__ = _DeferredModule


class _DeferredFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        package, _, leaf = fullname.rpartition(".")
        if package not in LAZY_PACKAGES or leaf.startswith("_"):
            return None  # the package itself, its `_jsii` (loads the assembly) and private modules
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _DeferredLoader(spec.loader)
        return spec


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _load_package(package: str) -> None:
    for name, module in list(sys.modules.items()):
        if name.startswith(package + ".") and type(module) is _DeferredModule:
            _execute(module)


def _patch_jsii_type_resolution() -> None:
    """Raises ImportError or AttributeError, patching nothing, when jsii's internals are not the expected ones."""
    from jsii import _reference_map

    missing = [name for name in JSII_INTERNALS if not hasattr(_reference_map, name)]
    if missing:
        raise AttributeError(f"jsii._reference_map has no {', '.join(missing)}")
    original = _reference_map._try_import_type_module
    if getattr(original, "_platform_deferred", False):
        return

    def registered(fqn: str) -> bool:
        return any(
            fqn in table
            for table in (
                _reference_map._types,
                _reference_map._data_types,
                _reference_map._enums,
                _reference_map._interfaces,
            )
        )

    def try_import_type_module(fqn: str) -> bool:
        found = original(fqn)
        package = _reference_map._assembly_to_module.get(fqn.split(".")[0])
        if registered(fqn) or package not in LAZY_PACKAGES:
            return found
        parts = fqn.split(".")
        if len(parts) > 2:  # "@cdktf/provider-aws.s3Bucket.S3Bucket" -> cdktf_cdktf_provider_aws.s3_bucket
            with contextlib.suppress(ImportError):  # no such submodule: the whole package below
                _execute(importlib.import_module(f"{package}.{_snake(parts[1])}"))
        if not registered(fqn):
            _load_package(package)
        return True

    try_import_type_module._platform_deferred = True
    _reference_map._try_import_type_module = try_import_type_module


def install() -> None:
    """Defer the bindings' submodules not imported yet, unless PLATFORM_EAGER_BINDINGS is set or jsii's
    internals changed (then one warning, and the eager imports)."""
    global _installed
    if _installed or os.environ.get("PLATFORM_EAGER_BINDINGS"):
        return
    _installed = True
    try:
        _patch_jsii_type_resolution()
    except (ImportError, AttributeError) as err:
        warnings.warn(
            f"provider bindings load eagerly (slower): jsii's internals changed ({err}); "
            "see modules/cdk/lazy_bindings.py",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    sys.meta_path.insert(0, _DeferredFinder())


def deferring() -> bool:
    """Whether binding submodules imported from now on are deferred."""
    return any(isinstance(finder, _DeferredFinder) for finder in sys.meta_path)
