"""Deploy to EKS from CodeBuild: the seed's buildspec-eks.yml flow (update-kubeconfig, substitute the
image, `kubectl apply`, wait for `rollout status`) from the buildspec model, in a project whose role
may only describe its cluster (Kubernetes rights come from a namespace-scoped access entry), and the
pipeline deploy-target kind that runs it.

The project runs in the cluster's VPC: the API endpoint is private, so kubectl reaches it from the
private subnets, through a security group that the cluster's admits on 443 (`ClusterApiClient`).

Differences from the seed, on purpose: no `curl` of kubectl at build time (the CodeBuild standard
image ships kubectl; `kubectl version --client` fails the build early if an image does not), and no
`docker build/push` here: the pipeline's build stage already pushed the image, whose URI arrives in
`imageDetail.json` of the build artifact. The seed's `sed` edits `k8s/deployment.yaml` only; here every
manifest `kubectl apply -f <dir>` reads is edited, and a deploy whose manifests lack the placeholder
fails instead of silently rolling out the old image.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from cdktf_cdktf_provider_aws.codepipeline import CodepipelineStageAction
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from envconfig.account import Account
from envconfig.model import CODEBUILD_STANDARD_IMAGE
from modules.cdk.core import Construct
from modules.delivery.codebuild import PipelineProject, PipelineProjectProps, ProjectVpc
from modules.delivery.pipeline import BUILD_OUTPUT, SOURCE_OUTPUT
from modules.shared.statements import ENCRYPT_DECRYPT, KeyReference, Statement
from release.buildspec import Buildspec

# The files `kubectl apply -f <dir>` reads from a directory (not recursively); the deploy edits the same ones.
MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")
# What stands in for the placeholder: the tag the build pushed (`<registry>/<repo>:IMAGE_TAG` in the manifest,
# as in the seed) or the whole image URI. imageDetail.json's ImageURI is `<registry>/<repository>:<tag>`.
PLACEHOLDER_VALUES = {"tag": "${IMAGE_URI##*:}", "uri": "$IMAGE_URI"}


def eks_deploy_buildspec(
    *,
    cluster: str,
    namespace: str,
    image_placeholder: str = "IMAGE_TAG",
    placeholder_mode: Literal["tag", "uri"] = "tag",
    manifest_dir: str = "k8s",
    rollout_timeout: str = "5m",
    build_artifact: str = BUILD_OUTPUT,
) -> Buildspec:
    manifests = 'find "$MANIFEST_DIR" -maxdepth 1 -type f \\( {} \\)'.format(
        " -o ".join(f"-name '*{extension}'" for extension in MANIFEST_EXTENSIONS)
    )
    return Buildspec(
        # DEPLOYMENT comes from the pipeline action: one project serves every service of the cluster.
        variables={
            "EKS_CLUSTER_NAME": cluster,
            "K8S_NAMESPACE": namespace,
            "MANIFEST_DIR": manifest_dir,
            "IMAGE_PLACEHOLDER": image_placeholder,
            "ROLLOUT_TIMEOUT": rollout_timeout,
        },
        install=("kubectl version --client",),
        pre_build=(
            "aws eks update-kubeconfig --name $EKS_CLUSTER_NAME --region $AWS_DEFAULT_REGION",
            f'IMAGE_URI=$(jq -er .ImageURI "$CODEBUILD_SRC_DIR_{build_artifact}/imageDetail.json")',
            'test -n "$IMAGE_URI" && test -n "$DEPLOYMENT"',
            f"IMAGE_VALUE={PLACEHOLDER_VALUES[placeholder_mode]}",
        ),
        build=(
            f'{manifests} -exec grep -l -F -e "$IMAGE_PLACEHOLDER" {{}} + | grep -q . '
            '|| { echo "no manifest in $MANIFEST_DIR/ contains $IMAGE_PLACEHOLDER" >&2; false; }',
            f'{manifests} -exec sed -i "s|$IMAGE_PLACEHOLDER|$IMAGE_VALUE|g" {{}} +',
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
class ClusterApiClientProps:
    name: str  # the security group's name
    vpc_id: str  # the cluster's VPC
    cluster_security_group_id: str  # the control plane's security group, which admits this one on 443


class ClusterApiClient(Construct):
    """A security group whose members may call the cluster's API on its private endpoint: HTTPS out (the
    endpoint, and AWS APIs through NAT), and an ingress rule on the cluster's security group from it."""

    def __init__(self, scope: Construct, id: str, props: ClusterApiClientProps):
        super().__init__(scope, id)
        self.security_group = SecurityGroup(
            self,
            "sg",
            name=props.name,
            vpc_id=props.vpc_id,
            description=f"{props.name}: Kubernetes API and AWS APIs over HTTPS",
            tags={"Name": props.name},
        )
        VpcSecurityGroupEgressRule(
            self,
            "https-out",
            security_group_id=self.security_group.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="Kubernetes API (private endpoint); S3, logs, EKS, STS through NAT",
        )
        VpcSecurityGroupIngressRule(
            self,
            "cluster-api-from-client",
            security_group_id=props.cluster_security_group_id,
            referenced_security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description=f"Kubernetes API from {props.name}",
        )
        self.security_group_id = self.security_group.id


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
    vpc: ProjectVpc  # the cluster's private subnets and a `ClusterApiClient` security group
    image: str = CODEBUILD_STANDARD_IMAGE  # default: the CodeBuild standard image, which ships kubectl
    timeout_minutes: int = 30  # default: half an hour, rollout wait included


