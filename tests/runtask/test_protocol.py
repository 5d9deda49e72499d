"""The run task's pieces without checkov or HTTP: signature, request and result documents, the baseline
store, the verdict rules, the job's bookkeeping and the workspace settings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from envconfig.loader import ENVIRONMENTS_DIR, load_environments
from tests.environment_edits import edit
from tests.runtask.standin import role_policy
from tooling.gate.reports import Finding
from tooling.runtask import __main__ as cli
from tooling.runtask import checks, server
from tooling.runtask.baselines import Baseline, BaselineStore
from tooling.runtask.protocol import (
    Outcome,
    PlanDownloadError,
    RequestError,
    Tag,
    parse_request,
    signature,
    signature_valid,
    task_result_document,
)
from tooling.runtask.storage import LocalStorage
from tooling.runtask.workspaces import stack_for, stack_names, workspace_settings

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

# The documented sample payload (run tasks integration API, "Sample Payload").
SAMPLE = {
    "payload_version": 1,
    "stage": "post_plan",
    "access_token": "4QEuyyxug1f2rw.atlasv1.iDyxqhXGVZ0ykes53YdQyHyYtFOrdAWNBxcVUgWvzb64NFHjcquu8gJMEdUwoSLRu4Q",
    "capabilities": {"outcomes": True},
    "configuration_version_download_url": "https://app.terraform.io/api/v2/configuration-versions/cv-ntv3HbhJqvFzamy7/download",
    "configuration_version_id": "cv-ntv3HbhJqvFzamy7",
    "is_speculative": False,
    "organization_name": "hashicorp",
    "plan_json_api_url": "https://app.terraform.io/api/v2/plans/plan-6AFmRJW1PFJ7qbAh/json-output",
    "run_app_url": "https://app.terraform.io/app/hashicorp/my-workspace/runs/run-i3Df5to9ELvibKpQ",
    "run_created_at": "2021-09-02T14:47:13.036Z",
    "run_created_by": "username",
    "run_id": "run-i3Df5to9ELvibKpQ",
    "run_message": "Triggered via UI",
    "task_result_callback_url": "https://app.terraform.io/api/v2/task-results/5ea8d46c-2ceb-42cd-83f2-82e54697bddd/callback",
    "task_result_enforcement_level": "mandatory",
    "task_result_id": "taskrs-2nH5dncYoXaMVQmJ",
    "vcs_branch": "main",
    "vcs_commit_url": "https://github.com/hashicorp/terraform-random/commit/7d8fb2a2d601edebdb7a59ad2088a96673637d22",
    "vcs_pull_request_url": None,
    "vcs_repo_url": "https://github.com/hashicorp/terraform-random",
    "workspace_app_url": "https://app.terraform.io/app/hashicorp/my-workspace",
    "workspace_id": "ws-ck4G5bb1Yei5szRh",
    "workspace_name": "tfr_github_0",
    "workspace_working_directory": "/terraform",
}


# ---------------------------------------------------------------------------- signature
def test_the_signature_is_hex_hmac_sha512_of_the_body():
    # RFC 4231 test case 2, the value `openssl dgst -sha512 -hmac Jefe` prints for that body
    expected = (
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    )
    assert signature(b"what do ya want for nothing?", b"Jefe") == expected
    assert signature_valid(b"what do ya want for nothing?", expected.upper() + "\n", b"Jefe")
    assert not signature_valid(b"what do ya want for nothing!", expected, b"Jefe")
    assert not signature_valid(b"what do ya want for nothing?", "", b"Jefe")
    assert not signature_valid(b"what do ya want for nothing?", "é", b"Jefe")


# ---------------------------------------------------------------------------- request
def test_the_documented_sample_payload_parses():
    request = parse_request(SAMPLE)
    assert (request.stage, request.workspace_id, request.run_id) == (
        "post_plan",
        "ws-ck4G5bb1Yei5szRh",
        "run-i3Df5to9ELvibKpQ",
    )
    assert request.plan_json_api_url.endswith("/json-output") and not request.is_verification
    assert not request.is_speculative and request.task_result_enforcement_level == "mandatory"


def test_the_verification_request_needs_only_its_token():
    assert parse_request({"access_token": "test-token"}).is_verification
    assert parse_request({**SAMPLE, "access_token": "test-token"}).is_verification


@pytest.mark.parametrize(
    "change, message",
    [
        ({"payload_version": 2}, "only 1 is supported"),
        ({"task_result_callback_url": ""}, "task_result_callback_url"),
        ({"workspace_id": None}, "workspace_id"),
        ({"plan_json_api_url": "file:///etc/passwd"}, "not an http(s) URL"),
    ],
)
def test_a_request_it_cannot_act_on_is_refused(change, message):
    with pytest.raises(RequestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_request({**SAMPLE, **change})
    with pytest.raises(RequestError):
        parse_request([SAMPLE])


# ---------------------------------------------------------------------------- result document
def test_the_result_document_has_the_documented_shape():
    outcome = Outcome(
        "CKV_X:aws_s3_bucket.b",
        "one\nline",
        body="# body",
        url="https://example.com/x",
        status=Tag("Failed", "error"),
        severity=Tag("High", "error"),
    )
    document = task_result_document("failed", "0 passed, 0 skipped, 1 failed", (outcome,))
    assert document == {
        "data": {
            "type": "task-results",
            "attributes": {"status": "failed", "message": "0 passed, 0 skipped, 1 failed"},
            "relationships": {
                "outcomes": {
                    "data": [
                        {
                            "type": "task-result-outcomes",
                            "attributes": {
                                "outcome-id": "CKV_X:aws_s3_bucket.b",
                                "description": "one line",
                                "body": "# body",
                                "url": "https://example.com/x",
                                "tags": {
                                    "Status": [{"label": "Failed", "level": "error"}],
                                    "Severity": [{"label": "High", "level": "error"}],
                                },
                            },
                        }
                    ]
                }
            },
        }
    }
    assert "relationships" not in task_result_document("passed", "ok")["data"]


def test_errored_is_not_a_task_result_status():
    with pytest.raises(ValueError, match="running, passed, failed"):
        task_result_document("errored", "x")


def test_a_long_body_is_truncated():
    document = task_result_document("failed", "m", (Outcome("o", "d", body="x" * 600_000),))
    body = document["data"]["relationships"]["outcomes"]["data"][0]["attributes"]["body"]
    assert len(body.encode()) < 300_000 and body.endswith("(truncated)")


# ---------------------------------------------------------------------------- baselines
def test_the_baseline_is_the_last_passed_plan_of_another_run(tmp_path):
    store = BaselineStore(LocalStorage(tmp_path))
    assert store.baseline_for("ws-a", "run-1") is None
    store.record("ws-a", "run-1", {"n": 1})
    assert store.baseline_for("ws-a", "run-2") == Baseline("run-1", {"n": 1})
    assert store.baseline_for("ws-a", "run-1") is None, "post_plan and pre_apply of one run: not itself"
    store.record("ws-a", "run-2", {"n": 2})
    assert store.baseline_for("ws-a", "run-3") == Baseline("run-2", {"n": 2})
    assert store.baseline_for("ws-a", "run-2") == Baseline("run-1", {"n": 1})
    store.record("ws-a", "run-2", {"n": 2})  # the run's pre_apply passed too
    assert store.baseline_for("ws-a", "run-2") == Baseline("run-1", {"n": 1})
    assert store.baseline_for("ws-b", "run-3") is None
    with pytest.raises(ValueError, match="ws-<id>"):
        store.baseline_for("../../etc", "run-1")


# ---------------------------------------------------------------------------- verdicts (checkov stubbed)
def _finding(check_id: str, result: str, resource: str = "aws_ecr_repository.app", stack: str = "prod-service"):
    return Finding(
        stack=stack,
        framework="terraform_plan",
        check_id=check_id,
        check_name=f"name of {check_id}",
        resource=resource,
        result=result,
        file="plan.json",
    )


@pytest.fixture
def stub_checkov(monkeypatch):
    results: list[Finding] = []
    monkeypatch.setattr(checks, "run_checkov", lambda framework, inputs, workdir, skip_ids: list(results))
    return results


def _policy_plan(*actions: str) -> dict:
    rtype, name, values = role_policy("p", "prod-app-task", list(actions), "arn:aws:s3:::b/*")
    return {
        "planned_values": {
            "root_module": {
                "resources": [{"address": f"{rtype}.{name}", "type": rtype, "mode": "managed", "values": values}]
            }
        },
        "resource_changes": [],
        "configuration": {"root_module": {"resources": []}},
    }


def test_an_acknowledged_broadening_passes(stub_checkov, tmp_path):
    stub_checkov += [_finding("CKV_AWS_51", "PASSED")]
    baseline = Baseline("run-0", _policy_plan("s3:GetObject"))
    wider = _policy_plan("s3:GetObject", "s3:PutObject")
    verdict = checks.check_plan(wider, "prod-service", baseline, tmp_path / "w", ack_file=tmp_path / "none")
    assert verdict.status == "failed" and "since run-0: 1 new" in verdict.message
    fingerprint = verdict.outcomes[0].outcome_id.removeprefix("broadening:")
    (tmp_path / "ack").write_text(f"{fingerprint}  # reviewed in #123\n")
    verdict = checks.check_plan(wider, "prod-service", baseline, tmp_path / "w", ack_file=tmp_path / "ack")
    assert verdict.status == "passed"
    assert verdict.message == (
        "checkov: 1 passed, 0 skipped, 0 failed; permission broadening since run-0: 0 new, 1 acknowledged"
    )
    assert (verdict.outcomes[0].status, verdict.outcomes[0].severity) == (checks.ACKNOWLEDGED, checks.LOW)


def test_reviewed_skips_apply_by_stack(stub_checkov, tmp_path):
    """checkov-skips.yaml skips CKV_AWS_2 on aws_lb_listener.* of *-service stacks only."""
    stub_checkov += [_finding("CKV_AWS_2", "FAILED", "aws_lb_listener.http")]
    skipped = checks.check_plan({}, "prod-service", None, tmp_path / "a", ack_file=tmp_path / "none")
    assert skipped.status == "passed"
    assert [(o.status, o.severity) for o in skipped.outcomes] == [(checks.SKIPPED, checks.MEDIUM)]
    assert "Reviewed skip (checkov-skips.yaml)" in skipped.outcomes[0].body
    stub_checkov[0] = _finding("CKV_AWS_2", "FAILED", "aws_lb_listener.http", stack="prod-delivery")
    failed = checks.check_plan({}, "prod-delivery", None, tmp_path / "b", ack_file=tmp_path / "none")
    assert failed.status == "failed" and failed.outcomes[0].status == checks.FAILED


# ---------------------------------------------------------------------------- the job's bookkeeping
class FakeClient:
    sent: list[tuple[str, dict]] = []

    def __init__(self, token: str):
        self.token = token

    def download_plan(self, url: str) -> dict:
        if "missing" in url:
            raise PlanDownloadError("could not download the plan JSON: HCP Terraform answered 404 Not Found", 404)
        return {"format_version": "1.2", "url": url}

    def send_result(self, url: str, document: dict, attempts: int = 3) -> int:
        FakeClient.sent.append((url, document))
        return 200


@pytest.fixture
def service(tmp_path, monkeypatch):
    FakeClient.sent = []
    verdicts = {"plan-pass": checks.Verdict("passed", "ok"), "plan-fail": checks.Verdict("failed", "no")}

    def check_plan(plan, stack, *args):
        name = plan["url"].rsplit("/", 1)[-1]
        if name == "plan-crash":
            raise RuntimeError("checkov (terraform_plan) exited 2:\nTraceback ...\nKeyError: 'x'")
        return verdicts[name]

    monkeypatch.setattr(server, "check_plan", check_plan)
    return server.RunTaskService(tmp_path, hmac_key=None, client=FakeClient)


def _request(task_result_id: str, plan: str, speculative: bool = False, run_id: str = "run-1") -> bytes:
    return json.dumps(
        {
            **SAMPLE,
            "task_result_id": task_result_id,
            "plan_json_api_url": f"https://tfc/{plan}",
            "is_speculative": speculative,
            "run_id": run_id,
        }
    ).encode()


def _finals() -> list[str]:
    statuses = [document["data"]["attributes"]["status"] for _, document in FakeClient.sent]
    return [status for status in statuses if status != "running"]


def test_only_applied_kinds_of_runs_that_passed_become_the_baseline(service):
    workspace = SAMPLE["workspace_id"]
    assert service.receive(_request("t1", "plan-pass", speculative=True), "") == (200, "")
    assert service.wait_idle(10)
    assert service.baselines.baseline_for(workspace, "run-9") is None, "a speculative plan is never applied"
    service.receive(_request("t2", "plan-fail", run_id="run-2"), "")
    assert service.wait_idle(10) and service.baselines.baseline_for(workspace, "run-9") is None
    service.receive(_request("t3", "plan-pass", run_id="run-3"), "")
    assert service.wait_idle(10) and service.baselines.baseline_for(workspace, "run-9").run_id == "run-3"
    assert _finals() == ["passed", "failed", "passed"]
    assert json.loads((service.state_dir / "results" / "t3.json").read_text())["stack"] == "tfr_github_0"


def test_a_retried_request_runs_once(service):
    assert service.receive(_request("t1", "plan-pass"), "") == (200, "")
    assert service.receive(_request("t1", "plan-pass"), "") == (200, "")
    assert service.wait_idle(10) and _finals() == ["passed"]


def test_without_a_key_a_signed_request_is_refused(service):
    status, text = service.receive(_request("t1", "plan-pass"), "abc")
    assert status == 400 and "no HMAC key" in text
    assert service.wait_idle(10) and FakeClient.sent == []


def test_a_failed_download_reports_failed(service):
    service.receive(_request("t1", "plan-missing"), "")
    assert service.wait_idle(10)
    (_, running), (_, final) = FakeClient.sent
    assert running["data"]["attributes"]["status"] == "running"
    assert final["data"]["attributes"] == {
        "status": "failed",
        "message": "could not download the plan JSON: HCP Terraform answered 404 Not Found",
    }


# ---------------------------------------------------------------------------- workspaces
def test_every_stack_of_an_environment_with_a_cloud_backend_gets_a_workspace(catalog):
    settings = workspace_settings(catalog)
    cloud = sorted(e.name for e in catalog.selected if type(e.backend).__name__ == "CloudBackend")
    assert cloud == ["prod"], "the environment files changed: update this test"
    assert [s["stack"] for s in settings] == [
        "prod-delivery",
        "prod-service",
        "prod-eks",
        "prod-gitops",
        "prod-runtask",
    ]
    service = settings[1]
    assert service["workspace"] == {
        "name": "platform-prod-service",
        "execution-mode": "remote",
        "working-directory": "cdktf.out/stacks/prod-service",
    }
    assert (service["organization"], service["hostname"]) == ("acme", "app.terraform.io")
    deployed = {
        "stack": "prod-runtask",
        "workspace": "platform-prod-runtask",
        "output": "task-url",
        "read-with": "terraform output -raw task-url (in cdktf.out/stacks/prod-runtask)",
    }
    assert service["run-tasks"] == [
        {
            "task": "platform-policy-gate",
            "enforcement-level": "mandatory",
            "stages": ["post_plan"],
            "task-url": deployed,
        }
    ]
    levels = {s["stack"]: s["run-tasks"][0]["enforcement-level"] for s in settings}
    assert levels.pop("prod-runtask") == "advisory", "a broken task must not block the apply that repairs it"
    assert set(levels.values()) == {"mandatory"}


def test_the_task_url_comes_from_the_run_task_stack_only_where_one_is_deployed(tmp_path):
    directory = tmp_path / "environments"
    shutil.copytree(ENVIRONMENTS_DIR, directory)
    edit(directory, "prod", 'image_tag = "release-2026.11.30"', "")
    edit(directory, "prod", "run_task {\n  \n}", "")
    catalog = load_environments(["prod"], directory)
    settings = workspace_settings(catalog)
    assert "prod-runtask" not in [s["stack"] for s in settings]
    assert {s["run-tasks"][0]["task-url"] for s in settings} == {None}, "served elsewhere: no stack output"


def test_the_stack_names_are_those_synthesized(catalog):
    expected = sorted(path.stem for path in GOLDEN.glob("*.json"))
    assert sorted(name for env in catalog.selected for name in stack_names(env)) == expected


def test_a_run_belongs_to_the_stack_of_its_working_directory():
    known = {"platform-prod-eks": "prod-eks"}
    assert stack_for("cdktf.out/stacks/prod-service", "whatever", known) == "prod-service"
    assert stack_for("/cdktf.out/stacks/prod-service/", "whatever", known) == "prod-service"
    assert stack_for("", "platform-prod-eks", known) == "prod-eks"
    assert stack_for("/terraform", "other", known) == "other"


def test_the_workspaces_command_prints_json(capsys):
    assert cli.main(["workspaces", "--task-name", "gate"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {entry["run-tasks"][0]["task"] for entry in printed} == {"gate"}


def test_the_hmac_key_comes_from_the_file_else_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(cli.KEY_VARIABLE, "from-env")
    assert cli._hmac_key(None) == b"from-env"
    (tmp_path / "key").write_text("from-file\n")
    assert cli._hmac_key(tmp_path / "key") == b"from-file"
    monkeypatch.setenv(cli.KEY_VARIABLE, "")
    assert cli._hmac_key(None) is None


def test_an_error_in_the_checks_reports_failed_with_its_first_line(service):
    service.receive(_request("t1", "plan-crash"), "")
    assert service.wait_idle(10)
    final = FakeClient.sent[-1][1]["data"]
    assert final["attributes"] == {
        "status": "failed",
        "message": "the run task failed: checkov (terraform_plan) exited 2:",
    }
    outcome = final["relationships"]["outcomes"]["data"][0]["attributes"]
    assert outcome["outcome-id"] == "run-task-error" and "KeyError: 'x'" in outcome["body"]
