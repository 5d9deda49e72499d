"""One case file per policy: cases/<policy file stem>.py holds that policy's fixtures and expected results.

A case file sets CHECK_ID and CASES (Case objects from tests.policies.builders) and may set
SUPPORTING_RESOURCES: resources its cases need in the same document that expect no result of their
own. A resource several policies judge (e.g. a compliant deployment group) appears in each of their
case files under one name, defined identically; `resources()` refuses two definitions of one name,
because checkov runs once per framework over all case files together.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from tests.policies.builders import Case, Resource


@dataclass(frozen=True)
class CaseFile:
    stem: str  # the policy file's stem in policies/
    check_id: str
    cases: tuple[Case, ...]
    supporting_resources: tuple[Resource, ...]


def case_files() -> list[CaseFile]:
    files = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        files.append(
            CaseFile(
                info.name, module.CHECK_ID, tuple(module.CASES), tuple(getattr(module, "SUPPORTING_RESOURCES", ()))
            )
        )
    return files


def resources(files: list[CaseFile]) -> list[Resource]:
    """Every resource of the case files once, for the one checkov run per framework."""
    found: dict[str, tuple[Resource, str]] = {}
    for file in files:
        for resource in [*(case.resource for case in file.cases), *file.supporting_resources]:
            known, where = found.setdefault(resource.name, (resource, file.stem))
            if known != resource:
                raise ValueError(
                    f"fixture {resource.name!r} is defined differently in cases/{where}.py and "
                    f"cases/{file.stem}.py: share one definition or use another name"
                )
    return [resource for resource, _ in found.values()]
