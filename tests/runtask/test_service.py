"""The run task service against a stand-in for HCP Terraform, over HTTP, as the protocol documents it:
signed request -> 200 at once -> plan download with the run's token -> checkov + broadening -> PATCH.

Two checkov runs in all (~3-9 s each): a clean plan served slowly, then the same workspace's next plan,
with a policy failure and a permission broadening.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.runtask.standin import StandIn, ecr_repository, payload, plan, role_policy, send
from tooling.runtask.server import RunTaskServer, RunTaskService

KEY = b"run-task-hmac-key"
TOKEN = "4QEuyyxug1f2rw.atlasv1.test"
QUIET = 0.5  # seconds a test waits to see that nothing happens


@pytest.fixture(scope="module")
def standin():
    standin = StandIn()
    yield standin
    standin.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    service = RunTaskService(
        tmp_path_factory.mktemp("runtask-state"), KEY, workers=2, ack_file=tmp_path_factory.mktemp("ack") / "none"
    )
    server = RunTaskServer(("127.0.0.1", 0), service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    service.url = f"http://127.0.0.1:{server.server_port}/"
    yield service
    assert service.wait_idle(60), "jobs still running at the end"
    server.shutdown()
    server.server_close()


def attributes(seen) -> dict:
    return seen.body["data"]["attributes"]


def outcomes(seen) -> list[dict]:
    return [o["attributes"] for o in seen.body["data"].get("relationships", {}).get("outcomes", {}).get("data", [])]


# ---------------------------------------------------------------------------- no job
@pytest.mark.parametrize("header", ["", "0" * 128, "not-hex"], ids=["missing", "wrong", "garbage"])
def test_a_bad_signature_is_401_and_nothing_runs(service, standin, header):
    plan_url = standin.serve_plan("plan-unsigned", plan(ecr_repository("app")), TOKEN)
    status, _ = send(
        service.url, payload(standin, f"taskrs-bad-{len(header)}", plan_url, TOKEN), KEY, signature_header=header
    )
    assert status == 401
    time.sleep(QUIET)
    assert standin.requests("plan-unsigned") == [], "the plan was downloaded"
    assert standin.callbacks(f"taskrs-bad-{len(header)}") == [], "a task result was sent"


def test_a_body_signed_with_another_key_is_401(service, standin):
    body = payload(standin, "taskrs-otherkey", standin.serve_plan("plan-other", plan(), TOKEN), TOKEN)
    status, _ = send(service.url, body, b"some other key")
    assert status == 401
    time.sleep(QUIET)
    assert standin.requests("plan-other") == [] and standin.callbacks("taskrs-otherkey") == []


def test_the_verification_request_gets_200_and_no_callback(service, standin):
    """HCP Terraform's request when the task is created: the token is "test-token"; it must get a 200."""
    body = payload(standin, "taskrs-verify", standin.serve_plan("plan-verify", plan(), TOKEN), "test-token")
    status, seconds = send(service.url, body, KEY)
    assert status == 200 and seconds < 1.0
    time.sleep(QUIET)
    assert standin.requests("plan-verify") == [] and standin.callbacks("taskrs-verify") == []


def test_a_body_that_is_not_a_run_task_request_is_400(service):
    assert send(service.url, b"{not json", KEY)[0] == 400
    assert send(service.url, {"payload_version": 1, "access_token": "x"}, KEY)[0] == 400


# ---------------------------------------------------------------------------- jobs without checkov
def test_an_invalid_token_fails_the_task_with_a_clear_message(service, standin):
    plan_url = standin.serve_plan("plan-token", plan(ecr_repository("app")), token="the-real-token")
    status, _ = send(
        service.url, payload(standin, "taskrs-token", plan_url, "an-expired-token", workspace_id="ws-t"), KEY
    )
    assert status == 200
    final = standin.final_result("taskrs-token", timeout=30)
    assert attributes(final)["status"] == "failed"
    message = attributes(final)["message"]
    assert "could not download the plan JSON" in message and "401" in message and "access token" in message
    assert [(o["outcome-id"], o["description"]) for o in outcomes(final)] == [
        ("plan-download", "could not download the plan JSON: HCP Terraform answered 401 Unauthorized")
    ]
    assert outcomes(final)[0]["tags"]["Status"] == [{"label": "Error", "level": "error"}]
    assert final.headers["Authorization"] == "Bearer an-expired-token"


def test_a_stage_without_a_plan_fails_the_task(service, standin):
    body = {**payload(standin, "taskrs-preplan", "", TOKEN, workspace_id="ws-p"), "stage": "pre_plan"}
    del body["plan_json_api_url"]
    assert send(service.url, body, KEY)[0] == 200
    final = standin.final_result("taskrs-preplan", timeout=30)
    assert attributes(final)["status"] == "failed"
    assert "attach this task at post_plan" in attributes(final)["message"]


