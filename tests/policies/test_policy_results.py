"""Every fixture resource gets the expected result from each policy, in plan JSON and synthesized JSON."""
from __future__ import annotations

import pytest

from tests.policies.dlp_policy_cases import CASES, MIN_WAIT_CASES, PLAN, SYNTH, UNKNOWN, Case


def _params(cases: list[Case], frameworks=(PLAN, SYNTH)):
    return [pytest.param(case, check_id, framework, id=f"{framework}-{check_id}-{case.name}")
            for case in cases for framework in frameworks if framework in case.frameworks
            for check_id in sorted(case.expect)]


def _result(results: dict, check_id: str, case: Case, framework: str):
    """The reported (result, details) for a resource, or None when the check did not report it."""
    if framework == PLAN:
        names = {case.address}
    else:  # terraform_json drops the type for Python checks; graph (YAML) checks keep it
        names = {f"{'data' if case.mode == 'data' else 'resource'}.{case.name}", case.address}
    found = [results[(check_id, name)] for name in names if (check_id, name) in results]
    return found[0] if found else None


def _assert(results: dict, check_id: str, case: Case, framework: str) -> None:
    expected = case.expect[check_id]
    reported = _result(results, check_id, case, framework)
    actual = reported[0] if reported else UNKNOWN
    assert actual == expected, (f"{check_id} on {case.address} ({framework}): expected {expected}, got {actual}"
                                f"{' - ' + '; '.join(reported[1]) if reported and reported[1] else ''}")


@pytest.mark.parametrize("case,check_id,framework", _params(CASES))
def test_policy_result(case, check_id, framework, request):
    results = request.getfixturevalue("plan_results" if framework == PLAN else "synth_results")
    _assert(results, check_id, case, framework)


@pytest.mark.parametrize("case,check_id,framework", _params(MIN_WAIT_CASES, (PLAN,)))
def test_min_termination_wait_env_override(case, check_id, framework, min_wait_results):
    _assert(min_wait_results, check_id, case, framework)


def test_every_policy_has_passing_and_failing_fixture():
    from tests.policies.conftest import policy_ids

    outcomes: dict[str, set] = {}
    for case in CASES + MIN_WAIT_CASES:
        for check_id, expected in case.expect.items():
            outcomes.setdefault(check_id, set()).add(expected)
    for check_id in policy_ids():
        assert {"PASSED", "FAILED"} <= outcomes.get(check_id, set()), f"{check_id} lacks a passing or failing fixture"
