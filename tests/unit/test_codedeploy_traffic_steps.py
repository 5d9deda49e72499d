"""The production traffic shifts of CodeDeploy's predefined ECS configurations, against AWS's description of
them ("Deployment configurations on an Amazon ECS compute platform",
https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-ecs)."""

from __future__ import annotations

import pytest

from tooling.rehearsal.codedeploy_ecs import TrafficStep, traffic_steps

# AWS's table, as (percent shifted in each increment, minutes between increments), and what that means in
# cumulative shares of production traffic on the replacement task set.
AWS_ECS_CONFIGS = {
    "CodeDeployDefault.ECSAllAtOnce": [(100, 0)],
    # canary: 10 percent in the first increment, the remaining 90 percent five (fifteen) minutes later
    "CodeDeployDefault.ECSCanary10Percent5Minutes": [(10, 5), (100, 0)],
    "CodeDeployDefault.ECSCanary10Percent15Minutes": [(10, 15), (100, 0)],
    # linear: 10 percent more every one (three) minutes until all traffic is shifted
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": [(p, 1) for p in range(10, 100, 10)] + [(100, 0)],
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": [(p, 3) for p in range(10, 100, 10)] + [(100, 0)],
}


@pytest.mark.parametrize("name", sorted(AWS_ECS_CONFIGS))
def test_predefined_config_shifts_as_aws_documents(name):
    assert traffic_steps(name) == tuple(TrafficStep(share, wait) for share, wait in AWS_ECS_CONFIGS[name])


@pytest.mark.parametrize("name", sorted(AWS_ECS_CONFIGS))
def test_traffic_only_grows_and_ends_on_the_replacement(name):
    shares = [step.green_percent for step in traffic_steps(name)]
    assert shares == sorted(set(shares)) and shares[-1] == 100
    assert traffic_steps(name)[-1].wait_minutes == 0


def test_a_config_that_is_not_predefined_is_refused():
    with pytest.raises(ValueError, match="CodeDeployDefault.OneAtATime"):
        traffic_steps("CodeDeployDefault.OneAtATime")
