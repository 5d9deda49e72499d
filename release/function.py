"""One model of a function service's release (`kind = "function"`): the Lambda function and alias, the CodeDeploy
application and group, the hooks, the AppSpec and the deploy build all come from `FunctionRelease`, which the
service stack's resources are built from too, so names cannot drift between the infrastructure and the deploy.

A release: the pipeline's build zips the package (`release.buildspec.function_package_buildspec`); the deploy
build (`function_deploy_buildspec`, run by a CodeBuild action, because CodePipeline's CodeDeploy action for Lambda
cannot publish a version) uploads it with `aws lambda update-function-code --publish`, writes the AppSpec below
with the alias' current version and the new one, starts a CodeDeploy deployment and waits for its end. CodeDeploy
shifts the alias (canary, linear or all at once), runs the hooks, and rolls the alias back on a failed hook or an
alarm. AppSpec for Lambda:
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html#appspec-file-example-lambda
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from envconfig.model import Environment, Service
from envconfig.naming import FUNCTION_ALIAS, EnvironmentNames
from release.buildspec import Buildspec
from release.deployment_config import deployment_config_name

# What the deploy build puts in the AppSpec: the alias' version before the release, and the version it published.
CURRENT_VERSION = "<CURRENT_VERSION>"
TARGET_VERSION = "<TARGET_VERSION>"
TRAFFIC_HOOKS = ("BeforeAllowTraffic", "AfterAllowTraffic")
APPSPEC_FILE = "appspec.json"
# How often the deploy build asks CodeDeploy how the deployment is going.
POLL_SECONDS = 15


@dataclass(frozen=True)
class FunctionRelease:
    """What a function service is in one environment."""

    environment: str
    function: str
    alias: str
    application: str
    deployment_group: str
    deployment_config: str
    package: str  # the zip in the build's output
    hooks: tuple[tuple[str, str], ...]  # (appspec hook, Lambda function name); default: none
    builtin_hooks: tuple[str, ...]  # which of `hooks` are the platform's own check functions

    def appspec(self, current_version: str = CURRENT_VERSION, target_version: str = TARGET_VERSION) -> dict:
        """The AppSpec of one deployment: shift `alias` of `function` from `current_version` to `target_version`."""
        spec = {
            "version": 0.0,
            "Resources": [
                {
                    "TargetService": {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {
                            "Name": self.function,
                            "Alias": self.alias,
                            "CurrentVersion": current_version,
                            "TargetVersion": target_version,
                        },
                    }
                }
            ],
        }
        if self.hooks:
            spec["Hooks"] = [{hook: function} for hook, function in self.hooks]
        return spec


def _hook_function(setting: str, builtin: str) -> str:
    """The function a hook setting names: the built-in check's, or the user's (by name: the AppSpec names hook
    functions, which resolve in the deployment's own account and region)."""
    return builtin if setting == "builtin" else setting.rsplit(":", 1)[-1]


def function_release(env: Environment, service: Service) -> FunctionRelease:
    names = EnvironmentNames(env).service(service)
    settings = service.function
    chosen = (
        (hook, getattr(settings, "before_allow_traffic" if hook == "BeforeAllowTraffic" else "after_allow_traffic"))
        for hook in TRAFFIC_HOOKS
    )
    chosen = tuple((hook, value) for hook, value in chosen if value != "none")
    return FunctionRelease(
        environment=env.name,
        function=names.function,
        alias=FUNCTION_ALIAS,
        application=names.codedeploy_application,
        deployment_group=names.deployment_group,
        deployment_config=deployment_config_name(service.deployment, names.base, "Lambda"),
        package=settings.package,
        hooks=tuple((hook, _hook_function(value, names.hook_function(hook))) for hook, value in chosen),
        builtin_hooks=tuple(hook for hook, value in chosen if value == "builtin"),
    )


def function_deploy_buildspec(release: FunctionRelease) -> Buildspec:
    """Publish the package as a new version and let CodeDeploy shift the alias to it; fail unless it succeeds.

    The build's primary input is the pipeline's build output, so the package is at its own path. A release whose
    code is the alias' version already (a re-run pipeline) publishes no new version (Lambda returns the latest one)
    and deploys nothing. A failed or stopped deployment (failed hook, alarm: CodeDeploy moved the alias back) fails
    the build, and the pipeline stops there."""
    changed = '[ "$TARGET_VERSION" != "$CURRENT_VERSION" ]'
    appspec = shlex.quote(json.dumps(release.appspec(), sort_keys=True))
    finished = 'case "$STATUS" in Succeeded|Failed|Stopped) true ;; *) false ;; esac'
    return Buildspec(
        variables={
            "FUNCTION_NAME": release.function,
            "FUNCTION_ALIAS": release.alias,
            "APPLICATION": release.application,
            "DEPLOYMENT_GROUP": release.deployment_group,
            "PACKAGE": release.package,
        },
        install=("aws --version", "jq --version"),
        pre_build=(
            'test -f "$PACKAGE" || { echo "$PACKAGE is not in the build output" >&2; false; }',
            'CURRENT_VERSION=$(aws lambda get-alias --function-name "$FUNCTION_NAME" --name "$FUNCTION_ALIAS"'
            " --query FunctionVersion --output text)",
        ),
        build=(
            'TARGET_VERSION=$(aws lambda update-function-code --function-name "$FUNCTION_NAME"'
            ' --zip-file "fileb://$PACKAGE" --publish --query Version --output text)',
            'aws lambda wait published-version-active --function-name "$FUNCTION_NAME" --qualifier "$TARGET_VERSION"',
            f'if {changed}; then echo "shifting $FUNCTION_ALIAS from $CURRENT_VERSION to $TARGET_VERSION";'
            ' else echo "version $TARGET_VERSION is live already: nothing to deploy"; fi',
            f"printf '%s\\n' {appspec} > {APPSPEC_FILE}",
            f'sed -i "s/{CURRENT_VERSION}/$CURRENT_VERSION/; s/{TARGET_VERSION}/$TARGET_VERSION/" {APPSPEC_FILE}',
            f'if {changed}; then DEPLOYMENT_ID=$(aws deploy create-deployment --application-name "$APPLICATION"'
            ' --deployment-group-name "$DEPLOYMENT_GROUP" --revision "$(jq -cn --rawfile content'
            f' {APPSPEC_FILE} \'{{revisionType: "AppSpecContent", appSpecContent: {{content: $content}}}}\')"'
            ' --description "$CODEBUILD_RESOLVED_SOURCE_VERSION" --query deploymentId --output text); fi',
            f'if {changed}; then until STATUS=$(aws deploy get-deployment --deployment-id "$DEPLOYMENT_ID"'
            f" --query deploymentInfo.status --output text) && {finished}; do sleep {POLL_SECONDS}; done;"
            ' echo "deployment $DEPLOYMENT_ID: $STATUS"; test "$STATUS" = Succeeded; fi',
        ),
    )
