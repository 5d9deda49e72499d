"""The acting roles: boto3 clients on the emulator with each role's own STS credentials, every call checked twice.

Credentials: `AssumeRole` of the role the deployed stacks created (names from envconfig/naming.py, through
tooling/iam/sufficiency.py `role_instances`), as the service assuming it would get them
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html). The emulator then enforces IAM (moto's
`/moto-api/reset-auth`, `enforcement()`): each call is checked by moto at action level, and before it is sent
by tooling/iam/evaluator.py at resource level with its condition keys (tooling/rehearsal/authorization.py).
Either denial raises `RehearsalDenied` with one line naming step, role, action and resource.

The policies are those of the deployed state (the emulator's IAM, read with admin credentials), or a given
copy (`policies` argument): the negative test removes one permission from such a copy.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3
from botocore.config import Config

from envconfig.account import Account
from tooling.rehearsal.authorization import Check, Lookups, check, requests_of
from tooling.rehearsal.contracts import ActingRole, RehearsalDenied

ADMIN_USER = "rehearsal-admin"  # seeds parameters, reads state, sets alarms: never an acting role
ADMIN_POLICY = "AdministratorAccess"
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "AccessDeniedError", "UnauthorizedOperation"}
CLIENT_CONFIG = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)


@dataclass(frozen=True)
class CallRecord:
    step: str
    role: str
    operation: str  # service:Operation as botocore names it
    checks: tuple[tuple[str, str, bool], ...]  # (action, resource, allowed) the evaluator judged
    outcome: str  # "ok", an error code, or "denied"

    def to_json(self) -> dict:
        return {
            "step": self.step,
            "role": self.role,
            "operation": self.operation,
            "checks": [{"action": a, "resource": r, "allowed": ok} for a, r, ok in self.checks],
            "outcome": self.outcome,
        }


def denial_line(step: str, role: str, role_name: str, action: str, resource: str, why: str) -> str:
    return f"DENIED at step {step!r}: role {role} ({role_name}) may not {action} on {resource} ({why})"


# -------------------------------------------------------------------------------------- admin, enforcement
def admin_credentials(endpoint: str, region: str) -> dict[str, str]:
    """An IAM user with AdministratorAccess on the emulator (made while enforcement is off), for what no acting
    role does: seeding parameters and secrets, reading state, setting alarms."""
    iam = boto3.client(
        "iam", endpoint_url=endpoint, region_name=region, aws_access_key_id="emulator", aws_secret_access_key="x"
    )
    try:
        iam.create_user(UserName=ADMIN_USER)
        iam.attach_user_policy(UserName=ADMIN_USER, PolicyArn=_managed_policy_arn(iam, ADMIN_POLICY))
    except iam.exceptions.EntityAlreadyExistsException:
        for key in iam.list_access_keys(UserName=ADMIN_USER)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=ADMIN_USER, AccessKeyId=key["AccessKeyId"])
    key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def _managed_policy_arn(iam, name: str) -> str:
    policies = iam.get_paginator("list_policies").paginate(Scope="AWS").build_full_result()["Policies"]
    return next(p["Arn"] for p in policies if p["PolicyName"] == name)


def set_enforcement(endpoint: str, on: bool) -> None:
    """moto's own switch (moto_api reset-auth): the number of calls left unauthenticated, 0 = enforce now."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0" if on else b"inf",
        method="POST",
        headers={"Content-Type": "text/plain"},  # moto reads the raw body (a form body would be parsed away)
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (loopback URL we built)
        pass


@contextmanager
def enforcement(endpoint: str) -> Iterator[None]:
    """IAM enforced for the rehearsal only: deploys before and after run unauthenticated as before."""
    set_enforcement(endpoint, True)
    try:
        yield
    finally:
        set_enforcement(endpoint, False)


def role_policies(iam, role_name: str) -> list[dict]:
    """The role's identity policies as deployed: inline and attached (customer or AWS managed)."""
    documents = [
        iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    ]
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)["PolicyVersion"]
        documents.append(document["Document"])
    return [json.loads(d) if isinstance(d, str) else d for d in documents]


def without_action(policies: list[dict], action: str) -> list[dict]:
    """A copy of `policies` where no statement grants `action` any more (the negative test's broken role)."""
    copied = json.loads(json.dumps(policies))
    for document in copied:
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        kept = []
        for statement in statements:
            actions = statement.get("Action")
            if actions is not None:
                actions = [
                    a for a in ([actions] if isinstance(actions, str) else actions) if a.lower() != action.lower()
                ]
                if not actions:
                    continue
                statement["Action"] = actions
            kept.append(statement)
        document["Statement"] = kept
    return copied


# ------------------------------------------------------------------------------------------------- actors
@dataclass
class Identity:
    role: ActingRole
    name: str
    credentials: dict[str, str]  # aws_access_key_id, aws_secret_access_key, aws_session_token
    policies: list[dict]


