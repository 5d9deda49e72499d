"""HCP Terraform run task: the policy gate's checks on every plan HCP Terraform makes (see README.md here)."""
