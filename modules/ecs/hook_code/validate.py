"""CodeDeploy lifecycle hook: an HTTP check of the listener that carries the new tasks' traffic at
this point of the deployment, reported back to CodeDeploy. Standard library and boto3 only."""

import os
import time
import urllib.error
import urllib.request

import boto3


def healthy(url: str, attempts: int, delay_seconds: float, timeout_seconds: float = 5.0) -> bool:
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=timeout_seconds) as response:
                if 200 <= response.status < 400:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        if attempt + 1 < attempts:
            time.sleep(delay_seconds)
    return False


def handler(event, context, codedeploy=None):
    ok = healthy(os.environ["CHECK_URL"], int(os.environ.get("CHECK_ATTEMPTS", "10")),
                 float(os.environ.get("CHECK_DELAY_SECONDS", "6")))
    status = "Succeeded" if ok else "Failed"
    (codedeploy or boto3.client("codedeploy")).put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return {"status": status}
