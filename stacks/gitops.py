"""`<env>-gitops`: ArgoCD and the GitOps Application on the environment's cluster, through the Helm
and Kubernetes providers. The providers are configured from `aws_eks_cluster` and
`aws_eks_cluster_auth` data sources looked up by the cluster's deterministic name: no outputs of
`<env>-eks` are read, but `<env>-eks` must be applied first (bootstrap order: eks, then gitops).

The Helm and Kubernetes provider binaries are not on the offline build machines, so this stack is
synthesized and checked statically there (see tests/unit/test_gitops.py), never planned.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_eks_cluster import DataAwsEksCluster
from cdktf_cdktf_provider_aws.data_aws_eks_cluster_auth import DataAwsEksClusterAuth
from cdktf_cdktf_provider_helm.provider import HelmProvider, HelmProviderKubernetes
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

from envconfig.eks_naming import EksNames
from envconfig.model import Environment
from modules.cdk.core import Construct, Fn
from modules.eks.argocd import ArgoCdRelease, ArgoCdReleaseProps, GitOpsApp
from stacks.base import EnvironmentStack


def gitops_app(env: Environment) -> GitOpsApp:
    """The application with the defaults its settings document (envconfig.kubernetes.GitOpsApplication)."""
    application = env.eks.application
    return GitOpsApp(
        application=application,
        project=application.project or application.name,
        path=application.path or f"overlays/{env.name}",
        destination_namespace=application.destination_namespace or env.eks.deploy_namespace,
    )


class GitOpsStack(EnvironmentStack):
    component = "gitops"

    def __init__(self, scope: Construct, env: Environment):
        super().__init__(scope, env)
        eks, names = env.eks, EksNames(self.names)
        assert eks is not None, f"{env.name}: GitOpsStack needs an eks block"
        cluster = DataAwsEksCluster(self, "cluster", name=names.cluster)
        auth = DataAwsEksClusterAuth(self, "auth", name=names.cluster)
        host = cluster.endpoint
        ca = Fn.base64decode(cluster.certificate_authority.get(0).data)
        KubernetesProvider(self, "kubernetes", host=host, cluster_ca_certificate=ca, token=auth.token)
        HelmProvider(
            self, "helm", kubernetes=HelmProviderKubernetes(host=host, cluster_ca_certificate=ca, token=auth.token)
        )
        self.app = gitops_app(env)
        self.argocd = ArgoCdRelease(
            self,
            "argocd",
            ArgoCdReleaseProps(
                argocd=eks.argocd,
                app=self.app,
                deploy_namespace=eks.deploy_namespace,
                namespace_labels={"environment": env.name, "managed-by": "cdktf"},
            ),
        )
