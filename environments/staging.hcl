# Staging: production-shaped (blue/green, all-at-once), state in S3. Prod's pipeline deploys here first
# and is the only one that does: staging runs no pipeline of its own (promotion = []), so its services
# have no source or build here and run the images prod's pipeline built (prod's ECR repository).
account_id  = "222222222222"
region      = "eu-west-1"
name_prefix = "acme-stg"
tier        = "staging"
log_retention_days = 30

# Who administers the KMS keys (and runs Terraform): see README "Keys and their administrators".
key_admin_principal_arns = ["arn:aws:iam::222222222222:role/platform-admin"]

tags = {
  team        = "platform"
  cost-center = "cc-1001"
}

network {
  vpc_cidr              = "10.20.0.0/16"
  availability_zones    = ["eu-west-1a", "eu-west-1b"]
  nat_gateways          = "single"
  allowed_ingress_cidrs = ["10.0.0.0/8"]
  alb_internal          = true
}

backend {
  type       = "s3"
  bucket     = "acme-terraform-state-222222222222"
  key_prefix = "platform/"
}

delivery {
  promotion            = []
  codeartifact_formats = ["npm", "pypi"]
}

service "app" {
  container_port    = 80
  cpu               = 512
  memory            = 1024
  desired_count     = 2
  health_check_path = "/health"

  deployment {
    strategy                 = "blue_green"
    traffic                  = "all_at_once"
    termination_wait_minutes = 5

    # The built-in check (GET health_check_path, expect 200) on the listener that carries the new tasks.
    hook "AfterAllowTestTraffic" {}
    hook "AfterAllowTraffic" {}
  }
}

# Kubernetes: stacks staging-eks (cluster) and staging-gitops (ArgoCD). Non-HA ArgoCD.
eks {
  vpc_cidr           = "10.21.0.0/16"
  kubernetes_version = "1.31"
  deploy_namespace   = "app-staging"
  deploy_target      = "eks"
  admin_principal_arns = [
    "arn:aws:iam::222222222222:role/platform-admin",
  ]

  node_group "default" {
    instance_types = ["m6i.large"]
    min_size       = 1
    desired_size   = 2
    max_size       = 3
    disk_size_gib  = 50
    capacity_type  = "SPOT"
  }

  argocd {
    ha                  = false
    rbac_default_policy = "role:readonly"
  }

  application {
    name            = "app"
    repo_url        = "https://github.com/acme/app-gitops.git"
    target_revision = "release"
    # the pipeline's kubectl owns app-staging (deploy_target = "eks"): ArgoCD syncs a namespace of its own
    destination_namespace = "app-staging-gitops"
    sync_options    = ["CreateNamespace=true", "PruneLast=true"]
  }
}