# ---------------------------------------------------------------------------- checkov
@pytest.fixture(scope="module", autouse=True)
def started(service, standin):
    """A clean plan whose download takes 2 s, sent with the module's first test so that its checkov run
    overlaps the tests above."""
    plan_url = standin.serve_plan("plan-clean", plan(ecr_repository("app")), TOKEN, delay=2.0)
    sent = time.monotonic()
    status, seconds = send(service.url, payload(standin, "taskrs-clean", plan_url, TOKEN, run_id="run-clean"), KEY)
    return {"sent": sent, "status": status, "answer": seconds}


@pytest.fixture(scope="module")
def clean_run(started, standin):
    final = standin.final_result("taskrs-clean")
    return {
        **started,
        "final": final,
        "download": standin.requests("/plans/plan-clean/json-output")[0],
        "storage": standin.requests("/archivist/plan-clean")[0],
        "callbacks": standin.callbacks("taskrs-clean"),
    }


@pytest.fixture(scope="module")
def failing_run(service, standin, clean_run):
    """The next run of the same workspace: its ECR repository has MUTABLE tags (the project's CKV_DLP_30 and
    checkov's CKV_AWS_51 fail) and a new role policy grants s3:GetObject (broadening over the clean run)."""
    changed = plan(
        ecr_repository("app", "MUTABLE"),
        role_policy("reader", "prod-app-task", ["s3:GetObject"], "arn:aws:s3:::prod-artifacts/*"),
    )
    plan_url = standin.serve_plan("plan-changed", changed, TOKEN)
    status, seconds = send(service.url, payload(standin, "taskrs-changed", plan_url, TOKEN, run_id="run-changed"), KEY)
    return status, seconds, standin.final_result("taskrs-changed")


def test_a_policy_failure_fails_the_task_with_one_outcome_per_finding(failing_run):
    status, seconds, final = failing_run
    assert status == 200 and seconds < 1.0
    assert final.headers["Content-Type"] == "application/vnd.api+json"
    assert final.headers["Authorization"] == f"Bearer {TOKEN}"
    assert final.body["data"]["type"] == "task-results"
    assert attributes(final)["status"] == "failed"
    assert "2 failed" in attributes(final)["message"]
    found = {o["outcome-id"]: o for o in outcomes(final) if not o["outcome-id"].startswith("broadening:")}
    assert set(found) == {"CKV_DLP_30:aws_ecr_repository.app", "CKV_AWS_51:aws_ecr_repository.app"}
    ours, builtin = found["CKV_DLP_30:aws_ecr_repository.app"], found["CKV_AWS_51:aws_ecr_repository.app"]
    assert ours["tags"] == {
        "Status": [{"label": "Failed", "level": "error"}],
        "Severity": [{"label": "High", "level": "error"}],
    }
    assert builtin["tags"]["Severity"] == [{"label": "Medium", "level": "warning"}]
    assert "image_tag_mutability is MUTABLE" in ours["body"] and "`prod-delivery`" in ours["body"]
    assert "\n" not in ours["description"] and ours["description"].startswith("CKV_DLP_30 aws_ecr_repository.app")


def test_broadening_against_the_last_passed_plan_fails_the_task(failing_run):
    final = failing_run[2]
    assert "permission broadening since run-clean: 1 new" in attributes(final)["message"]
    broadened = [o for o in outcomes(final) if o["outcome-id"].startswith("broadening:")]
    assert len(broadened) == 1
    assert "role/prod-app-task: Allow s3:getobject on arn:aws:s3:::prod-artifacts/*" in broadened[0]["description"]
    assert broadened[0]["tags"]["Status"] == [{"label": "Broadens", "level": "error"}]
    assert "accept-broadening" in broadened[0]["body"]


def test_a_clean_plan_passes(clean_run):
    final = clean_run["final"]
    assert attributes(final)["status"] == "passed"
    assert attributes(final)["message"].startswith("checkov: ") and " 0 failed" in attributes(final)["message"]
    assert "not checked (no earlier plan of this workspace passed)" in attributes(final)["message"]
    assert outcomes(final) == []


def test_the_200_comes_before_the_slow_download_and_the_result_after(clean_run):
    assert clean_run["status"] == 200 and clean_run["answer"] < 1.0
    first, final = clean_run["callbacks"][0], clean_run["final"]
    assert attributes(first)["status"] == "running"
    assert final.at - clean_run["sent"] > 2.0, "the result came before the plan download finished"
    assert clean_run["download"].headers["Authorization"] == f"Bearer {TOKEN}"
    assert "Authorization" not in clean_run["storage"].headers, "the token followed the redirect"
    print(
        f"\nPOST -> 200 in {clean_run['answer'] * 1000:.0f} ms; running after "
        f"{first.at - clean_run['sent']:.2f} s; {attributes(final)['status']} after "
        f"{final.at - clean_run['sent']:.2f} s"
    )
