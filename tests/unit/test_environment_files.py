"""Bad environment files fail before synthesis: one line naming the file and the setting, exit 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from envconfig.loader import ConfigError, load_environment, load_environments
from envconfig.model import CloudBackend, LocalBackend, S3Backend
from tests.environment_edits import edit

ROOT = Path(__file__).resolve().parents[2]
LAMBDA = "arn:aws:lambda"


DEV_SOURCE = (
    """  source {
    provider       = "github"
    repository     = "acme/app"
    branch         = "develop"
    connection_arn = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/"""
    """6f0c2a4e-1b7d-4c55-9a3e-0d8e5f1a2b3c"
  }
"""
)

BAD_SETTINGS = [
    # (environment, old text, new text, expected setting, expected message fragment)
    (
        "dev",
        'vpc_cidr              = "10.10.0.0/16"',
        'vpc_cidr = "10.10.0.0/33"',
        "network.vpc_cidr",
        "'10.10.0.0/33' is not a valid IPv4 CIDR",
    ),
    (
        "dev",
        'vpc_cidr              = "10.10.0.0/16"',
        'vpc_cidr = "8.8.0.0/16"',
        "network.vpc_cidr",
        "must be a private range",
    ),
    ("dev", 'region      = "eu-west-1"', 'region = "europe-west"', "region", "is not an AWS region name"),
    ("dev", 'account_id  = "111111111111"', 'account_id = "1111"', "account_id", "is not a 12-digit AWS account id"),
    ("dev", 'account_id  = "111111111111"', "account_id = 111111111111", "account_id", "is not a string"),
    ("dev", 'name_prefix = "acme-dev"\n', "", "name_prefix", "missing required setting"),
    (
        "dev",
        "log_retention_days = 14",
        "log_retention_dayz = 14",
        "log_retention_dayz",
        "unknown setting (did you mean 'log_retention_days'?)",
    ),
    (
        "dev",
        'strategy = "rolling"',
        'strategy = "bluegreen"',
        "service.app.deployment.strategy",
        "'bluegreen' is not one of 'blue_green', 'rolling'",
    ),
    (
        "dev",
        'strategy = "rolling"',
        'strategy = "rolling"\n    traffic = "canary"',
        "service.app.deployment.traffic",
        "'canary' traffic needs strategy 'blue_green'",
    ),
    (
        "dev",
        "memory            = 512",
        "memory = 4096",
        "service.app.memory",
        "4096 MiB is not a Fargate size for cpu 256",
    ),
    (
        "dev",
        '"eu-west-1a", "eu-west-1b"',
        '"eu-west-1a", "us-east-1b"',
        "network.availability_zones[1]",
        "'us-east-1b' is not a zone of region 'eu-west-1'",
    ),
    ("dev", '"eu-west-1a", "eu-west-1b"', '"eu-west-1a"', "network.availability_zones", "needs at least 2 entries"),
    (
        "dev",
        "container_port    = 80",
        'container_port = "80"',
        "service.app.container_port",
        "'80' is not a whole number",
    ),
    (
        "dev",
        '    connection_arn = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/'
        '6f0c2a4e-1b7d-4c55-9a3e-0d8e5f1a2b3c"\n',
        "",
        "service.app.source.connection_arn",
        "missing required setting for provider 'github'",
    ),
    (
        "prod",
        'promotion            = ["staging", "prod"]',
        'promotion = ["qa", "prod"]',
        "delivery.promotion",
        "unknown environment 'qa'",
    ),
    (
        "prod",
        'promotion            = ["staging", "prod"]',
        'promotion = ["dev", "prod"]',
        "delivery.promotion",
        "'dev' is in account 111111111111, not the delivery account 222222222222, and",
    ),
    (
        "prod",
        'promotion            = ["staging", "prod"]',
        'promotion = ["prod", "staging"]',
        "delivery.promotion",
        "must end with this environment ('prod')",
    ),
    (
        "prod",
        'type           = "cloud"',
        'type = "consul"',
        "backend.type",
        "'consul' is not one of 'local', 's3', 'cloud'",
    ),
    (
        "staging",
        'bucket     = "acme-terraform-state-222222222222"',
        'bucket = "Bad_Bucket"',
        "backend.bucket",
        "is not an S3 bucket name",
    ),
    # A list names each thing once (a repeat creates or deploys it twice: duplicate construct ids, rules, stages).
    (
        "dev",
        '"eu-west-1a", "eu-west-1b"',
        '"eu-west-1a", "eu-west-1a"',
        "network.availability_zones",
        "'eu-west-1a' is listed more than once",
    ),
    (
        "dev",
        'allowed_ingress_cidrs = ["10.0.0.0/8"]',
        'allowed_ingress_cidrs = ["10.0.0.0/8", "10.0.0.0/8"]',
        "network.allowed_ingress_cidrs",
        "'10.0.0.0/8' is listed more than once",
    ),
    (
        "prod",
        'hook "AfterAllowTestTraffic" {}',
        'hook "AfterAllowTestTraffic" {}\n    hook "AfterAllowTestTraffic" {}',
        "service.app.deployment.hook.AfterAllowTestTraffic",
        "declared more than once",
    ),
    (
        "dev",
        'codeartifact_formats = ["npm"]',
        'codeartifact_formats = ["npm", "npm"]',
        "delivery.codeartifact_formats",
        "'npm' is listed more than once",
    ),
    (
        "prod",
        'promotion            = ["staging", "prod"]',
        'promotion = ["staging", "staging", "prod"]',
        "delivery.promotion",
        "'staging' is listed more than once",
    ),
    # HCP Terraform workspaces: {stack} and nothing else, or every stack shares one workspace (or synthesis fails).
    (
        "prod",
        'workspace_name = "platform-{stack}"',
        'workspace_name = "platform"',
        "backend.workspace_name",
        "has no {stack}: every stack would share one workspace",
    ),
    (
        "prod",
        'workspace_name = "platform-{stack}"',
        'workspace_name = "platform-{stak}"',
        "backend.workspace_name",
        "{stak} is not a placeholder; the only one is {stack}",
    ),
    (
        "prod",
        'workspace_name = "platform-{stack}"',
        'workspace_name = "platform-{0}-{stack}"',
        "backend.workspace_name",
        "{0} is not a placeholder",
    ),
    (
        "prod",
        'workspace_name = "platform-{stack}"',
        'workspace_name = "platform-{stack"',
        "backend.workspace_name",
        "is not a workspace name template (expected '}' before end of string)",
    ),
    (
        "prod",
        'workspace_name = "platform-{stack}"',
        'workspace_name = "platform-}{stack}"',
        "backend.workspace_name",
        "is not a workspace name template (Single '}' encountered in format string)",
    ),
    (
        "prod",
        'workspace_name = "platform-{stack}"',
        'workspace_name = "{{stack}}-{stack}"',
        "backend.workspace_name",
        "a workspace name cannot contain braces",
    ),
    (
        "prod",
        'workspace_name = "platform-{stack}"',
        f'workspace_name = "{"w" * 80}-{{stack}}"',
        "backend.workspace_name",
        "(HCP Terraform workspace name) is 94 characters; AWS allows 90",
    ),
    # Names AWS would refuse, computed from envconfig/naming.py.
    (
        "dev",
        'service "app"',
        'service "application-frontend"',
        "service.application-frontend",
        "'acme-dev-application-frontend-blue' (target group name) is 34 characters; AWS allows 32",
    ),
    (
        "dev",
        'name_prefix = "acme-dev"',
        'name_prefix = "internal-dev"',
        "service.app",
        "'internal-dev-app' is not a valid load balancer name",
    ),
    # The VPC layout (16 blocks, one public and one private subnet per zone) and what the ALB needs.
    (
        "dev",
        'vpc_cidr              = "10.10.0.0/16"',
        'vpc_cidr = "10.10.0.0/24"',
        "network.vpc_cidr",
        "'10.10.0.0/24' gives each subnet a /28; the load balancer needs a /27 or larger (use a /23 VPC or larger)",
    ),
    (
        "dev",
        '"eu-west-1a", "eu-west-1b"',
        ", ".join(f'"eu-west-1{z}"' for z in "abcdefghi"),
        "network.availability_zones",
        "9 zones: the VPC layout has room for 8",
    ),
    (
        "dev",
        'nat_gateways          = "single"',
        'nat_gateways = "none"',
        "network.nat_gateways",
        "tasks could not pull images",
    ),
    # Regions of other partitions.
    (
        "dev",
        'region      = "eu-west-1"',
        'region = "cn-north-1"',
        "region",
        "'cn-north-1' is in the 'aws-cn' partition; the stacks support 'aws' regions only",
    ),
    ("dev", 'region      = "eu-west-1"', 'region = "us-gov-west-1"', "region", "is in the 'aws-us-gov' partition"),
    # Build secrets: a name, or an ARN of this account and region.
    (
        "dev",
        '"dockerhub:token"',
        '"arn:aws:secretsmanager:eu-west-1:999999999999:secret:dockerhub-AbCdEf:token"',
        "service.app.build.secrets_manager.DOCKER_HUB_TOKEN",
        "the secret is in 999999999999/eu-west-1",
    ),
    (
        "dev",
        '"dockerhub:token"',
        '"arn:aws:ssm:eu-west-1:111111111111:parameter/token"',
        "service.app.build.secrets_manager",
        "does not start with a Secrets Manager secret ARN",
    ),
    (
        "dev",
        '"dockerhub:token"',
        '"dockerhub:token:AWSCURRENT:v1:extra"',
        "service.app.build.secrets_manager",
        "is not secret-id[:json-key[:version-stage[:version-id]]]",
    ),
    # Pipelines: a source where this environment's pipeline builds, none where another's deploys.
    ("dev", DEV_SOURCE, "", "service.app.source", "missing required setting (this environment's pipeline builds it)"),
    (
        "staging",
        'health_check_path = "/health"',
        'health_check_path = "/health"\n' + DEV_SOURCE,
        "service.app.source",
        "not used: delivery.promotion = []",
    ),
    (
        "staging",
        'health_check_path = "/health"',
        'health_check_path = "/health"\n  build { cache = "none" }',
        "service.app.build",
        "not used: delivery.promotion = []",
    ),
    ("dev", 'codeartifact_formats = ["npm"]', "keep_releases = 2", "delivery.keep_releases", "2 is not between 3"),
    # The run task stack: HCP Terraform only calls run tasks for its own workspaces.
    (
        "dev",
        "log_retention_days = 14",
        "log_retention_days = 14\nrun_task {}",
        "run_task",
        "needs backend.type = \"cloud\" (HCP Terraform runs run tasks; this file's backend is 'local')",
    ),
    (
        "staging",
        'tier        = "staging"',
        'tier        = "staging"\nrun_task {}',
        "run_task",
        "this file's backend is 's3'",
    ),
    (
        "prod",
        'image_tag = "release-2026.11.30"',
        'image_tag = "v1:latest"',
        "run_task.image_tag",
        "is not an image tag",
    ),
    ("prod", 'image_tag = "release-2026.11.30"', "memory_mb = 512", "run_task.memory_mb", "512 is not between 1024"),
    (
        "prod",
        'image_tag = "release-2026.11.30"',
        "timeout_seconds = 3600",
        "run_task.timeout_seconds",
        "3600 is not between 300 and 900",
    ),
    (
        "prod",
        'image_tag = "release-2026.11.30"',
        "reserved_concurrency = 1",
        "run_task.reserved_concurrency",
        "1 is not between 2 and 100",
    ),
    ("prod", 'image_tag = "release-2026.11.30"', "image_tags = []", "run_task.image_tags", "unknown setting"),
    # Appspec hooks (deployment.hook "<event>"): where each check can see the new tasks, whose function runs.
    (
        "prod",
        'hook "AfterAllowTestTraffic" {}',
        'hook "AfterDeploy" {}',
        "service.app.deployment.hook.AfterDeploy",
        "'AfterDeploy' is not one of 'BeforeInstall', 'AfterInstall'",
    ),
    (
        "dev",
        'strategy = "rolling"',
        'strategy = "rolling"\n    hook "AfterAllowTraffic" {}',
        "service.app.deployment.hook.AfterAllowTraffic",
        "need strategy 'blue_green', not 'rolling'",
    ),
    (
        "prod",
        'hook "AfterAllowTestTraffic" {}',
        'hook "BeforeInstall" {}',
        "service.app.deployment.hook.BeforeInstall",
        "no listener routes to the new tasks at BeforeInstall, so an HTTP check cannot see them: set function_arn",
    ),
    (
        "prod",
        'hook "AfterAllowTestTraffic" {}',
        'hook "AfterInstall" {\n      path = "/health"\n    }',
        "service.app.deployment.hook.AfterInstall",
        "no listener routes to the new tasks at AfterInstall",
    ),
    (
        "prod",
        'listener = "production"',
        'listener = "test"',
        "service.app.deployment.hook.AfterAllowTraffic.listener",
        "the test listener does not route to the new tasks at AfterAllowTraffic (the production listener does)",
    ),
    (
        "prod",
        'listener        = "test"',
        'listener = "production"',
        "service.app.deployment.hook.BeforeAllowTraffic.listener",
        "the production listener does not route to the new tasks at BeforeAllowTraffic (the test listener does)",
    ),
    (
        "prod",
        'hook "AfterAllowTestTraffic" {}',
        'hook "AfterAllowTestTraffic" {\n      listener = "staging"\n    }',
        "service.app.deployment.hook.AfterAllowTestTraffic.listener",
        "'staging' is not one of '', 'test', 'production'",
    ),
    (
        "prod",
        "expected_status = 200",
        "expected_status = 700",
        "service.app.deployment.hook.BeforeAllowTraffic.expected_status",
        "700 is not between 100 and 599",
    ),
    (
        "prod",
        'path            = "/"',
        'path = "health"',
        "service.app.deployment.hook.BeforeAllowTraffic.path",
        "'health' is not a URL path starting with '/'",
    ),
    (
        "prod",
        'hook "AfterAllowTestTraffic" {}',
        f'hook "BeforeInstall" {{\n      function_arn = "{LAMBDA}:eu-west-1:999999999999:function:preflight"\n    }}',
        "service.app.deployment.hook.BeforeInstall.function_arn",
        "the function is in 999999999999/eu-west-1, not this environment's 222222222222/eu-west-1",
    ),
    (
        "prod",
        'hook "AfterAllowTestTraffic" {}',
        f'hook "BeforeInstall" {{\n      function_arn = "{LAMBDA}:us-east-1:222222222222:function:preflight"\n    }}',
        "service.app.deployment.hook.BeforeInstall.function_arn",
        "the function is in 222222222222/us-east-1",
    ),
    (
        "prod",
        'hook "AfterAllowTestTraffic" {}',
        f'hook "BeforeInstall" {{\n      function_arn = "{LAMBDA}:eu-west-1:222222222222:function:pre:live"\n    }}',
        "service.app.deployment.hook.BeforeInstall.function_arn",
        "is not an unqualified Lambda function ARN",
    ),
    (
        "prod",
        'listener = "production"',
        'function_arn = "arn:aws:lambda:eu-west-1:222222222222:function:smoke"\n      path = "/smoke"',
        "service.app.deployment.hook.AfterAllowTraffic.path",
        "belongs to the built-in check; a hook with function_arn runs that function instead",
    ),
    (
        "prod",
        "termination_wait_minutes = 60",
        'termination_wait_minutes = 60\n    validation_hooks = ["AfterAllowTraffic"]',
        "service.app.deployment.validation_hooks",
        "unknown setting",
    ),
]


@pytest.mark.parametrize(
    "env,old,new,setting,message", BAD_SETTINGS, ids=[f"{case[3]}:{case[4][:24]}" for case in BAD_SETTINGS]
)
def test_bad_setting_is_named_with_its_file(env_dir, env, old, new, setting, message):
    path = edit(env_dir, env, old, new)
    with pytest.raises(ConfigError) as caught:
        load_environment(env, env_dir)
    assert caught.value.setting == setting
    assert str(caught.value) == f"{path}: {setting}: {caught.value.args[0].split(': ', 2)[2]}"
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_malformed_file_names_the_file_and_line(env_dir):
    path = edit(env_dir, "dev", "network {", "network {{")
    with pytest.raises(ConfigError) as caught:
        load_environment("dev", env_dir)
    assert str(caught.value).startswith(f"{path}: malformed HCL:")
    assert re.search(r"line \d+", str(caught.value))


def test_unknown_environment_lists_the_known_ones(env_dir):
    with pytest.raises(ConfigError, match=r"unknown environment 'qa' \(known: dev, prod, staging\)"):
        load_environment("qa", env_dir)


def test_duplicate_service_label_is_rejected(env_dir):
    path = env_dir / "dev.hcl"
    text = path.read_text()
    service = text[text.index('service "app"') :]
    path.write_text(text + "\n" + service)
    with pytest.raises(ConfigError, match=r"service\.app: declared more than once"):
        load_environment("dev", env_dir)


def run_main(env_dir: Path, cwd: Path, environments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "PLATFORM_ENVIRONMENTS_DIR": str(env_dir),
            "PLATFORM_ENVIRONMENTS": environments,
            "PYTHONPATH": str(ROOT),
        },
    )


def test_main_exits_2_with_one_line_and_synthesizes_nothing(env_dir, tmp_path):
    edit(env_dir, "staging", 'vpc_cidr              = "10.20.0.0/16"', 'vpc_cidr = "10.20.0.0"')
    result = run_main(env_dir, tmp_path, "staging")  # paths are shown relative to the working directory
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: environments/staging.hcl: network.vpc_cidr: '10.20.0.0' must be a private range between /16 and /24"
    ]
    assert not (tmp_path / "cdktf.out").exists()


def test_a_run_task_without_a_cloud_backend_exits_2_naming_file_and_setting(env_dir, tmp_path):
    edit(env_dir, "dev", "log_retention_days = 14", "log_retention_days = 14\nrun_task {}")
    result = run_main(env_dir, tmp_path, "dev")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        'error: environments/dev.hcl: run_task: needs backend.type = "cloud" (HCP Terraform runs run tasks; '
        "this file's backend is 'local')"
    ]


def test_main_exits_2_on_a_bad_hook(env_dir, tmp_path):
    edit(env_dir, "prod", 'hook "AfterAllowTestTraffic" {}', 'hook "BeforeInstall" {}')
    result = run_main(env_dir, tmp_path, "prod")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: environments/prod.hcl: service.app.deployment.hook.BeforeInstall: no listener")
    assert not (tmp_path / "cdktf.out").exists()


def test_main_rejects_an_unknown_environment(env_dir, tmp_path):
    result = run_main(env_dir, tmp_path, "qa")
    assert result.returncode == 2
    assert "unknown environment 'qa' (known: dev, prod, staging)" in result.stderr
    assert not (tmp_path / "cdktf.out").exists()


def test_shipped_environments_load_with_their_backends():
    catalog = load_environments()
    by_name = catalog.by_name
    assert isinstance(by_name["dev"].backend, LocalBackend)
    assert isinstance(by_name["staging"].backend, S3Backend)
    assert isinstance(by_name["prod"].backend, CloudBackend)
    assert by_name["prod"].promotion == ("staging", "prod")
    assert by_name["dev"].promotion == ("dev",)
    assert by_name["staging"].promotion == ()
    assert [env.name for env in catalog.promotion_targets(by_name["prod"])] == ["staging", "prod"]


def test_each_deployment_target_has_exactly_one_pipeline():
    """Staging is deployed by prod's pipeline only; its services run images from prod's repository."""
    catalog = load_environments()
    owners = {
        (target.name, service): [
            env.name
            for env in catalog.by_name.values()
            if target.name in env.promotion and service in {s.name for s in env.services}
        ]
        for target in catalog.by_name.values()
        for service in (s.name for s in target.services)
    }
    assert owners == {
        ("dev", "app"): ["dev"],
        ("dev", "api"): ["dev"],
        ("prod", "app"): ["prod"],
        ("staging", "app"): ["prod"],
    }
    assert [env.name for env in catalog.promoting_into(catalog.by_name["staging"])] == ["prod"]


def write_environment(env_dir: Path, name: str, base: str, *replacements: tuple[str, str]) -> Path:
    """A new environment file from a shipped one, edited."""
    text = (env_dir / f"{base}.hcl").read_text()
    for old, new in replacements:
        assert old in text, f"{old!r} not in {base}.hcl"
        text = text.replace(old, new, 1)
    path = env_dir / f"{name}.hcl"
    path.write_text(text)
    return path


def across_files(env_dir: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_environments(directory=env_dir)
    assert "\n" not in str(caught.value)
    return caught.value


def test_two_pipelines_on_one_target_name_both_files(env_dir):
    """The defect: staging deployed by its own pipeline (from `release`) and by prod's (from `main`)."""
    edit(env_dir, "staging", "  promotion            = []\n", "")
    staging = edit(
        env_dir,
        "staging",
        'health_check_path = "/health"\n',
        'health_check_path = "/health"\n'
        + DEV_SOURCE.replace("develop", "release").replace("111111111111", "222222222222"),
    )
    error = across_files(env_dir)
    assert (error.file, error.setting) == (str(env_dir / "prod.hcl"), "delivery.promotion")
    assert str(error).endswith(
        f"deploys service 'app' into 'staging', and so does the pipeline of {staging} (delivery.promotion unset: "
        f"itself): a deployment target has one pipeline; set delivery {{ promotion = [] }} in {staging}"
    )


