# Production: the seed's pipeline. Source -> build/test -> staging (ECS) -> manual approval ->
# production (CodeDeploy blue/green, canary 10% for 5 minutes). State in HCP Terraform.
account_id  = "222222222222"
region      = "eu-west-1"
name_prefix = "acme-prod"
tier        = "production"
log_retention_days = 365

tags = {
  team        = "platform"
  cost-center = "cc-1001"
  criticality = "high"
}

network {
  vpc_cidr              = "10.30.0.0/16"
  availability_zones    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  nat_gateways          = "per_az"
  allowed_ingress_cidrs = ["0.0.0.0/0"]
}

backend {
  type           = "cloud"
  organization   = "acme"
  workspace_name = "platform-{stack}"
}

delivery {
  promotion            = ["staging", "prod"]
  approval_required    = true
  approval_custom_data = "Staging is deployed: review it before production."
  codeartifact_formats = ["npm", "pypi", "maven"]
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
  }
}
