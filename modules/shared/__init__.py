"""Constructs every stack shares: IAM statements and service roles, KMS keys, the VPC, notifications."""
