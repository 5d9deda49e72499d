"""What each API call of the rehearsal asks IAM for: (action, concrete resource ARN, condition keys).

The emulator checks actions only (tooling/emulator/patches.py `iam-enforcement-action-level`), so each call a
rehearsal client makes is also evaluated at resource level with tooling/iam/evaluator.py against the acting
role's policies, and checked against AWS's Service Authorization Reference (tooling/iam/service_reference.py),
the same two checks tooling/iam/sufficiency.py makes offline for reference/service_calls.json.

`OPERATIONS` maps a botocore operation to the requests AWS authorizes for it, including the ones the service
makes on the caller's behalf (S3 and SNS using the KMS key: kms:ViaService; RegisterTaskDefinition passing its
roles and tagging, CreateTaskSet passing its task definition's roles: iam:PassRole, ecs:TagResource). An
operation missing here fails the rehearsal: a call whose resource is not known cannot be checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from envconfig.account import Account
from tooling.iam.evaluator import Decision, Request, evaluate
from tooling.iam.service_reference import call_problem

# botocore service name -> IAM service prefix, where they differ
PREFIXES = {"elbv2": "elasticloadbalancing"}
PASSED_TO_ECS = {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
# Identifiers AWS generates at the call (the resource's ARN does not exist yet): any value of the right shape.
NEW_TASK_SET = "ecs-svc/0000000000000000000"


class UnmappedCall(LookupError):
    """A call the rehearsal cannot put a resource on: add it to OPERATIONS."""


@dataclass
class Lookups:
    """What resource ARNs need that a request does not carry, read with admin credentials (not on the timeline)."""

    account: Account
    admin: Callable[[str], Any]  # service -> admin client
    _cache: dict = field(default_factory=dict)

    def _once(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def key(self, key_ref: str) -> tuple[str, list[str]]:
        """(key ARN, its aliases) of a key id, ARN or alias."""

        def compute():
            kms = self.admin("kms")
            key_id = kms.describe_key(KeyId=key_ref)["KeyMetadata"]["KeyId"]
            aliases = [a["AliasName"] for a in kms.list_aliases(KeyId=key_id)["Aliases"]]
            return self.account.arn("kms", f"key/{key_id}"), aliases

        return self._once(("key", key_ref), compute)

    def bucket_key(self, bucket: str) -> str | None:
        """The KMS key of the bucket's default encryption, if it is SSE-KMS."""

        def compute():
            rules = self.admin("s3").get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
            default = rules[0]["ApplyServerSideEncryptionByDefault"]
            return default.get("KMSMasterKeyID") if default["SSEAlgorithm"] == "aws:kms" else None

        return self._once(("bucket", bucket), compute)

    def object_key(self, bucket: str, key: str) -> str | None:
        head = self.admin("s3").head_object(Bucket=bucket, Key=key)
        return head.get("SSEKMSKeyId")

    def topic_key(self, topic_arn: str) -> str | None:
        attributes = self.admin("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]
        return self._once(("topic", topic_arn), lambda: attributes.get("KmsMasterKeyId"))

    def secret_arn(self, secret_id: str) -> str:
        return self._once(
            ("secret", secret_id), lambda: self.admin("secretsmanager").describe_secret(SecretId=secret_id)["ARN"]
        )

    def task_definition_roles(self, task_definition: str) -> tuple[str, ...]:
        """The execution and task roles of a registered task definition (family:revision or ARN)."""

        def compute():
            described = self.admin("ecs").describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
            return tuple(filter(None, (described.get("executionRoleArn"), described.get("taskRoleArn"))))

        return self._once(("task-definition", task_definition), compute)

    def next_revision(self, family: str) -> int:
        arns = self.admin("ecs").list_task_definitions(familyPrefix=family)["taskDefinitionArns"]
        return 1 + max((int(arn.rsplit(":", 1)[1]) for arn in arns), default=0)


def _kms_via(lookups: Lookups, key_ref: str | None, service: str, actions: tuple[str, ...]) -> list[Request]:
    if not key_ref:
        return []
    key_arn, aliases = lookups.key(key_ref)
    context = {"kms:ViaService": f"{service}.{lookups.account.region}.amazonaws.com", "kms:ResourceAliases": aliases}
    return [Request(action, key_arn, context) for action in actions]


def _s3_object(action: str, kms_actions: tuple[str, ...]):
    def requests(p: dict, lookups: Lookups) -> list[Request]:
        arn = lookups.account.global_arn("s3", f"{p['Bucket']}/{p['Key']}")
        if action == "s3:PutObject":
            key_ref = p.get("SSEKMSKeyId") or lookups.bucket_key(p["Bucket"])
        else:
            key_ref = lookups.object_key(p["Bucket"], p["Key"])
        return [Request(action, arn), *_kms_via(lookups, key_ref, "s3", kms_actions)]

    return requests


def _ecr(action: str):
    return lambda p, lookups: [Request(action, lookups.account.arn("ecr", f"repository/{p['repositoryName']}"))]


def _ecs_service(action: str):
    def requests(p: dict, lookups: Lookups) -> list[Request]:
        services = p.get("services") or [p["service"]]
        cluster = p["cluster"].rsplit("/", 1)[-1]
        return [
            Request(action, lookups.account.arn("ecs", f"service/{cluster}/{s.rsplit('/', 1)[-1]}")) for s in services
        ]

    return requests


def _task_set(action: str):
    def requests(p: dict, lookups: Lookups) -> list[Request]:
        cluster, service = p["cluster"].rsplit("/", 1)[-1], p["service"].rsplit("/", 1)[-1]
        task_set = p.get("taskSet", NEW_TASK_SET).rsplit("/", 1)[-1]
        return [Request(action, lookups.account.arn("ecs", f"task-set/{cluster}/{service}/{task_set}"))]

    return requests


def _create_task_set(p: dict, lookups: Lookups) -> list[Request]:
    """AWS: CreateTaskSet, iam:PassRole for the task definition's roles (the task set's tasks run with them:
    AWSCodeDeployRoleForECS grants iam:PassRole with iam:PassedToService ecs-tasks.amazonaws.com), ecs:TagResource
    when it carries tags (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html)."""
    requests = _task_set("ecs:CreateTaskSet")(p, lookups)
    if p.get("tags"):
        requests.append(Request("ecs:TagResource", requests[0].resource, {"ecs:CreateAction": "CreateTaskSet"}))
    roles = lookups.task_definition_roles(p["taskDefinition"])
    return requests + [Request("iam:PassRole", role, PASSED_TO_ECS) for role in roles]


def _register_task_definition(p: dict, lookups: Lookups) -> list[Request]:
    """AWS: RegisterTaskDefinition, iam:PassRole for its roles, ecs:TagResource when it carries tags
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html)."""
    arn = lookups.account.arn("ecs", f"task-definition/{p['family']}:{lookups.next_revision(p['family'])}")
    requests = [Request("ecs:RegisterTaskDefinition", arn)]
    if p.get("tags"):
        requests.append(Request("ecs:TagResource", arn, {"ecs:CreateAction": "RegisterTaskDefinition"}))
    for role in filter(None, (p.get("executionRoleArn"), p.get("taskRoleArn"))):
        requests.append(Request("iam:PassRole", role, PASSED_TO_ECS))
    return requests


def _codedeploy_group(action: str):
    def requests(p: dict, lookups: Lookups) -> list[Request]:
        if "deploymentId" in p:
            info = lookups.admin("codedeploy").get_deployment(deploymentId=p["deploymentId"])["deploymentInfo"]
            p = {"applicationName": info["applicationName"], "deploymentGroupName": info["deploymentGroupName"]}
        resource = f"deploymentgroup:{p['applicationName']}/{p['deploymentGroupName']}"
        return [Request(action, lookups.account.arn("codedeploy", resource))]

    return requests


def _codedeploy_application(action: str):
    return lambda p, lookups: [
        Request(action, lookups.account.arn("codedeploy", f"application:{p['applicationName']}"))
    ]


def _sns_publish(p: dict, lookups: Lookups) -> list[Request]:
    return [
        Request("sns:Publish", p["TopicArn"]),
        *_kms_via(lookups, lookups.topic_key(p["TopicArn"]), "sns", ("kms:GenerateDataKey", "kms:Decrypt")),
    ]


def _report_group(action: str):
    return lambda p, lookups: [Request(action, p["reportGroupArn"])]


def _everywhere(action: str):
    return lambda p, lookups: [Request(action, "*")]


def _alarms(p: dict, lookups: Lookups) -> list[Request]:
    names = p.get("AlarmNames") or []
    if not names:
        return [Request("cloudwatch:DescribeAlarms", "*")]
    return [Request("cloudwatch:DescribeAlarms", lookups.account.arn("cloudwatch", f"alarm:{n}")) for n in names]


def _log_stream(action: str):
    return lambda p, lookups: [
        Request(action, lookups.account.arn("logs", f"log-group:{p['logGroupName']}:log-stream:{p['logStreamName']}"))
    ]


OPERATIONS: dict[tuple[str, str], Callable[[dict, Lookups], list[Request]]] = {
    ("s3", "PutObject"): _s3_object("s3:PutObject", ("kms:GenerateDataKey",)),
    ("s3", "GetObject"): _s3_object("s3:GetObject", ("kms:Decrypt",)),
    ("s3", "GetBucketVersioning"): lambda p, lookups: [
        Request("s3:GetBucketVersioning", lookups.account.global_arn("s3", p["Bucket"]))
    ],
    ("s3", "GetBucketAcl"): lambda p, lookups: [
        Request("s3:GetBucketAcl", lookups.account.global_arn("s3", p["Bucket"]))
    ],
    ("s3", "GetBucketLocation"): lambda p, lookups: [
        Request("s3:GetBucketLocation", lookups.account.global_arn("s3", p["Bucket"]))
    ],
    ("ssm", "GetParameters"): lambda p, lookups: [
        Request("ssm:GetParameters", lookups.account.arn("ssm", f"parameter/{name.lstrip('/')}")) for name in p["Names"]
    ],
    ("secretsmanager", "GetSecretValue"): lambda p, lookups: [
        Request("secretsmanager:GetSecretValue", lookups.secret_arn(p["SecretId"]))
    ],
    ("ecr", "GetAuthorizationToken"): _everywhere("ecr:GetAuthorizationToken"),
    ("ecr", "DescribeImages"): _ecr("ecr:DescribeImages"),
    ("ecr", "PutImage"): _ecr("ecr:PutImage"),
    ("ecr", "BatchGetImage"): _ecr("ecr:BatchGetImage"),
    ("ecr", "BatchCheckLayerAvailability"): _ecr("ecr:BatchCheckLayerAvailability"),
    ("ecr", "InitiateLayerUpload"): _ecr("ecr:InitiateLayerUpload"),
    ("ecr", "UploadLayerPart"): _ecr("ecr:UploadLayerPart"),
    ("ecr", "CompleteLayerUpload"): _ecr("ecr:CompleteLayerUpload"),
    ("ecr", "GetDownloadUrlForLayer"): _ecr("ecr:GetDownloadUrlForLayer"),
    ("logs", "CreateLogStream"): _log_stream("logs:CreateLogStream"),
    ("logs", "PutLogEvents"): _log_stream("logs:PutLogEvents"),
    ("ecs", "DescribeServices"): _ecs_service("ecs:DescribeServices"),
    ("ecs", "UpdateService"): _ecs_service("ecs:UpdateService"),
    ("ecs", "UpdateServicePrimaryTaskSet"): _ecs_service("ecs:UpdateServicePrimaryTaskSet"),
    ("ecs", "CreateTaskSet"): _create_task_set,
    ("ecs", "DeleteTaskSet"): _task_set("ecs:DeleteTaskSet"),
    ("ecs", "DescribeTaskSets"): _ecs_service("ecs:DescribeTaskSets"),
    ("ecs", "DescribeTaskDefinition"): _everywhere("ecs:DescribeTaskDefinition"),
    ("ecs", "RegisterTaskDefinition"): _register_task_definition,
    ("sns", "Publish"): _sns_publish,
    ("codedeploy", "GetApplication"): _codedeploy_application("codedeploy:GetApplication"),
    ("codedeploy", "RegisterApplicationRevision"): _codedeploy_application("codedeploy:RegisterApplicationRevision"),
    ("codedeploy", "GetApplicationRevision"): _codedeploy_application("codedeploy:GetApplicationRevision"),
    ("codedeploy", "CreateDeployment"): _codedeploy_group("codedeploy:CreateDeployment"),
    ("codedeploy", "GetDeployment"): _codedeploy_group("codedeploy:GetDeployment"),
    ("codedeploy", "StopDeployment"): _codedeploy_group("codedeploy:StopDeployment"),
    ("codedeploy", "PutLifecycleEventHookExecutionStatus"): _codedeploy_group(
        "codedeploy:PutLifecycleEventHookExecutionStatus"
    ),
    ("codedeploy", "GetDeploymentConfig"): lambda p, lookups: [
        Request(
            "codedeploy:GetDeploymentConfig",
            lookups.account.arn("codedeploy", f"deploymentconfig:{p['deploymentConfigName']}"),
        )
    ],
    ("codedeploy", "GetDeploymentGroup"): _codedeploy_group("codedeploy:GetDeploymentGroup"),
    ("elbv2", "DescribeTargetGroups"): _everywhere("elasticloadbalancing:DescribeTargetGroups"),
    ("elbv2", "DescribeListeners"): _everywhere("elasticloadbalancing:DescribeListeners"),
    ("elbv2", "DescribeRules"): _everywhere("elasticloadbalancing:DescribeRules"),
    ("elbv2", "DescribeLoadBalancers"): _everywhere("elasticloadbalancing:DescribeLoadBalancers"),
    ("elbv2", "DescribeTargetHealth"): _everywhere("elasticloadbalancing:DescribeTargetHealth"),
    ("elbv2", "ModifyListener"): lambda p, lookups: [Request("elasticloadbalancing:ModifyListener", p["ListenerArn"])],
    ("elbv2", "ModifyRule"): lambda p, lookups: [Request("elasticloadbalancing:ModifyRule", p["RuleArn"])],
    ("cloudwatch", "DescribeAlarms"): _alarms,
    ("eks", "DescribeCluster"): lambda p, lookups: [
        Request("eks:DescribeCluster", lookups.account.arn("eks", f"cluster/{p['name']}"))
    ],
    ("codebuild", "StartBuild"): lambda p, lookups: [
        Request("codebuild:StartBuild", lookups.account.arn("codebuild", f"project/{p['projectName']}"))
    ],
    ("codebuild", "BatchGetBuilds"): lambda p, lookups: [
        Request("codebuild:BatchGetBuilds", lookups.account.arn("codebuild", f"project/{i.split(':')[0]}"))
        for i in p["ids"]
    ],
    ("lambda", "Invoke"): lambda p, lookups: [
        Request("lambda:InvokeFunction", lookups.account.arn("lambda", f"function:{p['FunctionName']}"))
    ],
    # moto 5.2.5 has no CodeArtifact: judged only (RoleActors.check_only). `login` = these two calls
    # (https://docs.aws.amazon.com/codeartifact/latest/ug/tokens-authentication.html).
    ("codeartifact", "GetAuthorizationToken"): lambda p, lookups: [
        Request("codeartifact:GetAuthorizationToken", lookups.account.arn("codeartifact", f"domain/{p['domain']}")),
        Request("sts:GetServiceBearerToken", "*", {"sts:AWSServiceName": "codeartifact.amazonaws.com"}),
    ],
    ("codeartifact", "GetRepositoryEndpoint"): lambda p, lookups: [
        Request(
            "codeartifact:GetRepositoryEndpoint",
            lookups.account.arn("codeartifact", f"repository/{p['domain']}/{p['repository']}"),
        )
    ],
    # CodeBuild's report upload (https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html):
    # permissions of the build role that are no API calls of their own, judged only
    **{
        ("codebuild", action): _report_group(f"codebuild:{action}")
        for action in (
            "CreateReportGroup",
            "CreateReport",
            "UpdateReport",
            "BatchPutCodeCoverages",
            "BatchPutTestCases",
        )
    },
    # not an API operation: the permission a pipeline needs to use a connection (source action)
    ("codestar-connections", "UseConnection"): lambda p, lookups: [
        Request("codestar-connections:UseConnection", p["ConnectionArn"])
    ],
    ("sts", "GetCallerIdentity"): lambda p, lookups: [],  # always allowed (AWS: no permission needed)
}


def requests_of(service: str, operation: str, params: dict, lookups: Lookups) -> list[Request]:
    if (service, operation) not in OPERATIONS:
        raise UnmappedCall(f"{service}:{operation} is not mapped to IAM requests (tooling/rehearsal/authorization.py)")
    return OPERATIONS[(service, operation)](params, lookups)


@dataclass(frozen=True)
class Check:
    request: Request
    decision: Decision
    problem: str | None  # disagreement with AWS's Service Authorization Reference

    @property
    def allowed(self) -> bool:
        return self.decision.allowed and not self.problem


def check(policies: list[dict], requests: list[Request]) -> list[Check]:
    """Each request against AWS's reference, then evaluated against `policies` (resource level, conditions)."""
    return [Check(r, evaluate(policies, r), call_problem(r.action, r.resource)) for r in requests]
