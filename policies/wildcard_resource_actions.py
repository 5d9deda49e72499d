"""Actions that may use `"Resource": "*"`, each because AWS offers no resource-level permission.

This is the one list the whole project uses: the IAM construct refuses any other action on `*` at
synthesis time, the plan-JSON tests and the checkov policy read it. Keep it plain data.
"""

WILDCARD_RESOURCE_ACTIONS: dict[str, str] = {
    "ecr:GetAuthorizationToken": "ECR registry login token; the action has no resource type.",
    "sts:GetServiceBearerToken": "CodeArtifact bearer token; no resource type (conditioned on sts:AWSServiceName).",
    "ecs:RegisterTaskDefinition": "Task definition families have no ARN before registration; no resource type.",
    "ecs:DescribeTaskDefinition": "No resource type for task definition reads.",
    "ec2:DescribeNetworkInterfaces": "EC2 Describe* calls have no resource-level permissions.",
    "ec2:DescribeSubnets": "EC2 Describe* calls have no resource-level permissions.",
    "ec2:DescribeSecurityGroups": "EC2 Describe* calls have no resource-level permissions.",
    "ec2:DescribeVpcs": "EC2 Describe* calls have no resource-level permissions.",
    "ec2:DescribeDhcpOptions": "EC2 Describe* calls have no resource-level permissions.",
    "ec2:CreateNetworkInterface": "Lambda in a VPC creates its ENIs before they exist; no ARN to name beforehand.",
    "ec2:DeleteNetworkInterface": "Lambda in a VPC deletes the ENIs it created; no stable ARN beforehand.",
    "elasticloadbalancing:DescribeListeners": "ELB Describe* calls have no resource-level permissions.",
    "elasticloadbalancing:DescribeRules": "ELB Describe* calls have no resource-level permissions.",
    "elasticloadbalancing:DescribeTargetGroups": "ELB Describe* calls have no resource-level permissions.",
    "elasticloadbalancing:DescribeTargetHealth": "ELB Describe* calls have no resource-level permissions.",
}
