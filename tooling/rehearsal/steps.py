"""Which steps of a rehearsed release the emulator serves and which the project orchestrates, with the AWS
documentation each follows: the README's table (`python -m tooling.rehearsal.steps`), and the `doc` each
timeline step names (tests/unit/test_rehearsal_readme.py keeps the README in step)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepKind:
    key: str
    step: str
    served: str  # who does it: the emulator (moto, with IAM enforced) or the project (tooling/rehearsal/)
    how: str
    doc: str


EMULATOR, PROJECT = "emulator-served", "project-orchestrated"

STEPS = (
    StepKind(
        "source",
        "Source: the application zipped into the artifact bucket",
        PROJECT,
        "as the pipeline role: the artifact store checked (GetBucketVersioning, GetBucketLocation), the zip put "
        "(S3 PutObject, SSE-KMS with the pipeline's key); codestar-connections:UseConnection judged only (no "
        "connections in moto 5.2.5)",
        "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html",
    ),
    StepKind(
        "start_build",
        "Build action: StartBuild / BatchGetBuilds",
        EMULATOR,
        "CodeBuild's API on the emulator, as the pipeline role",
        "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html",
    ),
    StepKind(
        "buildspec",
        "Build: the deployed project's buildspec, phases in order, on-failure ABORT",
        PROJECT,
        "bash in a temporary directory with CodeBuild's variables; parameter-store/secrets-manager read from the "
        "emulator, source/artifacts through S3, images pushed to ECR (`docker`/`aws` recorders: layer uploads, "
        "PutImage), the S3 cache, build logs, the coverage report (judged only), all as the build role",
        "https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html",
    ),
    StepKind(
        "deploy_ecs",
        "Deploy, rolling (ECS action)",
        PROJECT,
        "the ECS action's calls as the pipeline role: DescribeServices, DescribeTaskDefinition, "
        "RegisterTaskDefinition (tags, iam:PassRole), UpdateService; ECS on the emulator",
        "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECS.html",
    ),
    StepKind(
        "service_stable",
        "Deploy, rolling: wait for the service to be stable",
        EMULATOR,
        "DescribeServices until one deployment runs the desired count (as far as moto models tasks)",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html",
    ),
    StepKind(
        "task_pull",
        "Deploy, rolling: the new tasks pull their image and start logging",
        PROJECT,
        "what the ECS agent does with the task execution role (moto starts no tasks): ecr:GetAuthorizationToken, "
        "BatchGetImage of the deployed image (GetDownloadUrlForLayer judged only: not in moto 5.2.5), "
        "CreateLogStream/PutLogEvents on the task's log group",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html",
    ),
    StepKind(
        "deploy_eks",
        "Deploy to EKS (staging): the deploy project's buildspec up to kubectl",
        PROJECT,
        "StartBuild as the pipeline role, then the project's buildspec as its role; `kubectl apply` validates the "
        "rendered manifests against the Kubernetes API schemas offline (kubernetes-validate), no cluster",
        "https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html",
    ),
    StepKind(
        "approval",
        "Approval: notification published, a subscriber receives it, approved",
        PROJECT,
        "sns:Publish as the pipeline role to the (KMS-encrypted) approval topic, an SQS subscriber reads it; the "
        "approval itself (PutApprovalResult) is not in moto 5.2.5",
        "https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-json-format.html",
    ),
    StepKind(
        "bluegreen_action",
        "Deploy, blue/green: the CodeDeployToECS action",
        PROJECT,
        "tooling/rehearsal/codedeploy_ecs.py as the pipeline role (moto runs no pipeline): RegisterTaskDefinition "
        "(the template with `<IMAGE1_NAME>` from imageDetail.json; tags, iam:PassRole), CreateDeployment (the "
        "AppSpec with `<TASK_DEFINITION>`), GetDeployment; ECS and CodeDeploy on the emulator serve the calls",
        "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html",
    ),
    StepKind(
        "bluegreen_lifecycle",
        "Deploy, blue/green: CodeDeploy's ECS lifecycle events in order",
        PROJECT,
        "moto 5.2.5 runs no CodeDeploy deployment: Start (DescribeServices, target groups, listeners, rules), "
        "Install (CreateTaskSet, iam:PassRole of the task roles), AllowTestTraffic, AllowTraffic, the replacement "
        "made primary, the original deleted after the (compressed) termination wait, as the CodeDeploy role; "
        "CodeDeploy's own records read from the emulator (patch codedeploy-lifecycle-hook-status)",
        "https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html",
    ),
    StepKind(
        "task_sets",
        "Deploy, blue/green: task sets created, made primary, deleted",
        EMULATOR,
        "ECS task sets on the emulator (patch ecs-code-deploy-task-sets: the service's primary task set, task "
        "sets keep their scale without tasks)",
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateTaskSet.html",
    ),
    StepKind(
        "bluegreen_traffic",
        "Deploy, blue/green: production traffic shifted in the configuration's steps",
        PROJECT,
        "the predefined configuration's canary, linear or all-at-once steps; the group's alarms read "
        "(DescribeAlarms) after each shift and each (compressed) interval; one in ALARM stops the deployment",
        "https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html",
    ),
    StepKind(
        "listener_weights",
        "Deploy, blue/green: listener weights and alarm states",
        EMULATOR,
        "ModifyListener with weighted forward actions on the emulator's ELBv2, DescribeAlarms on its CloudWatch, "
        "as the CodeDeploy role",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyListener.html",
    ),
    StepKind(
        "bluegreen_hooks",
        "Deploy, blue/green: the AppSpec's lifecycle hooks run (the real hook code)",
        PROJECT,
        "lambda:InvokeFunction as the CodeDeploy role, sent as a DryRun (moto's Lambda needs Docker); "
        "modules/ecs/hook_code/validate.py in a subprocess with the hooks role's credentials against a local "
        "server standing for the listener; its own calls recorded there and judged when it returns",
        "https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html",
    ),
    StepKind(
        "hook_report",
        "Deploy, blue/green: the hook reports its status",
        EMULATOR,
        "PutLifecycleEventHookExecutionStatus on the emulator as the hooks role (patch "
        "codedeploy-lifecycle-hook-status records it); no report, or Failed, fails the event",
        "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_PutLifecycleEventHookExecutionStatus.html",
    ),
    StepKind(
        "bluegreen_rollback",
        "Deploy, blue/green: automatic rollback (a hook failed, an alarm in ALARM)",
        PROJECT,
        "as the group's auto_rollback_configuration says, as the CodeDeploy role: both listeners back to the "
        "original target group, the replacement task set deleted; the deployment reported Failed with its event",
        "https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html",
    ),
    StepKind(
        "alarm",
        "Rollback trigger: an alarm set to ALARM during the canary",
        EMULATOR,
        "CloudWatch SetAlarmState on the emulator (admin) when the lifecycle waits between traffic shifts (the "
        "canary interval), read back by its DescribeAlarms; set back to OK after the release",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html",
    ),
)
BY_KEY = {kind.key: kind for kind in STEPS}


def doc(key: str) -> str:
    return BY_KEY[key].doc


def markdown() -> str:
    lines = ["| step | served by | how | AWS documentation |", "|---|---|---|---|"]
    lines += [f"| {k.step} | {k.served} | {k.how} | [{k.doc.rsplit('/', 1)[-1]}]({k.doc}) |" for k in STEPS]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
