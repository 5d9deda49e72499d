"""Built-in CodeDeploy traffic hook of a function service: invoke the function and report the result.

BeforeAllowTraffic invokes the version being deployed (before any traffic reaches it); AfterAllowTraffic invokes
the alias (which then serves the new version only). The version comes from the deployment's own AppSpec
(GetDeployment returns its content), so the hook needs no setting per release. An invocation that fails
(FunctionError, a throttle, any API error) reports `Failed` and CodeDeploy moves the alias back. The hook always
reports; a report that fails is retried once, then the invocation raises (its log and error metrics show it).

Settings (environment variables):
  FUNCTION_NAME   the function to check
  FUNCTION_ALIAS  its alias (AfterAllowTraffic invokes it)
  CHECK_PAYLOAD   the event sent (JSON), default {}
"""

from __future__ import annotations

import json
import logging
import os
import time

import boto3

REPORT_RETRY_DELAY_SECONDS = 2.0

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


def target_version(appspec_content: str) -> str:
    """TargetVersion of the AppSpec's one Lambda resource (AppSpec content is JSON or YAML; ours is JSON)."""
    spec = json.loads(appspec_content)
    (resource,) = spec["Resources"]
    (properties,) = (entry["Properties"] for entry in resource.values())
    return str(properties["TargetVersion"])


def qualifier(hook: str, deployment: dict, alias: str) -> str:
    """What the hook invokes: the new version before traffic moves, the alias after."""
    if hook == "AfterAllowTraffic":
        return alias
    return target_version(deployment["revision"]["appSpecContent"]["content"])


def check(lambda_client, function: str, qualifier_: str, payload: str) -> str:
    """'' when the invocation succeeded, else why not."""
    try:
        answer = lambda_client.invoke(FunctionName=function, Qualifier=qualifier_, Payload=payload.encode())
    except Exception as err:  # any API error fails the release
        return f"invoke {function}:{qualifier_}: {err}"
    if answer.get("FunctionError"):
        return f"{function}:{qualifier_} answered with {answer['FunctionError']}: {answer['Payload'].read()[:500]!r}"
    return ""


def handler(event, context, codedeploy=None, lambda_client=None, environ=os.environ):
    codedeploy = codedeploy or boto3.client("codedeploy")
    lambda_client = lambda_client or boto3.client("lambda")
    hook = environ.get("HOOK", "BeforeAllowTraffic")
    try:
        deployment = codedeploy.get_deployment(deploymentId=event["DeploymentId"])["deploymentInfo"]
        problem = check(
            lambda_client,
            environ["FUNCTION_NAME"],
            qualifier(hook, deployment, environ["FUNCTION_ALIAS"]),
            environ.get("CHECK_PAYLOAD") or "{}",
        )
    except Exception as err:  # a bad setting or deployment still reports
        problem = f"{type(err).__name__}: {err}"
    status = "Failed" if problem else "Succeeded"
    logger.info("%s: %s %s", hook, status, problem)
    request = {
        "deploymentId": event["DeploymentId"],
        "lifecycleEventHookExecutionId": event["LifecycleEventHookExecutionId"],
        "status": status,
    }
    for attempt in (1, 2):
        try:
            codedeploy.put_lifecycle_event_hook_execution_status(**request)
            return {"status": status, "problem": problem}
        except Exception:
            if attempt == 2:
                raise
            time.sleep(REPORT_RETRY_DELAY_SECONDS)