@dataclass
class RoleActors:
    """`contracts.Actors` on one emulator (one account): clients per acting role, checked and recorded."""

    endpoint: str
    account: Account
    identities: dict[str, Identity]
    admin_keys: dict[str, str]
    current_step: Callable[[], str] = lambda: "-"
    on_call: Callable[[CallRecord], None] = lambda record: None
    lookups: Lookups = field(init=False)

    def __post_init__(self) -> None:
        self.lookups = Lookups(self.account, self.admin)

    @classmethod
    def assume(
        cls,
        endpoint: str,
        account: Account,
        role_names: dict[str, str],
        *,
        policies: dict[str, list[dict]] | None = None,
        current_step: Callable[[], str] = lambda: "-",
        on_call: Callable[[CallRecord], None] = lambda record: None,
    ) -> RoleActors:
        """Credentials for every acting role (called before enforcement: the admin user may not assume roles
        that trust a service; the service principal would)."""
        admin_keys = admin_credentials(endpoint, account.region)
        sts = _client("sts", endpoint, account.region, admin_keys)
        iam = _client("iam", endpoint, account.region, admin_keys)
        identities = {}
        for role, name in role_names.items():
            arn = account.arn("iam", f"role/{name}", regional=False)
            issued = sts.assume_role(RoleArn=arn, RoleSessionName=f"rehearsal-{role}")["Credentials"]
            identities[role] = Identity(
                role,
                name,
                {
                    "aws_access_key_id": issued["AccessKeyId"],
                    "aws_secret_access_key": issued["SecretAccessKey"],
                    "aws_session_token": issued["SessionToken"],
                },
                (policies or {}).get(role) or role_policies(iam, name),
            )
        return cls(endpoint, account, identities, admin_keys, current_step, on_call)

    # -- contracts.Actors ------------------------------------------------------------------------------
    def client(self, role: ActingRole, service: str) -> Any:
        identity = self._identity(role)
        client = _client(service, self.endpoint, self.account.region, identity.credentials)
        client.meta.events.register("provide-client-params", self._checker(identity))
        client.meta.events.register("after-call", self._recorder(identity))
        return client

    def credentials(self, role: ActingRole) -> dict[str, str]:
        keys = self._identity(role).credentials
        return {
            "AWS_ACCESS_KEY_ID": keys["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": keys["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": keys["aws_session_token"],
            "AWS_DEFAULT_REGION": self.account.region,
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    # -- admin (not an acting role; never on the timeline) ----------------------------------------------
    def admin(self, service: str) -> Any:
        return _client(service, self.endpoint, self.account.region, self.admin_keys)

    # -- the checks ---------------------------------------------------------------------------------------
    def _identity(self, role: str) -> Identity:
        if role not in self.identities:
            raise KeyError(f"no credentials for acting role {role!r} (have {sorted(self.identities)})")
        return self.identities[role]

    def checks(self, identity: Identity, service: str, operation: str, params: dict) -> list[Check]:
        return check(identity.policies, requests_of(service, operation, params, self.lookups))

    def check_only(self, role: ActingRole, service: str, operation: str, params: dict) -> None:
        """A call the emulator cannot serve (moto has no such service): judged by the evaluator, recorded, not sent."""
        identity = self._identity(role)
        context: dict = {}
        self._checker(identity)(params, _Operation(service, operation), context)
        judged = context["rehearsal_checks"]
        self.on_call(CallRecord(self.current_step(), role, f"{service}:{operation}", judged, "not emulated"))

    def _checker(self, identity: Identity):
        def before(params, model, context, **_):
            service, operation = model.service_model.service_name, model.name
            checks = self.checks(identity, service, operation, params)
            judged = tuple((c.request.action, c.request.resource, c.allowed) for c in checks)
            for failed in (c for c in checks if not c.allowed):
                step = self.current_step()
                self.on_call(CallRecord(step, identity.role, f"{service}:{operation}", judged, "denied"))
                why = failed.problem or f"{failed.decision.reason} by the role's policies"
                raise RehearsalDenied(
                    denial_line(step, identity.role, identity.name, failed.request.action, failed.request.resource, why)
                )
            context["rehearsal_checks"] = judged

        return before

    def made(self, role: ActingRole, service: str, operation: str, params: dict, status: int, error: dict) -> None:
        """`contracts.Actors.made`: the checks and the record of `client`, for a call already answered."""
        identity, model, context = self._identity(role), _Operation(service, operation), {}
        self._checker(identity)(params, model, context)
        self._recorder(identity)(SimpleNamespace(status_code=status), {"Error": error} if error else {}, model, context)

    def _recorder(self, identity: Identity):
        def after(http_response, parsed, model, context, **_):
            operation = f"{model.service_model.service_name}:{model.name}"
            code = (parsed or {}).get("Error", {}).get("Code", "") if http_response.status_code >= 300 else ""
            if code.isdigit():  # moto answers JSON-protocol services' auth errors in XML
                found = re.search(r"<Code>(\w+)</Code>", parsed["Error"].get("Message", ""))
                code = found[1] if found else code
            judged = context.get("rehearsal_checks", ())
            step = self.current_step()
            self.on_call(
                CallRecord(step, identity.role, operation, judged, "denied" if code in DENIED_CODES else code or "ok")
            )
            if code in DENIED_CODES:
                action, resource = judged[0][:2] if judged else (operation, "*")
                raise RehearsalDenied(
                    denial_line(step, identity.role, identity.name, action, resource, f"{code} from the emulator")
                )

        return after


@dataclass(frozen=True)
class _Operation:
    """The two attributes of a botocore OperationModel the checker reads."""

    service: str
    name: str

    @property
    def service_model(self):
        return type("ServiceModel", (), {"service_name": self.service})


def _client(service: str, endpoint: str, region: str, keys: dict[str, str]):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, config=CLIENT_CONFIG, **keys)