def test_a_third_pipeline_into_a_promoted_environment_is_rejected(env_dir):
    qa = write_environment(
        env_dir,
        "qa",
        "prod",
        ('name_prefix = "acme-prod"', 'name_prefix = "acme-qa"'),
        ('promotion            = ["staging", "prod"]', 'promotion = ["staging", "qa"]'),
        ("\neks {", "\neks_unused {"),
    )
    qa.write_text(qa.read_text().split("\neks_unused {")[0])
    error = across_files(env_dir)
    assert error.file == str(env_dir / "prod.hcl")
    assert f"into 'staging', and so does the pipeline of {qa} (delivery.promotion = ['staging', 'qa'])" in str(error)
    assert str(error).endswith("drop 'staging' from one of the two")


def test_a_service_without_a_pipeline_is_rejected(env_dir):
    edit(env_dir, "prod", 'promotion            = ["staging", "prod"]', 'promotion = ["prod"]')
    error = across_files(env_dir)
    assert (error.file, error.setting) == (str(env_dir / "staging.hcl"), "delivery.promotion")
    assert "no pipeline deploys service 'app'" in str(error)


def test_file_name_must_be_an_identifier(env_dir):
    write_environment(env_dir, "Dev_2", "dev", ('name_prefix = "acme-dev"', 'name_prefix = "acme-dev2"'))
    error = across_files(env_dir)
    assert (error.file, error.setting) == (str(env_dir / "Dev_2.hcl"), "name")
    assert "the file name 'Dev_2' is not a short name" in str(error)


