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

from cdktf_cdktf_provider_aws.codepipeline import CodepipelineStageAction

from release.buildspec import Buildspec
from modules.delivery.codebuild import PipelineProjectProps
from modules.shared.statements import ENCRYPT_DECRYPT, Statement, key_usage
from modules.delivery.pipeline import BUILD_OUTPUT, SOURCE_OUTPUT

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

    def project_props(self) -> PipelineProjectProps:
        return PipelineProjectProps(
            name=self.name, arn=self.arn, role_name=self.role_name, account_id=self.account_id,
            description=f"CodeBuild project {self.name}: kubectl apply into one namespace",
            statements=self.statements(), buildspec=self.buildspec, log_group=self.log_group,
            log_retention_days=self.log_retention_days, log_kms_key_arn=self.log_kms_key_arn,
            encryption_key=self.artifact_key_alias_arn, image=self.image, timeout_minutes=self.timeout_minutes)

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


@dataclass(frozen=True)
class EksDeployTarget:
    """A pipeline deploy target of kind EKS: the same interface as `modules.delivery.pipeline.DeployTarget`
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
