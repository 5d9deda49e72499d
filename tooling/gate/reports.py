"""The gate's outputs: the human table, and SARIF 2.1.0, JUnit XML, JSON and Markdown in reports/.

Written from the gate's own results (not checkov's output files) so that every entry carries the
stack it belongs to, the skip reason of a reviewed skip, and the broadening report. Locations are
source lines a reviewer can open (tooling/gate/sources.py), never generated build/ or cdktf.out/ files:
GitHub code scanning annotates only files of the repository, and a pull request's diff only on the
lines it changed ([SARIF support for code scanning](https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning)).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from tooling import ROOT  # noqa: E402


@dataclass
class Finding:
    stack: str
    framework: str  # terraform_plan | terraform_json
    check_id: str
    check_name: str
    resource: str  # <type>.<name> (data.<type>.<name> for data sources)
    result: str  # PASSED | FAILED | SKIPPED
    file: str  # the scanned JSON (repository-relative when under the repository)
    lines: tuple[int, int] = (0, 0)  # in the scanned JSON
    details: list[str] = field(default_factory=list)
    skip_reason: str = ""
    guideline: str = ""
    source_file: str = ""  # the Python line that created the resource, else the environment file; "" unknown
    source_line: int = 0
    created_by: list[str] = field(default_factory=list)  # file:line of the enclosing constructs, innermost first

    @property
    def location(self) -> str:
        """Where a reviewer looks: the source line, else the scanned JSON."""
        if self.source_file:
            return f"{self.source_file}:{self.source_line}"
        return f"{self.file}:{self.lines[0]}" if self.lines[0] else self.file


@dataclass
class GateResult:
    stacks: list[str]
    planned: list[str]  # planned in this run
    reused: list[str]  # plan reused (--changed-only, hash unchanged)
    resources: int
    findings: list[Finding]
    plan_failures: dict[str, str]
    test_summary: dict  # {"returncode", "passed", "failed", "output"}
    broadening: list[dict]  # Broadening.as_dict() + "acknowledged"
    broadening_checked: bool
    stale_skips: list[str]
    seconds: dict[str, float]
    superseded: int = 0  # synthesized-JSON failures the plan scan passed on resolved values
    baseline_missing: bool = False  # a baseline was required (the PR workflow) and none came: base unplannable
    unplannable_base_accepted: bool = False  # ... and the PR accepts that (label accept-unplannable-base)
    environment_files: dict[str, str] = field(default_factory=dict)  # stack -> its environment file

    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.result == "FAILED"]

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for finding in self.findings:
            bucket = counts.setdefault(finding.framework, {"PASSED": 0, "FAILED": 0, "SKIPPED": 0})
            bucket[finding.result] += 1
        return counts

    def unacknowledged(self) -> list[dict]:
        return [b for b in self.broadening if not b["acknowledged"]]

    @property
    def ok(self) -> bool:
        return not (
            self.failures()
            or self.plan_failures
            or self.test_summary.get("returncode", 0)
            or self.unacknowledged()
            or self.stale_skips
            or self.unplannable_base_refused
        )

    @property
    def unplannable_base_refused(self) -> bool:
        return self.baseline_missing and not self.unplannable_base_accepted

    def baseline_line(self) -> str:
        if self.broadening_checked:
            return f"broadening: {len(self.broadening)} change(s), {len(self.unacknowledged())} not acknowledged"
        if not self.baseline_missing:
            return "broadening: not checked (no baseline)"
        return "broadening: NOT CHECKED: the base branch could not be planned (no baseline plans); " + (
            "accepted (--accept-unplannable-base, PR label accept-unplannable-base)"
            if self.unplannable_base_accepted
            else "this fails the gate unless accepted (--accept-unplannable-base, PR label accept-unplannable-base)"
        )


# ---------------------------------------------------------------------------- tables
def merged_failures(findings: list[Finding]) -> list[tuple[Finding, list[str]]]:
    """One row per (stack, check, resource): the same failure from both scans is shown once."""
    rows: dict[tuple[str, str, str], tuple[Finding, list[str]]] = {}
    for finding in sorted(findings, key=lambda f: (f.stack, f.check_id, f.resource, f.framework != "terraform_plan")):
        if finding.result != "FAILED":
            continue
        key = (finding.stack, finding.check_id, finding.resource)
        if key in rows:
            rows[key][1].append(_short(finding.framework))
        else:
            rows[key] = (finding, [_short(finding.framework)])
    return list(rows.values())


def _short(framework: str) -> str:
    return {"terraform_plan": "plan", "terraform_json": "synth"}.get(framework, framework)


def text_table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


FAILURE_HEADERS = ["stack", "check", "name", "resource", "file:line", "scan"]


def failure_rows(result: GateResult) -> list[list[str]]:
    return [
        [f.stack, f.check_id, f.check_name, f.resource, f.location, "+".join(scans)]
        for f, scans in merged_failures(result.findings)
    ]


def summary_text(result: GateResult) -> str:
    counts = result.counts()
    lines = [
        f"stacks: {len(result.stacks)} synthesized, {len(result.planned) + len(result.reused)} planned"
        f" ({len(result.reused)} reused unchanged)"
        + (f", {len(result.plan_failures)} unplanned (plan failed)" if result.plan_failures else "")
        + f", {result.resources} planned resources"
    ]
    for framework, bucket in sorted(counts.items()):
        lines.append(
            f"checkov {framework}: {bucket['PASSED']} passed, {bucket['FAILED']} failed, "
            f"{bucket['SKIPPED']} skipped (reviewed skips)"
            + (
                f", {result.superseded} interpolation failures superseded by the plan scan"
                if framework == "terraform_json" and result.superseded
                else ""
            )
        )
    tests = result.test_summary
    if tests:
        lines.append(
            f"plan-JSON tests: {tests.get('passed', 0)} passed, {tests.get('failed', 0)} failed"
            + (f" (exit {tests['returncode']})" if tests.get("returncode") else "")
        )
    lines.append(result.baseline_line())
    lines.append("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items()))
    rows = failure_rows(result)
    if rows:
        lines += ["", f"{len(rows)} policy failure(s):", text_table(rows, FAILURE_HEADERS)]
    for stack, error in sorted(result.plan_failures.items()):
        lines += ["", f"plan failed: {stack} (unplanned, not scanned)", error.strip()[-2000:]]
    if tests.get("returncode"):
        lines += ["", "plan-JSON tests failed:", tests.get("output", "")[-3000:]]
    if result.broadening:
        lines += [
            "",
            "permission broadening (acknowledge by fingerprint in .gate/accept-broadening, "
            "or run with --accept-broadening):",
            text_table(
                [
                    [b["fingerprint"], b["stack"], "yes" if b["acknowledged"] else "NO", b["description"]]
                    for b in result.broadening
                ],
                ["fingerprint", "stack", "acknowledged", "what"],
            ),
        ]
    for skip in result.stale_skips:
        lines += ["", f"stale skip in checkov-skips.yaml (matches nothing, remove it): {skip}"]
    lines += ["", "gate: PASSED" if result.ok else "gate: FAILED"]
    return "\n".join(lines)


def markdown(result: GateResult) -> str:
    def table(headers: list[str], rows: list[list[str]]) -> str:
        escape = lambda s: str(s).replace("|", "\\|")  # noqa: E731
        return "\n".join(
            [
                "| " + " | ".join(headers) + " |",
                "|" + "---|" * len(headers),
                *("| " + " | ".join(escape(c) for c in row) + " |" for row in rows),
            ]
        )

    parts = [
        f"## Policy gate: {'passed' if result.ok else 'FAILED'}",
        "",
        "```",
        summary_text(result).split("\n\n")[0],
        "```",
        "",
    ]
    rows = failure_rows(result)
    if rows:
        parts += ["### Policy failures", "", table(FAILURE_HEADERS, rows), ""]
    if result.broadening:
        parts += [
            "### Permission broadening",
            "",
            table(
                ["fingerprint", "stack", "acknowledged", "what"],
                [
                    [b["fingerprint"], b["stack"], "yes" if b["acknowledged"] else "**no**", b["description"]]
                    for b in result.broadening
                ],
            ),
            "",
        ]
    if result.baseline_missing:
        parts += [
            "### Base branch not planned",
            "",
            "The base branch could not be planned (see the `base branch plans` job), so permission broadening "
            "was **not checked**. "
            + (
                "Accepted: the pull request carries the label `accept-unplannable-base`."
                if result.unplannable_base_accepted
                else "This fails the gate. Fix the base branch, or review the permission "
                "changes by hand and have someone other than the author add the label "
                "`accept-unplannable-base`."
            ),
            "",
        ]
    if result.plan_failures:
        parts += ["### Plan failures", ""] + [f"- `{s}`" for s in sorted(result.plan_failures)] + [""]
    if result.test_summary.get("returncode"):
        parts += ["### Plan-JSON tests failed", "", "```", result.test_summary.get("output", "")[-3000:], "```", ""]
    skipped = sorted({(f.check_id, f.skip_reason) for f in result.findings if f.result == "SKIPPED"})
    if skipped:
        parts += [
            "<details><summary>Reviewed skips applied</summary>",
            "",
            table(["check", "reason"], [[c, r] for c, r in skipped]),
            "",
            "</details>",
            "",
        ]
    return "\n".join(parts)


# ---------------------------------------------------------------------------- machine formats
# A result needs a file in the repository; for a stack no environment file is known for (plan JSON from
# elsewhere), the gate's workflow is the nearest file a reviewer can open.
FALLBACK_URI = ".github/workflows/gate.yml"


def _physical(file: str, line: int) -> dict:
    return {"artifactLocation": {"uri": file or FALLBACK_URI}, "region": {"startLine": max(line, 1) if file else 1}}


def _result(
    result: GateResult, stack: str, logical: str, text: str, file: str, line: int, created_by: list[str]
) -> dict:
    """A SARIF result at a source line. The enclosing constructs' lines and the stack's environment file are
    related locations, linked from the message (code scanning shows them only as links in the message)."""
    related = [(location.rpartition(":")[0], int(location.rpartition(":")[2]), "created by") for location in created_by]
    environment = result.environment_files.get(stack)
    if environment and environment != file:
        related.append((environment, 1, f"settings of {stack}"))
    links = [f"[{path}:{number}]({index})" for index, (path, number, _) in enumerate(related, 1)]
    if created_by:
        text += " Created via " + " ← ".join(links[: len(created_by)]) + "."
    if len(links) > len(created_by):
        text += f" Environment: {links[-1]}."
    entry = {
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": _physical(file, line),
                "logicalLocations": [{"name": logical, "fullyQualifiedName": f"{stack}/{logical}", "kind": "resource"}],
            }
        ],
    }
    if related:
        entry["relatedLocations"] = [
            {"id": index, "physicalLocation": _physical(path, number), "message": {"text": what}}
            for index, (path, number, what) in enumerate(related, 1)
        ]
    return entry


def sarif(result: GateResult) -> dict:
    rules: dict[str, dict] = {}
    results = []
    for finding in result.findings:
        if finding.result == "PASSED":
            continue
        rules.setdefault(
            finding.check_id,
            {
                "id": finding.check_id,
                "name": finding.check_id,
                "shortDescription": {"text": finding.check_name},
                **({"helpUri": finding.guideline} if finding.guideline else {}),
            },
        )
        entry = {
            "ruleId": finding.check_id,
            "level": "error",
            **_result(
                result,
                finding.stack,
                finding.resource,
                f"{finding.stack}: {finding.resource}: {finding.check_name}"
                + (f" ({'; '.join(finding.details)})" if finding.details else "")
                + ".",
                finding.source_file,
                finding.source_line,
                finding.created_by,
            ),
        }
        # one alert per stack and resource, though dev, staging and prod share the line that creates it
        identity = f"{finding.stack}|{finding.check_id}|{finding.resource}".encode()
        entry["partialFingerprints"] = {"policyGate/v1": hashlib.sha256(identity).hexdigest()[:32]}
        entry["properties"] = {
            "stack": finding.stack,
            "framework": finding.framework,
            "scanned": f"{finding.file}:{finding.lines[0]}",
        }
        if finding.result == "SKIPPED":
            entry["suppressions"] = [{"kind": "external", "justification": finding.skip_reason}]
        results.append(entry)
    for item in result.broadening:
        rules.setdefault(
            "GATE_BROADENING",
            {
                "id": "GATE_BROADENING",
                "name": "PermissionBroadening",
                "shortDescription": {"text": "Permission or network access added"},
            },
        )
        entry = {
            "ruleId": "GATE_BROADENING",
            "level": "warning" if item["acknowledged"] else "error",
            **_result(
                result,
                item["stack"],
                item["source"],
                f"{item['stack']}: {item['description']} [{item['fingerprint']}].",
                item.get("source_file", ""),
                item.get("source_line", 0),
                item.get("created_by", []),
            ),
        }
        entry["partialFingerprints"] = {"gateBroadening": item["fingerprint"]}
        if item["acknowledged"]:
            entry["suppressions"] = [{"kind": "external", "justification": "acknowledged in the pull request"}]
        results.append(entry)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "platform-policy-gate",
                        "informationUri": "https://www.checkov.io/",
                        "rules": sorted(rules.values(), key=lambda r: r["id"]),
                    }
                },
                "results": results,
            }
        ],
    }


def junit(result: GateResult) -> ElementTree.ElementTree:
    suites = ElementTree.Element("testsuites", name="policy-gate")
    by_stack: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_stack.setdefault(finding.stack, []).append(finding)
    for stack in sorted(set(by_stack) | set(result.plan_failures) | {b["stack"] for b in result.broadening}):
        findings = by_stack.get(stack, [])
        suite = ElementTree.SubElement(suites, "testsuite", name=stack)
        failed = skipped = total = 0
        if stack in result.plan_failures:
            case = ElementTree.SubElement(suite, "testcase", classname=f"{stack}.plan", name="terraform plan")
            ElementTree.SubElement(case, "failure", message="plan failed").text = result.plan_failures[stack]
            failed, total = failed + 1, total + 1
        for finding in sorted(findings, key=lambda f: (f.framework, f.check_id, f.resource)):
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"{stack}.{_short(finding.framework)}",
                name=f"{finding.check_id} {finding.resource}",
                file=finding.source_file or finding.file,
            )
            total += 1
            if finding.result == "FAILED":
                failed += 1
                ElementTree.SubElement(case, "failure", message=finding.check_name).text = (
                    f"{finding.location}\n" + "\n".join(finding.details)
                )
            elif finding.result == "SKIPPED":
                skipped += 1
                ElementTree.SubElement(case, "skipped", message=finding.skip_reason)
        for item in (b for b in result.broadening if b["stack"] == stack):
            case = ElementTree.SubElement(
                suite, "testcase", classname=f"{stack}.broadening", name=f"{item['fingerprint']} {item['description']}"
            )
            total += 1
            if not item["acknowledged"]:
                failed += 1
                ElementTree.SubElement(case, "failure", message="permission broadening not acknowledged")
        suite.set("tests", str(total))
        suite.set("failures", str(failed))
        suite.set("skipped", str(skipped))
    if result.baseline_missing:
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name="base-branch",
            tests="1",
            failures=str(int(result.unplannable_base_refused)),
            skipped=str(int(result.unplannable_base_accepted)),
        )
        case = ElementTree.SubElement(suite, "testcase", classname="base-branch", name="baseline plans")
        if result.unplannable_base_refused:
            ElementTree.SubElement(case, "failure", message="base branch not planned: broadening not checked")
        else:
            ElementTree.SubElement(case, "skipped", message="base branch not planned: accepted by the pull request")
    return ElementTree.ElementTree(suites)


def as_json(result: GateResult) -> dict:
    data = asdict(result)
    data["ok"] = result.ok
    data["counts"] = result.counts()
    data["failures"] = [asdict(f) for f, _ in merged_failures(result.findings)]
    return data


def write_reports(result: GateResult, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "sarif": directory / "gate.sarif",
        "junit": directory / "gate-junit.xml",
        "json": directory / "gate.json",
        "markdown": directory / "gate-summary.md",
        "text": directory / "gate-summary.txt",
    }
    paths["sarif"].write_text(json.dumps(sarif(result), indent=1))
    tree = junit(result)
    ElementTree.indent(tree)
    tree.write(paths["junit"], encoding="utf-8", xml_declaration=True)
    paths["json"].write_text(json.dumps(as_json(result), indent=1))
    paths["markdown"].write_text(markdown(result))
    paths["text"].write_text(summary_text(result) + "\n")
    return paths


def relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
