"""HTTPS needs the name the certificate covers: the cross-setting rule, on edited copies of the environments."""

from __future__ import annotations

import re

import pytest

from envconfig.loader import ConfigError, load_environment
from tests.environment_edits import edit

HEALTH = 'health_check_path = "/health"'
WAIT = "termination_wait_minutes = 60"
FUNCTION = "arn:aws:lambda:eu-west-1:222222222222:function:acme-prod-app-preflight"
CERTIFICATE = 'alb_deletion_protection = true\n  certificate_arn = "arn:aws:acm:eu-west-1:222222222222:certificate/x"'


def test_a_certificate_without_host_name_is_an_error_naming_the_setting(env_dir):
    edit(env_dir, "prod", "alb_deletion_protection = true", CERTIFICATE)
    with pytest.raises(
        ConfigError,
        match=r"prod.hcl: service.app.host_name: missing required setting with "
        r"network.certificate_arn: the name the certificate covers",
    ):
        load_environment("prod", env_dir)


def test_a_certificate_with_host_name_passes(env_dir):
    edit(env_dir, "prod", "alb_deletion_protection = true", CERTIFICATE)
    edit(env_dir, "prod", HEALTH, f'{HEALTH}\n  host_name = "app.acme.example"')
    env = load_environment("prod", env_dir)
    assert env.services[0].host_name == "app.acme.example"


def test_services_without_built_in_checks_need_no_host_name(env_dir):
    """Only the project's checks connect to the listeners; the user's functions are theirs to configure."""
    edit(env_dir, "prod", "alb_deletion_protection = true", CERTIFICATE)
    path = env_dir / "prod.hcl"
    text = re.sub(r'\n    hook "\w+" \{[^}]*\}', "", path.read_text())
    path.write_text(
        text.replace(WAIT, f'{WAIT}\n    hook "BeforeInstall" {{\n      function_arn = "{FUNCTION}"\n    }}')
    )
    [hook] = load_environment("prod", env_dir).services[0].deployment.hooks
    assert (hook.name, hook.built_in) == ("BeforeInstall", False)


@pytest.mark.parametrize("value", ["app", "-app.example", "App.Example.com", "app..example", "app.example."])
def test_host_name_must_be_a_dns_name(env_dir, value):
    edit(env_dir, "prod", HEALTH, f'{HEALTH}\n  host_name = "{value}"')
    with pytest.raises(ConfigError, match="service.app.host_name: .* is not a DNS host name"):
        load_environment("prod", env_dir)


def test_test_listener_cidrs_must_be_cidrs(env_dir):
    edit(env_dir, "prod", WAIT, f'{WAIT}\n    test_listener_cidrs = ["10.0.0.0/33"]')
    with pytest.raises(ConfigError, match="deployment.test_listener_cidrs"):
        load_environment("prod", env_dir)
