# Production: the seed's pipeline. Source -> build/test -> staging (ECS) -> manual approval ->
# production (CodeDeploy blue/green, canary 10% for 5 minutes). State in HCP Terraform.
account_id  = "222222222222"
region      = "eu-west-1"
name_prefix = "acme-prod"
tier        = "production"
log_retention_days = 365

# Who administers the KMS keys (and runs Terraform): see README "Keys and their administrators".
key_admin_principal_arns = ["arn:aws:iam::222222222222:role/platform-admin"]

tags = {
  team        = "platform"
  cost-center = "cc-1001"
  criticality = "high"
}

network {
  vpc_cidr              = "10.30.0.0/16"
  availability_zones    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  nat_gateways          = "per_az"
  allowed_ingress_cidrs   = ["0.0.0.0/0"]
  alb_deletion_protection = true
}

backend {
  type           = "cloud"
  organization   = "acme"
  workspace_name = "platform-{stack}"
}

# The policy gate as HCP Terraform run task: stack prod-runtask (README "HCP Terraform run task").
# First deployment in two steps: apply prod-runtask without image_tag (key, image repository, store,
# secret), push the image (`make runtask-image ENV=prod TAG=...`) and put the HMAC key; then set
# image_tag to the pushed tag and apply again (the function and its URL).
run_task {
  image_tag = "release-2026.11.30"
}

delivery {
  promotion            = ["staging", "prod"]
  approval_required    = true
  approval_custom_data = "Staging is deployed: review it before production."
  codeartifact_formats = ["npm", "pypi", "maven"]

  # Approvers get the approval requests by email; failures and pending approvals also reach Slack.
  notifications {
    emails               = ["release-approvers@acme.example", "platform-oncall@acme.example"]
    chatbot_channel_arns = ["arn:aws:chatbot::222222222222:chat-configuration/slack-channel/acme-releases"]
  }
}

service "app" {
  container_port    = 80
  cpu               = 1024
  memory            = 2048
  desired_count     = 3
  health_check_path = "/health"

  source {
    provider       = "github"
    repository     = "acme/app"
    branch         = "main"
    connection_arn = "arn:aws:codestar-connections:eu-west-1:222222222222:connection/0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"

    # Pushes to main that change only documentation do not release.
    trigger {
      excluded_file_paths = ["docs/**", "**/*.md"]
    }
  }

  build {
    parameter_store = { NPM_TOKEN = "/acme/app/npm-token" }
    secrets_manager = { DOCKER_HUB_TOKEN = "dockerhub:token" }
    compute_type = "BUILD_GENERAL1_LARGE"
  }

  deployment {
    strategy                 = "blue_green"
    traffic                  = "canary"
    percent                  = 10
    interval_minutes         = 5
    termination_wait_minutes = 60

    # Built-in checks: the new tasks' health on the test listener, their front page before production
    # traffic moves, and production's health once it has. A hook may run a function of your own instead:
    # hook "BeforeInstall" { function_arn = "arn:aws:lambda:eu-west-1:222222222222:function:<name>" }
    hook "AfterAllowTestTraffic" {}
    hook "BeforeAllowTraffic" {
      listener        = "test"
      path            = "/"
      expected_status = 200
    }
    hook "AfterAllowTraffic" {
      listener = "production"
    }
  }
}

# Kubernetes: stacks prod-eks (cluster) and prod-gitops (ArgoCD). HA ArgoCD with redis-ha, SSO.
eks {
  vpc_cidr           = "10.31.0.0/16"
  kubernetes_version = "1.31"
  deploy_namespace   = "production"
  deploy_target      = "ecs"
  admin_principal_arns = [
    "arn:aws:iam::222222222222:role/platform-admin",
  ]

  node_group "system" {
    instance_types = ["m6i.large"]
    min_size       = 3
    desired_size   = 3
    max_size       = 6
    disk_size_gib  = 50
  }

  node_group "apps" {
    instance_types = ["m6i.xlarge", "m6a.xlarge"]
    min_size       = 3
    desired_size   = 4
    max_size       = 12
    disk_size_gib  = 100
  }

  argocd {
    ha                  = true
    replicas            = 3
    redis_ha            = true
    oidc_issuer         = "https://login.acme.example/oauth2"
    oidc_client_id      = "argocd-prod"
    rbac_default_policy = ""
    rbac_admin_groups   = ["platform-admins"]
    ingress_enabled     = true
    ingress_hostname    = "argocd.prod.acme.example"
  }

  application {
    name            = "app"
    repo_url        = "https://github.com/acme/app-gitops.git"
    path            = "overlays/production"
    target_revision = "main"
    sync_options    = ["CreateNamespace=true", "PruneLast=true", "ServerSideApply=true"]
  }
}
