"""The policy gate's checks on one plan from HCP Terraform, as a task result.

The same rules as `make gate` (tooling/gate/runner.py), imported, not copied: checkov with the built-in
checks and every check in policies/, minus the reviewed skips of checkov-skips.yaml (unscoped ones are not
run, scoped ones set matching failures aside with their reason); then permission broadening
(tooling/gate/broadening.py) against the workspace's last passed plan, acknowledged by fingerprint in
.gate/accept-broadening. Stale scoped skips are not reported here: the pull-request gate, which sees every
stack, owns that.

Severity, which checkov's offline results do not carry: the project's own checks (CKV_DLP_*, CKV2_DLP_*)
and unacknowledged broadening are High; built-in checks are Medium; an acknowledged broadening is Low.
Any failed check or unacknowledged broadening fails the task, whatever its severity.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tooling.gate.broadening import Broadening, compare, read_acknowledgements
from tooling.gate.replacements import replacement_findings
from tooling.gate.reports import Finding
from tooling.gate.runner import ACK_FILE, PLAN, SKIPS_FILE, apply_skips, load_skips, run_checkov
from tooling.runtask.baselines import Baseline
from tooling.runtask.protocol import Outcome, Tag

HIGH, MEDIUM, LOW = Tag("High", "error"), Tag("Medium", "warning"), Tag("Low", "info")
FAILED, SKIPPED = Tag("Failed", "error"), Tag("Skipped", "info")
BROADENS, ACKNOWLEDGED = Tag("Broadens", "error"), Tag("Acknowledged", "info")
ERROR = Tag("Error", "error")


@dataclass(frozen=True)
class Verdict:
    """What the callback reports: passed or failed, one message, the outcomes."""

    status: str  # passed | failed
    message: str
    outcomes: tuple[Outcome, ...] = ()


def check_plan(
    plan: dict,
    stack: str,
    baseline: Baseline | None,
    workdir: Path,
    skips_file: Path = SKIPS_FILE,
    ack_file: Path = ACK_FILE,
) -> Verdict:
    """checkov and the broadening check on `plan` (the plan of `stack`); `workdir` is scratch space."""
    skips = load_skips(skips_file)
    workdir.mkdir(parents=True, exist_ok=True)
    plan_file = workdir / "plan.json"
    plan_file.write_text(json.dumps(plan))
    findings = run_checkov(PLAN, {stack: plan_file}, workdir / "checkov", [s.id for s in skips if not s.scoped])
    findings += replacement_findings({stack: plan_file})  # HCP Terraform plans have state: replacements show
    apply_skips(findings, skips, [stack])
    broadening = compare(stack, baseline.plan, plan) if baseline is not None else []
    acknowledged = read_acknowledgements(ack_file)

    counts = Counter(f.result for f in findings)
    new = [b for b in broadening if b.fingerprint not in acknowledged]
    outcomes = [finding_outcome(f) for f in sorted(findings, key=_order) if f.result in ("FAILED", "SKIPPED")]
    outcomes += [broadening_outcome(b, baseline.run_id, b.fingerprint in acknowledged) for b in broadening]
    checkov = f"checkov: {counts['PASSED']} passed, {counts['SKIPPED']} skipped, {counts['FAILED']} failed"
    if baseline is None:
        widened = "permission broadening: not checked (no earlier plan of this workspace passed)"
    else:
        widened = f"permission broadening since {baseline.run_id}: {len(new)} new" + (
            f", {len(broadening) - len(new)} acknowledged" if len(broadening) > len(new) else ""
        )
    status = "failed" if counts["FAILED"] or new else "passed"
    return Verdict(status, f"{checkov}; {widened}", tuple(outcomes))


def failure(reason: str, outcome_id: str = "run-task-error") -> Verdict:
    """Nothing was checked: failed (a task result has no 'errored' status), with the reason as its outcome
    (the message is the reason's first line; the outcome's body has all of it, e.g. checkov's stderr)."""
    message = reason.strip().splitlines()[0][:500] if reason.strip() else "the run task failed"
    detail = f"```\n{reason}\n```" if "\n" in reason.strip() else reason
    outcome = Outcome(
        outcome_id,
        description=message.split(". ")[0],
        body=f"**Nothing was checked.**\n\n{detail}",
        status=ERROR,
        severity=HIGH,
    )
    return Verdict("failed", message, (outcome,))


def _order(finding: Finding) -> tuple:
    return finding.result != "FAILED", finding.check_id, finding.resource


def _project_check(check_id: str) -> bool:
    return check_id.startswith(("CKV_DLP_", "CKV2_DLP_"))


def finding_outcome(finding: Finding) -> Outcome:
    owner = "the project's own policy (policies/)" if _project_check(finding.check_id) else "a checkov built-in check"
    lines = [
        f"**{finding.check_name}**",
        "",
        "| | |",
        "|---|---|",
        f"| Check | `{finding.check_id}`: {owner} |",
        f"| Resource | `{finding.resource}` |",
        f"| Stack | `{finding.stack}` |",
        f"| Result | {finding.result} |",
    ]
    if finding.details:
        lines += ["", *[f"- {detail}" for detail in finding.details]]
    if finding.result == "SKIPPED":
        lines += ["", f"Reviewed skip (checkov-skips.yaml): {finding.skip_reason}"]
    elif _project_check(finding.check_id):
        lines += ["", "The project's own checks cannot be skipped: fix the code that produced this resource."]
    else:
        lines += ["", "Fix the resource, or add a reviewed, scoped skip with its reason to checkov-skips.yaml."]
    return Outcome(
        outcome_id=f"{finding.check_id}:{finding.resource}",
        description=f"{finding.check_id} {finding.resource}: {finding.check_name}",
        body="\n".join(lines),
        url=finding.guideline,
        status=FAILED if finding.result == "FAILED" else SKIPPED,
        severity=HIGH if _project_check(finding.check_id) else MEDIUM,
    )


def broadening_outcome(item: Broadening, baseline_run: str, acknowledged: bool) -> Outcome:
    lines = [
        f"**{'Acknowledged' if acknowledged else 'New'} {item.category}:** `{item.description}`",
        "",
        "| | |",
        "|---|---|",
        f"| Kind | {item.category} |",
        f"| Resource | `{item.source}` |",
        f"| Compared with | the last plan of this workspace that passed ({baseline_run}) |",
        f"| Fingerprint | `{item.fingerprint}` |",
        "",
    ]
    lines.append(
        "Acknowledged in .gate/accept-broadening."
        if acknowledged
        else "This plan grants or opens more than the last plan that passed. If that is intended, add the "
        "fingerprint to .gate/accept-broadening (reviewed like code) and re-run the plan."
    )
    return Outcome(
        outcome_id=f"broadening:{item.fingerprint}",
        description=f"Permission broadening ({item.category}): {item.description}",
        body="\n".join(lines),
        status=ACKNOWLEDGED if acknowledged else BROADENS,
        severity=LOW if acknowledged else HIGH,
    )
