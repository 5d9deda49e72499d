# Development: one service, rolling deploys, local state. Promotes to itself only.
account_id  = "111111111111"
region      = "eu-west-1"
name_prefix = "acme-dev"
tier        = "development"
log_retention_days = 14

# Who administers the KMS keys (and runs Terraform): see README "Keys and their administrators".
key_admin_principal_arns = ["arn:aws:iam::111111111111:role/platform-admin"]

tags = {
  team        = "platform"
  cost-center = "cc-1001"
}

network {
  vpc_cidr              = "10.10.0.0/16"
  availability_zones    = ["eu-west-1a", "eu-west-1b"]
  nat_gateways          = "single"
  allowed_ingress_cidrs = ["10.0.0.0/8"]
  alb_access_logs       = false
  alb_internal          = true
}

delivery {
  codeartifact_formats = ["npm"]
}

service "app" {
  container_port    = 80
  cpu               = 256
  memory            = 512
  desired_count     = 1
  health_check_path = "/health"

  source {
    provider       = "github"
    repository     = "acme/app"
    branch         = "develop"
    connection_arn = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/6f0c2a4e-1b7d-4c55-9a3e-0d8e5f1a2b3c"
  }

  build {
    parameter_store = { NPM_TOKEN = "/acme/app/npm-token" }
    secrets_manager = { DOCKER_HUB_TOKEN = "dockerhub:token" }
    compute_type = "BUILD_GENERAL1_SMALL"
    cache        = "local"
  }

  deployment {
    strategy = "rolling"
  }

  # Pull requests into develop run the install and tests (no image), and report back on the pull request.
  pull_request_build {}
}

# A Lambda function released by CodeDeploy: 10% of the `live` alias' traffic for 5 minutes, then the rest;
# the built-in hooks invoke the new version before the shift and the alias after it. See README "Functions".
service "api" {
  kind = "function"

  source {
    provider       = "github"
    repository     = "acme/api"
    branch         = "develop"
    connection_arn = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/6f0c2a4e-1b7d-4c55-9a3e-0d8e5f1a2b3c"
  }

  build {
    compute_type     = "BUILD_GENERAL1_SMALL"
    cache            = "none"
    runtime_versions = { python = "3.12" }
    install_commands = ["pip install -r requirements.txt -t ."]
    test_commands    = ["python -m pytest -q"]
    coverage_report  = ""
  }

  function {
    runtime         = "python3.12"
    handler         = "app.handler"
    memory          = 256
    timeout_seconds = 10
  }

  deployment {
    traffic          = "canary"
    percent          = 10
    interval_minutes = 5
  }
}
