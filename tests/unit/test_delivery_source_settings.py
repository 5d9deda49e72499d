"""The settings of issue 14: who is notified, what starts a pipeline, pull-request builds. Bad values fail
when the file loads, with one line naming the file and the setting; good ones reach the model."""

from __future__ import annotations

import pytest

from envconfig.loader import ConfigError, load_environment
from tests.environment_edits import edit

DEV_SOURCE = (
    """    provider       = "github"
    repository     = "acme/app"
    branch         = "develop"
    connection_arn = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/"""
    '6f0c2a4e-1b7d-4c55-9a3e-0d8e5f1a2b3c"\n'
)
CODECOMMIT_SOURCE = """    provider   = "codecommit"
    repository = "acme-app"
    branch     = "develop"
"""
PROD_EMAILS = 'emails               = ["release-approvers@acme.example", "platform-oncall@acme.example"]'
PROD_CHAT = 'chatbot_channel_arns = ["arn:aws:chatbot::222222222222:chat-configuration/slack-channel/acme-releases"]'
PROD_TRIGGER = 'excluded_file_paths = ["docs/**", "**/*.md"]'

BAD_SETTINGS = [
    # (environment, old text, new text, expected setting, expected message fragment)
    (
        "prod",
        PROD_EMAILS,
        'emails = ["release-approvers"]',
        "delivery.notifications.emails",
        "'release-approvers' is not an email address",
    ),
    (
        "prod",
        PROD_EMAILS,
        'https_endpoints = ["http://hooks.acme.example/sns"]',
        "delivery.notifications.https_endpoints",
        "is not an https:// URL",
    ),
    (
        "prod",
        PROD_CHAT,
        'chatbot_channel_arns = ["arn:aws:sns:eu-west-1:222222222222:slack"]',
        "delivery.notifications.chatbot_channel_arns",
        "is not an AWS Chatbot Slack or Microsoft Teams channel",
    ),
    (
        "prod",
        PROD_CHAT,
        'chatbot_channel_arns = ["arn:aws:chatbot::333333333333:chat-configuration/slack-channel/other"]',
        "delivery.notifications.chatbot_channel_arns[0]",
        "is not in account 222222222222",
    ),
    (
        "prod",
        PROD_EMAILS,
        'events = ["pipeline-execution-exploded"]',
        "delivery.notifications.events[0]",
        "'pipeline-execution-exploded' is not one of",
    ),
    ("prod", PROD_EMAILS, "events = []", "delivery.notifications.events", "needs at least 1 entries"),
    (
        "prod",
        PROD_TRIGGER,
        'tags = ["v 1"]',
        "service.app.source.trigger.tags",
        "'v 1' is not a git branch, tag or path pattern",
    ),
    (
        "prod",
        PROD_TRIGGER,
        f"branches = {[f'b{i}' for i in range(9)]}".replace("'", '"'),
        "service.app.source.trigger.branches",
        "has 9 entries; at most 8 are allowed",
    ),
    (
        "dev",
        DEV_SOURCE,
        CODECOMMIT_SOURCE + '    trigger {\n      tags = ["v*"]\n    }\n',
        "service.app.source.trigger",
        "not 'codecommit'",
    ),
    (
        "dev",
        DEV_SOURCE,
        DEV_SOURCE + "    create_repository = true\n",
        "service.app.source.create_repository",
        "only a 'codecommit' repository can be created, not a 'github' one",
    ),
    (
        "dev",
        "pull_request_build {}",
        'pull_request_build {\n    base_branches = ["main branch"]\n  }',
        "service.app.pull_request_build.base_branches",
        "is not a git branch name",
    ),
]


@pytest.mark.parametrize("env,old,new,setting,message", BAD_SETTINGS, ids=[f"{c[3]}:{c[4][:20]}" for c in BAD_SETTINGS])
def test_bad_setting_is_named_with_its_file(env_dir, env, old, new, setting, message):
    path = edit(env_dir, env, old, new)
    with pytest.raises(ConfigError) as caught:
        load_environment(env, env_dir)
    assert caught.value.setting == setting
    assert str(caught.value).startswith(f"{path}: {setting}: ")
    assert message in str(caught.value)


def test_shipped_files_exercise_the_settings(catalog):
    prod, dev, staging = (catalog.by_name[name] for name in ("prod", "dev", "staging"))
    assert prod.delivery.notifications.emails and prod.delivery.notifications.chatbot_channel_arns
    assert prod.services[0].source.trigger.excluded_file_paths == ("docs/**", "**/*.md")
    assert dev.services[0].pull_request_build is not None
    # Defaults: nobody subscribed, failures and pending approvals notified, every push to the branch releases.
    assert staging.delivery.notifications.emails == () and dev.services[0].source.trigger is None
    assert staging.delivery.notifications.events == ("pipeline-execution-failed", "manual-approval-needed")
    assert staging.services[0].pull_request_build is None


def test_a_codecommit_source_may_create_its_repository(env_dir):
    edit(env_dir, "dev", DEV_SOURCE, CODECOMMIT_SOURCE + "    create_repository = true\n")
    source = load_environment("dev", env_dir).services[0].source
    assert (source.provider, source.repository, source.create_repository) == ("codecommit", "acme-app", True)
