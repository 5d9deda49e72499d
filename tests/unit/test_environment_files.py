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


BAD_SETTINGS = [
    # (environment, old text, new text, expected setting, expected message fragment)
    ("dev", 'vpc_cidr              = "10.10.0.0/16"', 'vpc_cidr = "10.10.0.0/33"', "network.vpc_cidr",
     "'10.10.0.0/33' is not a valid IPv4 CIDR"),
    ("dev", 'vpc_cidr              = "10.10.0.0/16"', 'vpc_cidr = "8.8.0.0/16"', "network.vpc_cidr",
     "must be a private range"),
    ("dev", 'region      = "eu-west-1"', 'region = "europe-west"', "region", "is not an AWS region name"),
    ("dev", 'account_id  = "111111111111"', 'account_id = "1111"', "account_id", "is not a 12-digit AWS account id"),
    ("dev", 'account_id  = "111111111111"', "account_id = 111111111111", "account_id", "is not a string"),
    ("dev", 'name_prefix = "acme-dev"\n', "", "name_prefix", "missing required setting"),
    ("dev", "log_retention_days = 14", "log_retention_dayz = 14", "log_retention_dayz",
     "unknown setting (did you mean 'log_retention_days'?)"),
    ("dev", 'strategy = "rolling"', 'strategy = "bluegreen"', "service.app.deployment.strategy",
     "'bluegreen' is not one of 'blue_green', 'rolling'"),
    ("dev", 'strategy = "rolling"', 'strategy = "rolling"\n    traffic = "canary"', "service.app.deployment.traffic",
     "'canary' traffic needs strategy 'blue_green'"),
    ("dev", "memory            = 512", "memory = 4096", "service.app.memory",
     "4096 MiB is not a Fargate size for cpu 256"),
    ("dev", '"eu-west-1a", "eu-west-1b"', '"eu-west-1a", "us-east-1b"', "network.availability_zones[1]",
     "'us-east-1b' is not a zone of region 'eu-west-1'"),
    ("dev", '"eu-west-1a", "eu-west-1b"', '"eu-west-1a"', "network.availability_zones",
     "needs at least 2 entries"),
    ("dev", "container_port    = 80", 'container_port = "80"', "service.app.container_port",
     "'80' is not a whole number"),
    ("dev", '    connection_arn = "arn:aws:codestar-connections:eu-west-1:111111111111:connection/'
            '6f0c2a4e-1b7d-4c55-9a3e-0d8e5f1a2b3c"\n', "", "service.app.source.connection_arn",
     "missing required setting for provider 'github'"),
    ("prod", 'promotion            = ["staging", "prod"]', 'promotion = ["qa", "prod"]', "delivery.promotion",
     "unknown environment 'qa'"),
    ("prod", 'promotion            = ["staging", "prod"]', 'promotion = ["dev", "prod"]', "delivery.promotion",
     "cross-account or cross-region promotion is not supported"),
    ("prod", 'promotion            = ["staging", "prod"]', 'promotion = ["prod", "staging"]', "delivery.promotion",
     "must end with this environment ('prod')"),
    ("prod", 'type           = "cloud"', 'type = "consul"', "backend.type",
     "'consul' is not one of 'local', 's3', 'cloud'"),
    ("staging", 'bucket     = "acme-terraform-state-222222222222"', 'bucket = "Bad_Bucket"', "backend.bucket",
     "is not an S3 bucket name"),
]


@pytest.mark.parametrize("env,old,new,setting,message", BAD_SETTINGS, ids=[case[3] for case in BAD_SETTINGS])
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
    service = text[text.index('service "app"'):]
    path.write_text(text + "\n" + service)
    with pytest.raises(ConfigError, match=r"service\.app: declared more than once"):
        load_environment("dev", env_dir)


def run_main(env_dir: Path, cwd: Path, environments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PLATFORM_ENVIRONMENTS_DIR": str(env_dir),
                               "PLATFORM_ENVIRONMENTS": environments, "PYTHONPATH": str(ROOT)})


def test_main_exits_2_with_one_line_and_synthesizes_nothing(env_dir, tmp_path):
    edit(env_dir, "staging", 'vpc_cidr              = "10.20.0.0/16"', 'vpc_cidr = "10.20.0.0"')
    result = run_main(env_dir, tmp_path, "staging")  # paths are shown relative to the working directory
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: environments/staging.hcl: network.vpc_cidr: '10.20.0.0' must be a private range between /16 and /24"]
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
    assert [env.name for env in catalog.promotion_targets(by_name["prod"])] == ["staging", "prod"]
