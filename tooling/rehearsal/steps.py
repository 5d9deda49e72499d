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
        "deploy_blue_green",
        "Deploy, blue/green (CodeDeployToECS action, then CodeDeploy's ECS lifecycle)",
        PROJECT,
        "tooling/rehearsal/codedeploy_ecs.py: the action's calls as the pipeline role, the lifecycle as the "
        "CodeDeploy role, the real hook code as the hooks role; moto 5.2.5 runs no CodeDeploy lifecycle",
        "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html",
    ),
    StepKind(
        "alarm",
        "Rollback trigger: an alarm set to ALARM during the canary",
        EMULATOR,
        "CloudWatch SetAlarmState on the emulator (admin), read back by the lifecycle's DescribeAlarms",
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
