"""Deploy to EKS from CodeBuild: the seed's buildspec-eks.yml flow (update-kubeconfig, substitute the
image, `kubectl apply`, wait for `rollout status`) from the buildspec model, in a project whose role
may only describe its cluster (Kubernetes rights come from a namespace-scoped access entry), and the
pipeline deploy-target kind that runs it.

Differences from the seed, on purpose: no `curl` of kubectl at build time (the CodeBuild standard
image ships kubectl; `kubectl version --client` fails the build early if an image does not), and no
`docker build/push` here: the pipeline's build stage already pushed the image, whose URI arrives in
`imageDetail.json` of the build artifact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.codebuild_project import (
    CodebuildProject,
    CodebuildProjectArtifacts,
    CodebuildProjectEnvironment,
    CodebuildProjectLogsConfig,
    CodebuildProjectLogsConfigCloudwatchLogs,
    CodebuildProjectSource,
)
from cdktf_cdktf_provider_aws.codepipeline import CodepipelineStageAction

from modules.buildspec import Buildspec
from modules.core import Construct, literal
from modules.iam import ENCRYPT_DECRYPT, ServiceRole, ServiceRoleProps, Statement, key_usage
from modules.pipeline import BUILD_OUTPUT, SOURCE_OUTPUT

DEFAULT_IMAGE = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"


def eks_deploy_buildspec(*, cluster: str, namespace: str, manifest_dir: str = "k8s",
                         rollout_timeout: str = "5m", build_artifact: str = BUILD_OUTPUT) -> Buildspec:
    return Buildspec(
        # DEPLOYMENT comes from the pipeline action: one project serves every service of the cluster.
        variables={"EKS_CLUSTER_NAME": cluster, "K8S_NAMESPACE": namespace,
                   "MANIFEST_DIR": manifest_dir, "ROLLOUT_TIMEOUT": rollout_timeout},
        install=("kubectl version --client",),
        pre_build=(
            "aws eks update-kubeconfig --name $EKS_CLUSTER_NAME --region $AWS_DEFAULT_REGION",
            f"IMAGE_URI=$(jq -r .ImageURI \"$CODEBUILD_SRC_DIR_{build_artifact}/imageDetail.json\")",
            'test -n "$IMAGE_URI" && test -n "$DEPLOYMENT"',
        ),
        build=(
            'sed -i "s|IMAGE_URI|$IMAGE_URI|g" $MANIFEST_DIR/*.yaml',
            "kubectl apply --namespace $K8S_NAMESPACE -f $MANIFEST_DIR/",
        ),
        post_build=(
            "kubectl rollout status deployment/$DEPLOYMENT --namespace $K8S_NAMESPACE --timeout=$ROLLOUT_TIMEOUT",
        ),
    )


@dataclass(frozen=True)
class EksDeployProjectProps:
    name: str
    arn: str
    role_name: str
    account_id: str
    region: str
    cluster_arn: str
    buildspec: Buildspec
    log_group: str
    log_retention_days: int
    log_kms_key_arn: str
    artifact_key_alias_arn: str  # this environment's delivery key, by alias ARN (no cross-stack reference)
    artifact_sources: tuple[tuple[str, str], ...]  # (bucket, key alias) of every pipeline deploying here
    kms_key_arn_pattern: str
    image: str = DEFAULT_IMAGE
    timeout_minutes: int = 30

    def statements(self) -> tuple[Statement, ...]:
        log_group = f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{self.log_group}"
        return (
            Statement(("logs:CreateLogStream", "logs:PutLogEvents"), (f"{log_group}:log-stream:*",), sid="WriteLogs"),
            Statement(("s3:GetObject", "s3:GetObjectVersion"),
                      tuple(f"arn:aws:s3:::{bucket}/*" for bucket, _ in self.artifact_sources), sid="ReadArtifacts"),
            *(key_usage(self.kms_key_arn_pattern, alias, ENCRYPT_DECRYPT, sid=f"UseArtifactKey{index}")
              for index, (_, alias) in enumerate(self.artifact_sources)),
            Statement(("eks:DescribeCluster",), (self.cluster_arn,), sid="DescribeCluster"),
        )


class EksDeployProject(Construct):
    def __init__(self, scope: Construct, id: str, props: EksDeployProjectProps):
        super().__init__(scope, id)
        self.log_group = CloudwatchLogGroup(self, "logs", name=props.log_group,
                                            retention_in_days=props.log_retention_days,
                                            kms_key_id=props.log_kms_key_arn)
        self.role = ServiceRole(self, "role", ServiceRoleProps(
            name=props.role_name, service_principal="codebuild.amazonaws.com", account_id=props.account_id,
            source_arn=props.arn, statements=props.statements(),
            description=f"CodeBuild project {props.name}: kubectl apply into one namespace"))
        self.project = CodebuildProject(
            self, "project", name=props.name, service_role=self.role.arn, build_timeout=props.timeout_minutes,
            encryption_key=props.artifact_key_alias_arn,
            source=CodebuildProjectSource(type="CODEPIPELINE", buildspec=literal(props.buildspec.render())),
            artifacts=CodebuildProjectArtifacts(type="CODEPIPELINE"),
            environment=CodebuildProjectEnvironment(
                type="LINUX_CONTAINER", compute_type="BUILD_GENERAL1_SMALL", image=props.image,
                image_pull_credentials_type="CODEBUILD", privileged_mode=False),
            logs_config=CodebuildProjectLogsConfig(cloudwatch_logs=CodebuildProjectLogsConfigCloudwatchLogs(
                status="ENABLED", group_name=props.log_group)),
            tags={"dlp:needs-docker": "false"},
            depends_on=[self.role.policy, self.log_group])
        self.name = props.name
        self.arn = self.project.arn
        self.role_arn = self.role.arn


@dataclass(frozen=True)
class EksDeployTarget:
    """A pipeline deploy target of kind EKS: the same interface as `modules.pipeline.DeployTarget`
    (approval_action, deploy_action, statements), so `DeliveryPipelineProps.targets` can mix both."""

    environment: str
    approval_required: bool
    project: str
    project_arn: str
    deployment: str  # the Kubernetes Deployment whose rollout the project waits for

    def deploy_action(self) -> CodepipelineStageAction:
        return CodepipelineStageAction(
            name=f"Kubernetes-{self.environment}", category="Build", owner="AWS", provider="CodeBuild",
            version="1", input_artifacts=[SOURCE_OUTPUT, BUILD_OUTPUT],
            configuration={"ProjectName": self.project, "PrimarySource": SOURCE_OUTPUT,
                           "EnvironmentVariables": json.dumps([
                               {"name": "DEPLOYMENT", "value": self.deployment, "type": "PLAINTEXT"}])})

    def statements(self) -> list[Statement]:
        sid = self.environment.capitalize().replace("-", "")
        return [Statement(("codebuild:BatchGetBuilds", "codebuild:StartBuild"), (self.project_arn,),
                          sid=f"DeployToEks{sid}")]
