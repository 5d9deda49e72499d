"""ECS Fargate behind an ALB, CodeDeploy blue/green and its validation hooks (code in hook_code/)."""
