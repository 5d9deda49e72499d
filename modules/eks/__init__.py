"""EKS: control plane, node groups, access entries, the CodeBuild deploy project, ArgoCD."""
