"""Read `environments/<env>.hcl` with python-hcl2 and turn it into the frozen model, or fail with
one line naming the file and the setting. Nothing is synthesized from a file that did not load.

Generic: each value is converted by its field's type and checked by its field's `check=`; the rules
that involve several settings (or several files) are `envconfig.rules`, run in order."""

from __future__ import annotations

import dataclasses
import difflib
import os
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import hcl2
from hcl2 import SerializationOptions

from envconfig import checks
from envconfig.model import Environment
from envconfig.rules import PROMOTION_RULES, RULES

ENVIRONMENTS_DIR = Path(
    os.environ.get("PLATFORM_ENVIRONMENTS_DIR") or Path(__file__).resolve().parent.parent / "environments"
)
_PLAIN = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


class ConfigError(Exception):
    """A bad environment file. `str()` is the one line shown to the user."""

    def __init__(self, file: str, setting: str, message: str):
        self.file, self.setting = file, setting
        super().__init__(f"{file}: {setting}: {message}" if setting else f"{file}: {message}")


def selected_environments() -> list[str] | None:
    """$PLATFORM_ENVIRONMENTS (comma or space separated) selects environments; unset means all."""
    names = os.environ.get("PLATFORM_ENVIRONMENTS", "").replace(",", " ").split()
    return names or None


def environment_names(directory: Path = ENVIRONMENTS_DIR) -> list[str]:
    return sorted(path.stem for path in directory.glob("*.hcl"))


@dataclass(frozen=True)
class Catalog:
    """Every environment (each file is validated), and the ones asked for.

    All files load even when one environment is selected: a service's stack depends on which
    pipelines deploy into it, so synthesis must not depend on the selection.
    """

    selected: tuple[Environment, ...]
    by_name: dict[str, Environment]

    def promotion_targets(self, env: Environment) -> tuple[Environment, ...]:
        return tuple(self.by_name[name] for name in env.promotion)

    def promoting_into(self, env: Environment) -> tuple[Environment, ...]:
        """Environments whose pipelines deploy into `env` (including its own)."""
        return tuple(other for other in self.by_name.values() if env.name in other.promotion)


def load_environment(name: str, directory: Path = ENVIRONMENTS_DIR) -> Environment:
    return load_environments([name], directory).selected[0]


def load_environments(names: list[str] | None = None, directory: Path = ENVIRONMENTS_DIR) -> Catalog:
    """Validate every environment file, then select `names` (all by default)."""
    known = environment_names(directory)
    for name in names or ():
        _environment_path(name, directory)  # unknown names fail before any file is parsed
    environments = _Environments(directory)
    for rule in PROMOTION_RULES:  # rule by rule: each file's own list before conflicts between files
        for name in known:
            env = environments[name]
            _raise_first(env, rule(env, environments))
    return Catalog(tuple(environments[name] for name in (names or known)), dict(environments.loaded))


