"""Multi-account environment files (tests/fixtures/multi_account: a delivery account 333333333333 whose pipeline
promotes into staging 444444444444 and prod 555555555555; tests/fixtures/cross_region: staging in us-east-1): they
load, and bad cross-account settings fail before synthesis with one line naming the file and the setting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from envconfig.loader import ConfigError, load_environment, load_environments
from envconfig.naming import delivery_environment
from tests.environment_edits import edit
from tests.unit.test_environment_files import run_main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
DELIVERY_ACCOUNT = 'account_id               = "333333333333"'
STAGING_DEPLOY_ROLE = 'deploy_role {\n  delivery_account_id = "333333333333"\n}\n'


@pytest.fixture
def multi_dir(tmp_path):
    directory = tmp_path / "environments"
    shutil.copytree(FIXTURES / "multi_account", directory)
    return directory


def test_three_account_files_load_with_the_delivery_account():
    catalog = load_environments(None, FIXTURES / "multi_account")
    prod, staging = catalog.by_name["prod"], catalog.by_name["staging"]
    assert (prod.delivery_account_id, prod.account_id, staging.account_id) == (
        "333333333333",
        "555555555555",
        "444444444444",
    )
    delivery = delivery_environment(prod)
    assert (delivery.account_id, delivery.region, delivery.name) == ("333333333333", "eu-west-1", "prod")
    assert delivery.assume_role.role_arn.endswith(":333333333333:role/acme-delivery-terraform")
    assert delivery_environment(staging) is staging  # no delivery account of its own: its own account


def test_cross_region_files_load_with_the_artifact_region():
    catalog = load_environments(None, FIXTURES / "cross_region")
    assert catalog.by_name["staging"].region == "us-east-1"
    assert catalog.by_name["prod"].delivery.artifact_regions == ("us-east-1",)


BAD_MULTI_ACCOUNT = [
    # (environment edited, old, new, environment loaded, file named, setting, message fragment)
    (
        "staging",
        STAGING_DEPLOY_ROLE,
        "",
        "prod",
        "prod",
        "delivery.promotion",
        "'staging' is in account 444444444444, not the delivery account 333333333333, and",
    ),
    (
        "staging",
        'delivery_account_id = "333333333333"',
        'delivery_account_id = "666666666666"',
        "prod",
        "prod",
        "delivery.promotion",
        "'staging' trusts pipelines of account 666666666666",
    ),
    (
        "staging",
        'delivery_account_id = "333333333333"',
        'delivery_account_id = "444444444444"',
        "staging",
        "staging",
        "deploy_role.delivery_account_id",
        "is this environment's own account",
    ),
    ("prod", DELIVERY_ACCOUNT, 'account_id = "33333"', "prod", "prod", "delivery.account.account_id", "12-digit"),
    (
        "staging",
        'delivery_account_id = "333333333333"',
        'delivery_account_id = "3333333333333"',
        "staging",
        "staging",
        "deploy_role.delivery_account_id",
        "12-digit",
    ),
    (
        "prod",
        DELIVERY_ACCOUNT,
        'account_id = "555555555555"',
        "prod",
        "prod",
        "delivery.account.account_id",
        "is this environment's own account and region",
    ),
    (
        "staging",
        'role_arn               = "arn:aws:iam::444444444444:role/acme-stg-terraform"',
        'role_arn = "arn:aws:iam::555555555555:role/acme-stg-terraform"',
        "staging",
        "staging",
        "assume_role.role_arn",
        "is not in account 444444444444",
    ),
    (
        "staging",
        ', "arn:aws:iam::444444444444:role/acme-stg-terraform"]',
        "]",
        "staging",
        "staging",
        "key_admin_principal_arns",
        "must include 'arn:aws:iam::444444444444:role/acme-stg-terraform'",
    ),
    (
        "staging",
        'trusted_principal_arns = ["arn:aws:iam::333333333333:role/platform-ci"]',
        'trusted_principal_arns = ["arn:aws:iam::333333333333:root"]',
        "staging",
        "staging",
        "assume_role.trusted_principal_arns",
        "is not an IAM role or user ARN",
    ),
    (
        "staging",
        'external_id            = "acme-stg-terraform"',
        'external_id = "x"',
        "staging",
        "staging",
        "assume_role.external_id",
        "is not an external id",
    ),
]


@pytest.mark.parametrize(
    "edited,old,new,loaded,named,setting,message",
    BAD_MULTI_ACCOUNT,
    ids=[f"{case[5]}:{case[6][:24]}" for case in BAD_MULTI_ACCOUNT],
)
def test_bad_cross_account_setting_is_named_with_its_file(multi_dir, edited, old, new, loaded, named, setting, message):
    edit(multi_dir, edited, old, new)
    with pytest.raises(ConfigError) as caught:
        load_environment(loaded, multi_dir)
    assert caught.value.setting == setting
    assert caught.value.file.endswith(f"{named}.hcl")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_cross_region_promotion_without_a_store_exits_2_naming_file_and_setting(tmp_path):
    directory = tmp_path / "environments"
    shutil.copytree(FIXTURES / "cross_region", directory)
    edit(directory, "prod", '  artifact_regions     = ["us-east-1"]\n', "")
    result = run_main(directory, tmp_path, "prod")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: environments/prod.hcl: delivery.artifact_regions: 'staging' is in region 'us-east-1', which has no "
        "artifact store (the pipeline's is in 'eu-west-1'): add 'us-east-1'"
    ]
    assert not (tmp_path / "cdktf.out").exists()


FUNCTION_SERVICE = 'service "api" {\n  kind = "function"\n  function {\n    handler = "app.handler"\n  }\n%s}\n'
FUNCTION_SOURCE = (
    '  source {\n    provider = "github"\n    repository = "acme/api"\n    branch = "main"\n'
    '    connection_arn = "arn:aws:codestar-connections:eu-west-1:333333333333:connection/'
    '6f0c2a4e-1b7d-4c55-9a3e-0d8e5f1a2b3c"\n  }\n'
    '  build {\n    test_commands = ["python -m pytest -q"]\n  }\n'
)


def test_a_function_service_is_not_promoted_into_another_account(multi_dir):
    """Its deploy project runs in the pipeline's account and updates the function directly: no deploy role there."""
    for name, body in (("prod", FUNCTION_SOURCE), ("staging", "")):
        path = multi_dir / f"{name}.hcl"
        path.write_text(path.read_text() + "\n" + FUNCTION_SERVICE % body)
    with pytest.raises(ConfigError) as error:
        load_environments(None, multi_dir)
    message = str(error.value)
    assert "prod.hcl" in message and "delivery.promotion" in message, message
    assert "a function service's pipeline deploys only in its own account and region" in message, message
