"""Value checks for environment settings. Each raises ValueError with a message that completes
"<file>: <setting>: ..." so the user sees exactly which value is wrong and why."""

from __future__ import annotations

import ipaddress
import json
import re
import string

from envconfig.secrets import SecretReference


def matching(pattern: str, what: str):
    compiled = re.compile(pattern)

    def check(value: str) -> None:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")

    return check


account_id = matching(r"\d{12}", "a 12-digit AWS account id")
region = matching(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d", "an AWS region name (e.g. eu-west-1)")
name_prefix = matching(r"[a-z][a-z0-9-]{1,18}[a-z0-9]", "a name prefix (3-20 of a-z, 0-9, '-')")
short_name = matching(r"[a-z][a-z0-9-]{0,18}[a-z0-9]", "a short name (2-20 of a-z, 0-9, '-')")
s3_bucket_name = matching(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name")
tfc_name = matching(r"[A-Za-z0-9_-]{1,90}", "a Terraform Cloud name (letters, digits, '_' and '-')")
repository_id = matching(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*", "a repository id (owner/name or a CodeCommit name)")
branch_name = matching(r"[A-Za-z0-9._/-]{1,100}", "a git branch name")
url_path = matching(r"/[A-Za-z0-9._~/-]*", "a URL path starting with '/'")
connection_arn = matching(
    r"arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]+",
    "a CodeStar connection ARN",
)
email_address = matching(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", "an email address")
https_url = matching(r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/\S*)?", "an https:// URL")
# AWS Chatbot (Amazon Q Developer in chat applications) channel configurations: Slack or Microsoft Teams.
chatbot_channel_arn = matching(
    r"arn:aws[a-z-]*:chatbot::\d{12}:chat-configuration/(slack-channel|microsoft-teams-channel)/[A-Za-z0-9_-]{1,128}",
    "an AWS Chatbot Slack or Microsoft Teams channel configuration ARN",
)
# Git filter patterns of CodePipeline triggers (glob: *, **, ?, [], {}) and branch names.
git_pattern = matching(r"[A-Za-z0-9._/*?!\[\]{},+@-]{1,255}", "a git branch, tag or path pattern (glob)")
# A Docker/ECR image tag: https://docs.docker.com/reference/cli/docker/image/tag/
image_tag = matching(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", "an image tag (1-128 of A-Z, a-z, 0-9, '_', '.', '-')")
kms_key_ref = matching(
    r"(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+|alias/[A-Za-z0-9/_-]+)",
    "a KMS key ARN or alias",
)


def workspace_template(value: str) -> None:
    """An HCP Terraform workspace name with `{stack}` as its only placeholder, at least once: without it
    every stack would share one workspace (and one state), and any other placeholder cannot be filled."""
    matching(r"[A-Za-z0-9_{}-]{1,90}", "a workspace name template (letters, digits, '_', '-' and {stack})")(value)
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as err:
        raise ValueError(f"{value!r} is not a workspace name template ({err})") from None
    for literal, field, spec, conversion in parts:
        if "{" in literal or "}" in literal:
            raise ValueError(f"{value!r}: a workspace name cannot contain braces; the only placeholder is {{stack}}")
        if field is not None and (field != "stack" or spec or conversion):
            raise ValueError(f"{value!r}: {{{field}}} is not a placeholder; the only one is {{stack}}")
    if not any(field == "stack" for _, field, _, _ in parts):
        raise ValueError(f"{value!r} has no {{stack}}: every stack would share one workspace and its state")


def secret_reference(value: str) -> None:
    """CodeBuild's `secrets-manager` form: secret-id[:json-key[:version-stage[:version-id]]]."""
    SecretReference.parse(value)


def arn(service: str):
    return matching(rf"arn:aws[a-z-]*:{service}:[a-z0-9-]*:\d{{12}}:.+", f"an {service} ARN")


# An unqualified function ARN (no version or alias): what the appspec names and the CodeDeploy role may invoke.
lambda_function_arn = matching(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}", "an unqualified Lambda function ARN"
)
iam_role_arn = matching(r"arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+", "an IAM role ARN")
iam_policy_arn = matching(r"arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+", "an IAM policy ARN")
# sts:ExternalId: 2-1224 characters of letters, digits and +=,.@:/- (AssumeRole API).
external_id = matching(r"[\w+=,.@:/-]{2,1224}", "an external id (2-1224 of letters, digits, '+=,.@:/-')")
iam_principal_arn = matching(r"arn:aws[a-z-]*:iam::\d{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+", "an IAM role or user ARN")


def cidr(value: str) -> None:
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError as err:
        raise ValueError(f"{value!r} is not a valid IPv4 CIDR ({err})") from None


def private_cidr(value: str) -> None:
    cidr(value)
    network = ipaddress.IPv4Network(value)
    if not network.is_private or not 16 <= network.prefixlen <= 24:
        raise ValueError(f"{value!r} must be a private range between /16 and /24")


def port(value: int) -> None:
    between(1, 65535)(value)


def between(low: int, high: int):
    def check(value: int) -> None:
        if not low <= value <= high:
            raise ValueError(f"{value} is not between {low} and {high}")

    return check


def at_least(count: int):
    def check(values) -> None:
        if len(values) < count:
            raise ValueError(f"needs at least {count} entries (got {len(values)})")

    return check


def at_most(count: int):
    def check(values) -> None:
        if len(values) > count:
            raise ValueError(f"has {len(values)} entries; at most {count} are allowed")

    return check


def all_of(*checks):
    def check_all(value) -> None:
        for check in checks:
            check(value)

    return check_all


def unique(values) -> None:
    """A list that names each thing once: a repeat would create (or deploy) the same thing twice."""
    repeated = [value for index, value in enumerate(values) if value in values[:index]]
    if repeated:
        raise ValueError(f"{repeated[0]!r} is listed more than once")


def each(check):
    def check_all(values) -> None:
        for value in values:
            check(value)

    return check_all


def each_value(check):
    """`check` on every value of a map."""

    def check_all(mapping) -> None:
        for value in mapping.values():
            check(value)

    return check_all


def optional(check):
    """Empty means 'not set'; anything else must pass `check`."""

    def check_if_set(value) -> None:
        if value:
            check(value)

    return check_if_set


def host_name(value: str) -> None:
    """A DNS name a certificate can cover: labels of letters, digits and '-', at least two of them."""
    label = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
    if len(value) > 253 or not re.fullmatch(rf"{label}(\.{label})+", value):
        raise ValueError(f"{value!r} is not a DNS host name (lower case, e.g. app.example.com)")


# A Lambda handler: module (or file path) and function, e.g. app.handler, src/index.handler, com.acme.App::handle.
lambda_handler = matching(r"[A-Za-z0-9_./$:-]{1,128}", "a Lambda handler (e.g. app.handler)")
lambda_function_arn = matching(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}",
    "an unqualified Lambda function ARN (...:lambda:<region>:<account>:function:<name>)",
)


def traffic_hook(value: str) -> None:
    """A function service's traffic hook: 'builtin', 'none', or a Lambda function's ARN."""
    if value not in ("builtin", "none"):
        try:
            lambda_function_arn(value)
        except ValueError:
            raise ValueError(f"{value!r} is not 'builtin', 'none' or a Lambda function ARN") from None


def relative_path(value: str) -> None:
    """A file inside the build's source directory: relative, no '..', no spaces."""
    matching(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*", "a relative file path (letters, digits, '_', '.', '-', '/')")(value)
    if ".." in value.split("/"):
        raise ValueError(f"{value!r} leaves the build's directory ('..')")


def json_text(value: str) -> None:
    try:
        json.loads(value)
    except ValueError as err:
        raise ValueError(f"{value!r} is not JSON ({err})") from None
