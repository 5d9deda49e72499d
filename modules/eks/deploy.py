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

from envconfig.account import Account
from envconfig.model import CODEBUILD_STANDARD_IMAGE
from modules.cdk.core import Construct
from modules.delivery.codebuild import PipelineProject, PipelineProjectProps
from modules.delivery.pipeline import BUILD_OUTPUT, SOURCE_OUTPUT
from modules.shared.statements import ENCRYPT_DECRYPT, KeyReference, Statement
from release.buildspec import Buildspec


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
class ArtifactSource:
    """Where the pipelines of one environment that deploy into the cluster keep their artifacts."""

    bucket: str
    prefixes: tuple[str, ...]  # one per pipeline: CodePipeline keys its artifacts <bucket>/<prefix>/...
    key: KeyReference  # the key that encrypts the bucket's objects


@dataclass(frozen=True)
class EksDeployProjectProps:
    name: str
    arn: str
    role_name: str
    account: Account
    cluster_arn: str
    buildspec: Buildspec
    log_group: str
    log_retention_days: int
    log_kms_key_arn: str
    artifact_key_alias_arn: str  # this environment's delivery key, by alias ARN (no cross-stack reference)
    artifact_sources: tuple[ArtifactSource, ...]  # the artifacts of every pipeline deploying here
    image: str = CODEBUILD_STANDARD_IMAGE  # default: the CodeBuild standard image, which ships kubectl
    timeout_minutes: int = 30  # default: half an hour, rollout wait included


class EksDeployProject(PipelineProject):
    """The project every pipeline deploying into this cluster runs; its role may only describe the cluster."""

    def __init__(self, scope: Construct, id: str, props: EksDeployProjectProps):
        super().__init__(scope, id, PipelineProjectProps(
            name=props.name, arn=props.arn, role_name=props.role_name, account=props.account,
            description=f"CodeBuild project {props.name}: kubectl apply into one namespace",
            statements=self.statements(props), buildspec=props.buildspec, log_group=props.log_group,
            log_retention_days=props.log_retention_days, log_kms_key_arn=props.log_kms_key_arn,
            encryption_key=props.artifact_key_alias_arn, image=props.image, timeout_minutes=props.timeout_minutes))

    @staticmethod
    def statements(props: EksDeployProjectProps) -> tuple[Statement, ...]:
        account, sources = props.account, props.artifact_sources
        return (
            Statement(("logs:CreateLogStream", "logs:PutLogEvents"),
                      (f"{account.log_group_arn(props.log_group)}:log-stream:*",), sid="WriteLogs"),
            Statement(("s3:GetObject", "s3:GetObjectVersion"),
                      tuple(account.bucket_arn(source.bucket, f"{prefix}/*") for source in sources
                            for prefix in source.prefixes), sid="ReadArtifacts"),
            Statement(("s3:GetBucketAcl", "s3:GetBucketLocation"),
                      tuple(account.bucket_arn(source.bucket) for source in sources), sid="LocateArtifactBuckets"),
            *(source.key.usage(ENCRYPT_DECRYPT, sid=f"UseArtifactKey{index}") for index, source in enumerate(sources)),
            Statement(("eks:DescribeCluster",), (props.cluster_arn,), sid="DescribeCluster"),
        )


@dataclass(frozen=True)
class EksDeployTarget:
    """A pipeline deploy target of kind EKS (a `modules.delivery.pipeline.DeployTarget`, like
    `EcsDeployTarget`, so one pipeline's targets can mix both): runs the cluster's deploy project."""

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
