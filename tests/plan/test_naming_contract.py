"""Cross-stack wiring is by name: every name another stack relies on is the name that is planned."""

from __future__ import annotations

import json

import pytest

from envconfig.naming import EnvironmentNames

ENVIRONMENTS = ["dev", "staging", "prod"]


def planned(plan, resource_type, attribute):
    return {r["values"][attribute] for r in plan.of_type(resource_type)}


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_names_used_across_stacks_are_the_planned_names(plans, catalog, env_name):
    env = catalog.by_name[env_name]
    names = EnvironmentNames(env)
    delivery, service = plans[f"{env_name}-delivery"], plans[f"{env_name}-service"]
    assert planned(delivery, "aws_s3_bucket", "bucket") == {names.artifact_bucket}
    assert planned(delivery, "aws_kms_alias", "name") == {names.delivery_key_alias}
    assert planned(service, "aws_kms_alias", "name") == {names.service_key_alias}
    assert planned(delivery, "aws_sns_topic", "name") == {names.approval_topic}
    assert planned(service, "aws_ecs_cluster", "name") == {names.cluster}
    for svc in env.services:
        svc_names = names.service(svc)
        if env.promotion:  # this environment's pipeline builds the service
            assert svc_names.build_project in planned(delivery, "aws_codebuild_project", "name")
            assert svc_names.pipeline in planned(delivery, "aws_codepipeline", "name")
        if svc.kind == "function":
            assert svc_names.function in planned(service, "aws_lambda_function", "function_name")
            assert svc_names.deployment_group in planned(
                service, "aws_codedeploy_deployment_group", "deployment_group_name"
            )
            if env.promotion:
                for target in env.promotion:
                    assert svc_names.function_deploy_project(target) in planned(
                        delivery, "aws_codebuild_project", "name"
                    )
            continue
        if env.promotion:
            assert svc_names.ecr_repository in planned(delivery, "aws_ecr_repository", "name")
        assert svc_names.ecs_service in planned(service, "aws_ecs_service", "name")
        assert svc_names.task_family in planned(service, "aws_ecs_task_definition", "family")
        assert svc_names.task_log_group in planned(service, "aws_cloudwatch_log_group", "name")
        roles = planned(service, "aws_iam_role", "name") | planned(delivery, "aws_iam_role", "name")
        for purpose in ("codebuild", "pipeline", "task-execution", "task")[0 if env.promotion else 2 :]:
            assert svc_names.role(purpose) in roles
        if svc.deployment.strategy == "blue_green":
            assert svc_names.codedeploy_application in planned(service, "aws_codedeploy_app", "name")
            assert svc_names.deployment_group in planned(
                service, "aws_codedeploy_deployment_group", "deployment_group_name"
            )


def test_prod_pipeline_targets_the_planned_staging_and_prod_services(plans, catalog):
    """ECS targets by CodeDeploy application and group, EKS targets (staging) by the cluster's deploy project."""
    pipeline = next(r["values"] for r in plans["prod-delivery"].of_type("aws_codepipeline"))
    for stage, env_name in (("Deploy-staging", "staging"), ("Deploy-prod", "prod")):
        action = next(s for s in pipeline["stage"] if s["name"] == stage)["action"][0]["configuration"]
        if catalog.by_name[env_name].eks and catalog.by_name[env_name].eks.deploy_target == "eks":
            assert {action["ProjectName"]} == planned(plans[f"{env_name}-eks"], "aws_codebuild_project", "name")
            continue
        group = next(r["values"] for r in plans[f"{env_name}-service"].of_type("aws_codedeploy_deployment_group"))
        assert (action["ApplicationName"], action["DeploymentGroupName"]) == (
            group["app_name"],
            group["deployment_group_name"],
        )


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_task_executions_may_pull_from_the_pipeline_that_deploys_there(plans, catalog, env_name):
    """Staging's tasks run the images prod's pipeline built: they pull from prod's repository."""
    policy = next(
        json.loads(r["values"]["policy"])
        for r in plans[f"{env_name}-service"].of_type("aws_iam_role_policy")
        if r["values"]["name"].endswith("task-execution-least-privilege")
    )
    pull = next(s for s in policy["Statement"] if s["Sid"] == "PullReleasedImages")
    sources = catalog.promoting_into(catalog.by_name[env_name])
    repositories = {
        r["values"]["name"]
        for source in sources
        for r in plans[f"{source.name}-delivery"].of_type("aws_ecr_repository")
    }
    assert {arn.split("/")[-1] for arn in pull["Resource"]} == repositories
    assert [source.name for source in sources] == {"staging": ["prod"]}.get(env_name, [env_name])