def test_two_files_with_one_name_prefix_name_both(env_dir):
    qa = write_environment(env_dir, "qa", "dev")
    error = across_files(env_dir)
    assert (error.file, error.setting) == (str(env_dir / "dev.hcl"), "name_prefix")
    assert str(error).endswith(f"'acme-dev' is also {qa}'s name_prefix")


def test_names_that_meet_across_prefixes_in_one_account_are_rejected(env_dir):
    qa = write_environment(
        env_dir,
        "qa",
        "dev",
        ('name_prefix = "acme-dev"', 'name_prefix = "acme"'),
        ('service "app"', 'service "dev-app"'),
    )
    error = across_files(env_dir)
    assert (error.file, error.setting) == (str(env_dir / "dev.hcl"), "service.app")
    assert str(error).endswith(f"log group name '/aws/codebuild/acme-dev-app-build' is also created by {qa}")


def test_promotion_targets_must_differ_in_statement_ids(env_dir):
    for name, prefix in (("stag-e", "acme-sa"), ("stage", "acme-sb")):
        write_environment(env_dir, name, "staging", ('name_prefix = "acme-stg"', f'name_prefix = "{prefix}"'))
    edit(
        env_dir,
        "prod",
        'promotion            = ["staging", "prod"]',
        'promotion = ["stag-e", "stage", "staging", "prod"]',
    )
    error = across_files(env_dir)
    assert (error.file, error.setting) == (str(env_dir / "prod.hcl"), "delivery.promotion")
    assert "'stag-e' and 'stage' differ only in '-'" in str(error)