class EksDeployProject(PipelineProject):
    """The project every pipeline deploying into this cluster runs; its role may only describe the cluster."""

    def __init__(self, scope: Construct, id: str, props: EksDeployProjectProps):
        super().__init__(
            scope,
            id,
            PipelineProjectProps(
                name=props.name,
                arn=props.arn,
                role_name=props.role_name,
                account=props.account,
                description=f"CodeBuild project {props.name}: kubectl apply into one namespace",
                statements=self.statements(props),
                buildspec=props.buildspec,
                log_group=props.log_group,
                log_retention_days=props.log_retention_days,
                log_kms_key_arn=props.log_kms_key_arn,
                encryption_key=props.artifact_key_alias_arn,
                image=props.image,
                timeout_minutes=props.timeout_minutes,
                vpc=props.vpc,
            ),
        )

    @staticmethod
    def statements(props: EksDeployProjectProps) -> tuple[Statement, ...]:
        account, sources = props.account, props.artifact_sources
        return (
            Statement(
                ("logs:CreateLogStream", "logs:PutLogEvents"),
                (f"{account.log_group_arn(props.log_group)}:log-stream:*",),
                sid="WriteLogs",
            ),
            Statement(
                ("s3:GetObject", "s3:GetObjectVersion"),
                tuple(
                    account.bucket_arn(source.bucket, f"{prefix}/*") for source in sources for prefix in source.prefixes
                ),
                sid="ReadArtifacts",
            ),
            Statement(
                ("s3:GetBucketAcl", "s3:GetBucketLocation"),
                tuple(account.bucket_arn(source.bucket) for source in sources),
                sid="LocateArtifactBuckets",
            ),
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
    role_arn: str = ""  # default: the pipeline's role starts the build (same account); else the deploy role
    region: str = ""  # default: the pipeline's region

    def deploy_action(self) -> CodepipelineStageAction:
        return CodepipelineStageAction(
            role_arn=self.role_arn or None,
            region=self.region or None,
            name=f"Kubernetes-{self.environment}",
            category="Build",
            owner="AWS",
            provider="CodeBuild",
            version="1",
            input_artifacts=[SOURCE_OUTPUT, BUILD_OUTPUT],
            configuration={
                "ProjectName": self.project,
                "PrimarySource": SOURCE_OUTPUT,
                "EnvironmentVariables": json.dumps(
                    [{"name": "DEPLOYMENT", "value": self.deployment, "type": "PLAINTEXT"}]
                ),
            },
        )

    def statements(self) -> list[Statement]:
        sid = self.environment.capitalize().replace("-", "")
        return [
            Statement(
                ("codebuild:BatchGetBuilds", "codebuild:StartBuild"), (self.project_arn,), sid=f"DeployToEks{sid}"
            )
        ]
