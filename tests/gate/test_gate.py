"""The policy gate on the real stacks (session synthesis and plans, one checkov run per framework):
green as configured; red, with check id + stack + resource, when prod plans are mutated — and reported
at the source line that created the resource, in the table and in SARIF."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from tooling import ROOT
from tooling.gate import runner as gate
from tooling.gate import sources
from tooling.gate.reports import FAILURE_HEADERS, GateResult, failure_rows, summary_text, write_reports
from tooling.harness.synth import synthesize


@pytest.fixture(scope="session")
def skips():
    return gate.load_skips()


@pytest.fixture(scope="session")
def plan_files(plans, tmp_path_factory):
    directory = tmp_path_factory.mktemp("gate-plans")
    files = {}
    for name, plan in plans.items():
        files[name] = directory / f"{name}.json"
        files[name].write_text(json.dumps(plan.document, indent=1))
    return files


@pytest.fixture(scope="session")
def recorded(catalog, tmp_path_factory):
    """The app synthesized again, recording where each construct is created: (synthesized files, Locator)."""
    with sources.recording() as seen:
        synthesis = synthesize(catalog, outdir=tmp_path_factory.mktemp("recorded"))
    files = {name: path / "cdk.tf.json" for name, path in synthesis.stacks.items()}
    return files, sources.Locator(seen, files)


_INDEX = re.compile(r"\[[^\]]*\]$")


def _class_name(address: str) -> str:
    """aws_codedeploy_deployment_group.x -> CodedeployDeploymentGroup (the binding's class, data sources too)."""
    resource_type = _INDEX.sub("", address).split(".")[-2]
    return "".join(part.capitalize() for part in resource_type.split("_")[1:])


def test_recording_leaves_synthesis_unchanged(recorded, synthesis):
    files, _ = recorded
    assert sorted(files) == sorted(synthesis.stacks)
    for name, file in files.items():
        assert file.read_bytes() == (synthesis.stacks[name] / "cdk.tf.json").read_bytes(), name


def test_every_resource_is_located_at_the_line_that_creates_it(recorded):
    """Not the enclosing construct or a base class's __init__: the line names the resource's class."""
    files, locator = recorded
    wrong = []
    for stack in files:
        for address in locator.addresses[stack]:
            line = locator.locate(stack, address)
            text = (ROOT / line.file).read_text().splitlines()[line.line - 1] if line else ""
            if not (line and line.file.startswith(("modules/", "stacks/")) and _class_name(address) in text):
                wrong.append(f"{stack} {address}: {line} {text.strip()!r}")
            if locator.addresses[stack][address].count("/") > 1 and not locator.created_by(stack, address):
                wrong.append(f"{stack} {address}: no line for the constructs that enclose it")
    assert not wrong, "\n".join(wrong)
    assert sum(len(a) for a in locator.addresses.values()) > 300


@pytest.fixture(scope="session")
def real_findings(synthesis, plan_files, skips, tmp_path_factory):
    synth_files = {name: path / "cdk.tf.json" for name, path in synthesis.stacks.items()}
    findings = gate.scan(
        plan_files, synth_files, [s.id for s in skips if not s.scoped], workdir=tmp_path_factory.mktemp("gate-scan")
    )
    gate.prefer_plan_results(findings)
    stale = gate.apply_skips(findings, skips, sorted(synthesis.stacks))
    return findings, stale


def test_gate_is_green_on_the_project_as_configured(real_findings, synthesis, plans):
    findings, stale = real_findings
    failures = [f"{f.stack} {f.check_id} {f.resource} ({f.framework})" for f in findings if f.result == "FAILED"]
    assert not failures, "policy failures:\n" + "\n".join(failures)
    assert not stale, f"skips that match nothing: {stale}"
    scanned = {(f.stack, f.framework) for f in findings}
    assert {(s, gate.PLAN) for s in plans} <= scanned, "every plan is scanned"
    assert {(s, gate.SYNTH) for s in synthesis.stacks if s.endswith("-gitops")} <= scanned or not any(
        s.endswith("-gitops") for s in synthesis.stacks
    ), "the unplannable gitops stacks are scanned as synthesized JSON"
    ran = {f.check_id for f in findings}
    assert {"CKV_DLP_1", "CKV_DLP_10", "CKV_DLP_12", "CKV_DLP_21", "CKV_DLP_30", "CKV2_DLP_1"} <= ran
    assert any(c.startswith("CKV_AWS_") for c in ran), "built-in checks run too"


def test_plans_do_not_broaden_against_themselves(plan_files, tmp_path):
    assert (
        gate.check_broadening(
            plan_files["prod-service"].parent, plan_files, accept_all=False, ack_file=tmp_path / "none"
        )
        == []
    )


# ---------------------------------------------------------------------------- mutations
def _resources(document: dict, resource_type: str):
    """(planned value dict, resource_changes `after` dict) pairs of one type."""
    after = {c["address"]: c["change"]["after"] for c in document["resource_changes"] if c["type"] == resource_type}
    return [
        (r["address"], r["values"], after.get(r["address"]))
        for r in document["planned_values"]["root_module"]["resources"]
        if r["type"] == resource_type
    ]


def _mutate(document: dict, resource_type: str, change, name_contains: str = "") -> str:
    matches = [entry for entry in _resources(document, resource_type) if name_contains in entry[0]]
    assert matches, f"no {resource_type} {name_contains!r} to mutate"
    address, values, after = matches[0]
    for target in (values, after):
        if target is not None:
            change(target)
    return address


def _drop_rollback(values):
    values["auto_rollback_configuration"] = []


def _in_place(values):
    values["deployment_style"] = [{"deployment_option": "WITH_TRAFFIC_CONTROL", "deployment_type": "IN_PLACE"}]


def _add_s3_star(values):
    policy = json.loads(values["policy"])
    policy["Statement"].append({"Sid": "Broad", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::any/*"})
    values["policy"] = json.dumps(policy)


def _mutable_tags(values):
    values["image_tag_mutability"] = "MUTABLE"


def _drop_approval(values):
    values["stage"] = [s for s in values["stage"] if not any(a["category"] == "Approval" for a in s["action"])]


MUTATIONS = [  # (stack, resource type, name part, mutation, check that must fail)
    ("prod-service", "aws_codedeploy_deployment_group", "", _drop_rollback, "CKV_DLP_12"),
    ("prod-service", "aws_codedeploy_deployment_group", "", _in_place, "CKV_DLP_10"),
    ("prod-service", "aws_iam_role_policy", "hooks", _add_s3_star, "CKV_DLP_1"),
    ("prod-delivery", "aws_ecr_repository", "", _mutable_tags, "CKV_DLP_30"),
    ("prod-delivery", "aws_codepipeline", "", _drop_approval, "CKV_DLP_21"),
]


@pytest.fixture(scope="session")
def mutated(plans, skips, recorded, tmp_path_factory):
    """One checkov run over the mutated copies of the prod plans, located like the gate does (the mutation
    adding `s3:*` is permission broadening too); (expected, findings, result)."""
    documents = {stack: copy.deepcopy(plans[stack].document) for stack in ("prod-service", "prod-delivery")}
    expected = []
    for stack, resource_type, name, mutation, check_id in MUTATIONS:
        expected.append((stack, check_id, _mutate(documents[stack], resource_type, mutation, name)))
    directory = tmp_path_factory.mktemp("mutated")
    files = {}
    for stack, document in documents.items():
        files[stack] = directory / f"{stack}.json"
        files[stack].write_text(json.dumps(document, indent=1))
    findings = gate.run_checkov(gate.PLAN, files, directory / "scan", [s.id for s in skips if not s.scoped])
    gate.apply_skips(findings, skips, list(files))
    baseline = directory / "baseline"
    baseline.mkdir()
    for stack in files:
        (baseline / f"{stack}.json").write_text(json.dumps(plans[stack].document))
    found = gate.check_broadening(baseline, files, accept_all=False, ack_file=directory / "none")
    locator = recorded[1]
    gate.locate(findings, found, locator)
    result = GateResult(
        stacks=list(files),
        planned=list(files),
        reused=[],
        resources=0,
        findings=findings,
        plan_failures={},
        test_summary={},
        broadening=found,
        broadening_checked=True,
        stale_skips=[],
        seconds={},
        environment_files=locator.environment_files(list(files)),
    )
    return expected, findings, result


@pytest.mark.parametrize("stack,check_id", [(m[0], m[4]) for m in MUTATIONS], ids=[m[3].__name__ for m in MUTATIONS])
def test_gate_is_red_with_a_precise_message(mutated, stack, check_id):
    expected, findings, result = mutated
    address = next(a for s, c, a in expected if (s, c) == (stack, check_id))
    failed = {(f.stack, f.check_id, f.resource) for f in findings if f.result == "FAILED"}
    assert (stack, check_id, address) in failed, f"{check_id} did not fail on {stack} {address}"
    assert not result.ok
    rows = failure_rows(result)
    row = next(r for r in rows if r[:2] == [stack, check_id] and r[3] == address)
    assert re.match(r"modules/.+\.py:\d+$", row[4]), f"the construct's file:line expected, got {row[4]}"
    text = summary_text(result)
    assert all(h in text for h in FAILURE_HEADERS) and address in text and "gate: FAILED" in text


def test_sarif_locations_are_lines_of_the_repository(mutated, tmp_path):
    """Every location a reviewer is sent to (failures, reviewed skips, broadening, related environment
    files) is a file of the repository — not build/, cdktf.out/ or a temporary plan — and a line in it."""
    _, findings, result = mutated
    assert result.broadening and any(f.result == "SKIPPED" for f in findings) and result.failures()
    report = json.loads(write_reports(result, tmp_path)["sarif"].read_text())
    results = report["runs"][0]["results"]
    assert len(results) == len([f for f in findings if f.result != "PASSED"]) + len(result.broadening)
    seen = set()
    for entry in results:
        for location in entry["locations"] + entry.get("relatedLocations", []):
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            line = location["physicalLocation"]["region"]["startLine"]
            path = ROOT / uri
            assert not Path(uri).is_absolute() and path.resolve().is_relative_to(ROOT) and path.is_file(), uri
            assert Path(uri).parts[0] not in ("build", "cdktf.out", "reports"), uri
            assert 1 <= line <= len(path.read_text().splitlines()), f"{uri}:{line}"
            seen.add(uri)
        primary = entry["locations"][0]
        uri, line = (
            primary["physicalLocation"]["artifactLocation"]["uri"],
            primary["physicalLocation"]["region"]["startLine"],
        )
        resource = primary["logicalLocations"][0]["name"]
        assert _class_name(resource) in (ROOT / uri).read_text().splitlines()[line - 1], (uri, line, resource)
    assert {"environments/prod.hcl", "modules/ecs/blue_green.py"} <= seen
    policy = next(f for f in findings if f.check_id == "CKV_DLP_1" and f.result == "FAILED")
    assert policy.source_file == "modules/shared/iam.py" and policy.created_by[0].startswith(
        "modules/ecs/deploy_hooks.py:"
    ), "a shared construct's finding names the user it is about"