class _Environments(Mapping[str, Environment]):
    """The environment files of a directory by name, each parsed (and checked) when first read; an
    unknown name fails like a missing file, with a ConfigError."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.loaded: dict[str, Environment] = {}

    def __getitem__(self, name: str) -> Environment:
        if name not in self.loaded:
            self.loaded[name] = parse_environment_file(_environment_path(name, self.directory))
        return self.loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in environment_names(self.directory)

    def __iter__(self) -> Iterator[str]:
        return iter(environment_names(self.directory))

    def __len__(self) -> int:
        return len(environment_names(self.directory))


def _raise_first(env: Environment, errors: Iterator[tuple[str, str]]) -> None:
    """The first error only: rules run lazily, so nothing after it is evaluated (or loaded)."""
    for where, message in errors:
        raise ConfigError(env.file, where, message)


def _environment_path(name: str, directory: Path) -> Path:
    path = directory / f"{name}.hcl"
    if not path.is_file():
        known = ", ".join(environment_names(directory)) or "none"
        raise ConfigError(_display(path), "", f"unknown environment {name!r} (known: {known})")
    return path


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_environment_file(path: Path) -> Environment:
    file = _display(path)
    try:
        raw = hcl2.loads(path.read_text(), serialization_options=_PLAIN)
    except Exception as err:  # lark raises many types; all mean the same thing to the user
        raise ConfigError(file, "", f"malformed HCL: {_first_line(err)}") from None
    env = _build(Environment, raw, file, "", {"name": path.stem, "file": file})
    _raise_first(env, (error for rule in RULES for error in rule(env)))
    return env


def _first_line(err: Exception) -> str:
    return " ".join(str(err).split("\n")[0:1]).strip() or type(err).__name__


def _build(cls: type, raw: Any, file: str, path: str, context: dict[str, Any]) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(file, path, "must be a block")
    hints = typing.get_type_hints(cls)
    keys = {f.metadata.get("block_label") or f.name: f for f in dataclasses.fields(cls) if f.name not in context}
    for key in raw:
        if key not in keys:
            hint = difflib.get_close_matches(key, keys, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(file, _join(path, key), f"unknown setting{suggestion}")
    values = dict(context)
    for key, fld in keys.items():
        where = _join(path, key)
        if key not in raw:
            if fld.default is dataclasses.MISSING and fld.default_factory is dataclasses.MISSING:
                raise ConfigError(file, where, "missing required setting")
            continue
        if fld.metadata.get("block_label"):
            value = _build_labeled(hints[fld.name], raw[key], file, where)
        else:
            value = _convert(hints[fld.name], raw[key], file, where)
        check = fld.metadata.get("check")
        if check:
            try:
                check(value)
            except ValueError as err:
                raise ConfigError(file, where, str(err)) from None
        values[fld.name] = value
    return cls(**values)


def _build_labeled(hint: Any, raw: Any, file: str, path: str) -> tuple:
    element = typing.get_args(hint)[0]
    blocks = raw if isinstance(raw, list) else [raw]
    built, seen = [], set()
    for block in blocks:
        if not isinstance(block, dict) or len(block) != 1:
            raise ConfigError(file, path, 'must be labeled blocks, e.g. service "api" { ... }')
        ((label, body),) = block.items()
        if label in seen:
            raise ConfigError(file, _join(path, label), "declared more than once")
        seen.add(label)
        _check_label(element, label, file, _join(path, label))
        built.append(
            _build(element, _single_block(body, file, _join(path, label)), file, _join(path, label), {"name": label})
        )
    return tuple(built)


def _check_label(element: type, label: Any, file: str, path: str) -> None:
    """A label names the block: one of the element's `name` literals (e.g. a hook's event), else a short name."""
    hint = typing.get_type_hints(element)["name"]
    if typing.get_origin(hint) is Literal:
        _convert(hint, label, file, path)
        return
    try:
        checks.short_name(label)
    except ValueError as err:
        raise ConfigError(file, path, f"label {err}") from None


def _single_block(raw: Any, file: str, path: str) -> Any:
    if isinstance(raw, list):
        if len(raw) != 1:
            raise ConfigError(file, path, "declared more than once")
        return raw[0]
    return raw


def _convert(hint: Any, raw: Any, file: str, path: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, _single_block(raw, file, path), file, path, {})
    if origin in (typing.Union, types.UnionType):
        variants = tuple(arg for arg in typing.get_args(hint) if arg is not type(None))
        if len(variants) == 1:  # an optional block, e.g. `eks: Eks | None`
            return _convert(variants[0], raw, file, path)
        return _build_variant(variants, _single_block(raw, file, path), file, path)
    if origin is Literal:
        allowed = typing.get_args(hint)
        if raw not in allowed or type(raw) is not type(allowed[0]):
            choices = ", ".join(repr(choice) for choice in allowed)
            raise ConfigError(file, path, f"{raw!r} is not one of {choices}")
        return raw
    if origin is tuple:
        if not isinstance(raw, list):
            raise ConfigError(file, path, "must be a list")
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, value, file, f"{path}[{index}]") for index, value in enumerate(raw))
    if origin is dict:
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise ConfigError(file, path, "must be a map of strings")
        return {str(key).strip('"'): value for key, value in raw.items()}
    if hint is bool and not isinstance(raw, bool):
        raise ConfigError(file, path, f"{raw!r} is not true or false")
    if hint is int and (isinstance(raw, bool) or not isinstance(raw, int)):
        raise ConfigError(file, path, f"{raw!r} is not a whole number")
    if hint is str and not isinstance(raw, str):
        raise ConfigError(file, path, f"{raw!r} is not a string")
    return raw


def _build_variant(variants: tuple[type, ...], raw: Any, file: str, path: str) -> Any:
    """A block whose `type` chooses the dataclass (e.g. backend local | s3 | cloud)."""
    by_type = {typing.get_type_hints(cls)["type"].__args__[0]: cls for cls in variants}
    kind = raw.get("type", "local") if isinstance(raw, dict) else None
    if kind not in by_type:
        raise ConfigError(file, _join(path, "type"), f"{kind!r} is not one of {', '.join(map(repr, by_type))}")
    return _build(by_type[kind], raw, file, path, {})


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
