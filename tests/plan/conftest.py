"""Variants of the shipped environments (a copied environments/ with edits), synthesized and planned once
per session, for the settings the shipped files do not exercise (e.g. an HTTPS certificate)."""

from __future__ import annotations

import shutil

import pytest

from envconfig.loader import ENVIRONMENTS_DIR, load_environments
from tests.environment_edits import edit
from tooling.harness.synth import synthesize
from tooling.harness.terraform import plan_stacks

CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:222222222222:certificate/4f1b7c2e-0d3a-4e5f-9a8b-7c6d5e4f3a2b"
HOST_NAME = "app.acme.example"
TESTERS = "203.0.113.0/24"
# prod with HTTPS: the certificate on both listeners, the name it covers, and testers on the test listener.
CERTIFICATE = [
    (
        "prod",
        "alb_deletion_protection = true",
        f'alb_deletion_protection = true\n  certificate_arn = "{CERTIFICATE_ARN}"',
    ),
    ("prod", 'health_check_path = "/health"', f'health_check_path = "/health"\n  host_name = "{HOST_NAME}"'),
    (
        "prod",
        "termination_wait_minutes = 60",
        f'termination_wait_minutes = 60\n    test_listener_cidrs = ["{TESTERS}"]',
    ),
]


# prod with all five appspec hooks: the user's functions before install, after install and after production traffic
# moved, the built-in checks on the test listener between.
HOOK_FUNCTION = "arn:aws:lambda:eu-west-1:222222222222:function:acme-prod-app-{}"
ALL_HOOKS = [
    (
        "prod",
        'hook "AfterAllowTestTraffic" {}',
        f'hook "BeforeInstall" {{\n      function_arn = "{HOOK_FUNCTION.format("preflight")}"\n    }}\n'
        f'    hook "AfterInstall" {{\n      function_arn = "{HOOK_FUNCTION.format("migrate")}"\n    }}\n'
        '    hook "AfterAllowTestTraffic" {}',
    ),
    ("prod", 'listener = "production"', f'function_arn = "{HOOK_FUNCTION.format("smoke")}"'),
]


def synthesize_variant(tmp_path_factory, name: str, edits: list[tuple[str, str, str]]):
    """(catalog, synthesis) of the edited environments' selected environment (the first edited one)."""
    directory = tmp_path_factory.mktemp(name) / "environments"
    shutil.copytree(ENVIRONMENTS_DIR, directory)
    for env, old, new in edits:
        edit(directory, env, old, new)
    catalog = load_environments([edits[0][0]], directory)
    return catalog, synthesize(catalog, outdir=tmp_path_factory.mktemp(f"{name}.out"))


@pytest.fixture(scope="session")
def certificate_variant(synthesis, tmp_path_factory):
    """prod with a certificate (after `synthesis`, which loads the bindings once)."""
    return synthesize_variant(tmp_path_factory, "certificate", CERTIFICATE)


@pytest.fixture(scope="session")
def certificate_plan(certificate_variant, tmp_path_factory):
    _, synthesis = certificate_variant
    plan = plan_stacks(
        {"prod-service": synthesis.stacks["prod-service"]}, work_root=tmp_path_factory.mktemp("certificate-plans")
    )["prod-service"]
    plan.stack = "prod-service (with certificate)"
    return plan


@pytest.fixture(scope="session")
def service_plans(plans, catalog, certificate_variant, certificate_plan):
    """(plan, environment) of every planned service stack, and of prod with a certificate."""
    shipped = [
        (plan, catalog.by_name[name.removesuffix("-service")])
        for name, plan in sorted(plans.items())
        if name.endswith("-service")
    ]
    return [*shipped, (certificate_plan, certificate_variant[0].by_name["prod"])]


@pytest.fixture(scope="session")
def hooks_variant(synthesis, tmp_path_factory):
    """prod with all five hooks, built-in checks and the user's functions mixed."""
    return synthesize_variant(tmp_path_factory, "hooks", ALL_HOOKS)


@pytest.fixture(scope="session")
def hooks_plan(hooks_variant, tmp_path_factory):
    _, synthesis = hooks_variant
    plan = plan_stacks(
        {"prod-service": synthesis.stacks["prod-service"]}, work_root=tmp_path_factory.mktemp("hooks-plans")
    )["prod-service"]
    plan.stack = "prod-service (all five hooks)"
    return plan
