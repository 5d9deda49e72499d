"""Deterministic names of the EKS and GitOps stacks' resources (see `envconfig.naming`): the gitops
stack finds the cluster by name, and the deploy role's ARN is known before anything exists."""

from __future__ import annotations

from dataclasses import dataclass

from envconfig.naming import EnvironmentNames


@dataclass(frozen=True)
class EksNames:
    environment: EnvironmentNames

    @property
    def cluster(self) -> str:
        return f"{self.environment.prefix}-eks"

    @property
    def cluster_arn(self) -> str:
        return self.environment.arn("eks", f"cluster/{self.cluster}")

    @property
    def cluster_log_group(self) -> str:
        """The name EKS writes control-plane logs to; created by the stack first, with retention."""
        return f"/aws/eks/{self.cluster}/cluster"

    @property
    def flow_log_group(self) -> str:
        return f"/aws/eks/{self.cluster}/flow-logs"

    @property
    def log_group_prefixes(self) -> tuple[str, ...]:
        """Every log group of the cluster's stack (control plane, flow logs, deploy project) starts with one."""
        return f"/aws/eks/{self.cluster}/", f"/aws/codebuild/{self.cluster}-"

    @property
    def key_alias(self) -> str:
        return f"alias/{self.environment.prefix}-eks"

    @property
    def cluster_role(self) -> str:
        return f"{self.cluster}-cluster"

    @property
    def node_role(self) -> str:
        return f"{self.cluster}-node"

    def node_group(self, name: str) -> str:
        return f"{self.cluster}-{name}"

    @property
    def deploy_project(self) -> str:
        return f"{self.cluster}-deploy"

    @property
    def deploy_project_arn(self) -> str:
        return self.environment.arn("codebuild", f"project/{self.deploy_project}")

    @property
    def deploy_security_group(self) -> str:
        """The deploy project's builds: admitted by the cluster's security group on 443."""
        return f"{self.cluster}-deploy"

    @property
    def deploy_role(self) -> str:
        return f"{self.cluster}-deploy"

    @property
    def deploy_role_arn(self) -> str:
        return self.environment.role_arn(self.deploy_role)

    @property
    def deploy_log_group(self) -> str:
        return f"/aws/codebuild/{self.deploy_project}"

    @property
    def flow_logs_role(self) -> str:
        """The cluster VPC's flow-log delivery role (the network is named after the cluster)."""
        return f"{self.cluster}-flow-logs"
