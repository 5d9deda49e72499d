"""Every fixture resource gets the expected result from each policy, in plan JSON and synthesized JSON."""

from __future__ import annotations

import pytest

from tests.policies.builders import FAILED, FRAMEWORKS, PASSED, PLAN, UNKNOWN, Case
from tests.policies.cases import case_files
from tests.policies.cases import codedeploy_ecs_termination_wait as termination_wait
from tests.policies.conftest import policy_metadata


def _params(check_id: str, cases: list[Case], frameworks=FRAMEWORKS):
    return [
        pytest.param(case, check_id, framework, id=f"{framework}-{check_id}-{case.resource.name}")
        for case in cases
        for framework in frameworks
        if framework in case.resource.frameworks
    ]


def _result(results: dict, check_id: str, case: Case, framework: str):
    """The reported (result, details) for a resource, or None when the check did not report it."""
    resource = case.resource
    if framework == PLAN:
        names = {resource.address}
    else:  # terraform_json drops the type for Python checks; graph (YAML) checks keep it
        names = {f"{'data' if resource.mode == 'data' else 'resource'}.{resource.name}", resource.address}
    found = [results[(check_id, name)] for name in names if (check_id, name) in results]
    return found[0] if found else None


def _assert(results: dict, check_id: str, case: Case, framework: str) -> None:
    reported = _result(results, check_id, case, framework)
    actual = reported[0] if reported else UNKNOWN
    assert actual == case.expected, (
        f"{check_id} on {case.resource.address} ({framework}): expected {case.expected}, got {actual}"
        f"{' - ' + '; '.join(reported[1]) if reported and reported[1] else ''}"
    )


@pytest.mark.parametrize(
    "case,check_id,framework", [param for file in case_files() for param in _params(file.check_id, file.cases)]
)
def test_policy_result(case, check_id, framework, request):
    results = request.getfixturevalue("plan_results" if framework == PLAN else "synth_results")
    _assert(results, check_id, case, framework)


@pytest.mark.parametrize(
    "case,check_id,framework", _params(termination_wait.CHECK_ID, termination_wait.MIN_WAIT_CASES, (PLAN,))
)
def test_min_termination_wait_env_override(case, check_id, framework, min_wait_results):
    _assert(min_wait_results, check_id, case, framework)


def test_every_policy_has_a_case_file_passing_and_failing_on_each_framework():
    files = {file.stem: file for file in case_files()}
    policies = {entry["path"].stem: entry["id"] for entry in policy_metadata()}
    assert not set(files) - set(policies), f"case files without a policy in policies/: {set(files) - set(policies)}"
    for stem, check_id in policies.items():
        file = files.get(stem)
        assert file, f"{check_id}: no case file tests/policies/cases/{stem}.py"
        assert file.check_id == check_id, f"cases/{stem}.py: CHECK_ID {file.check_id}, the policy is {check_id}"
        for framework in FRAMEWORKS:
            missing = {PASSED, FAILED} - {case.expected for case in file.cases if framework in case.resource.frameworks}
            assert not missing, f"cases/{stem}.py: {check_id} has no {' or '.join(sorted(missing))} case on {framework}"
