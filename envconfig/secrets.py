"""CodeBuild's reference to a Secrets Manager value, `secret-id[:json-key[:version-stage[:version-id]]]`,
where secret-id is a secret's name or its ARN (complete, or partial without the random suffix).

https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.env.secrets-manager
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Secret names: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html#API_CreateSecret_RequestSyntax
SECRET_NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):secret:(?P<name>.+)")
# Secrets Manager appends "-" and six random characters to a secret's name in its ARN; an ARN that ends
# so is complete, any other is partial (AWS treats a partial ARN ending like a suffix as complete, too).
RANDOM_SUFFIX = re.compile(r".+-[A-Za-z0-9]{6}")
ARN_FIELDS = 7  # arn:partition:secretsmanager:region:account:secret:name


@dataclass(frozen=True)
class SecretReference:
    name: str  # the secret's name (for an ARN: the name part, with its random suffix if complete)
    region: str = ""  # of an ARN; default "": a name, in the build's own region
    account_id: str = ""  # of an ARN; default "": a name, in the build's own account
    keys: tuple[str, ...] = ()  # json-key, version-stage, version-id as given; default: the whole secret

    @property
    def is_arn(self) -> bool:
        return bool(self.account_id)

    @property
    def complete(self) -> bool:
        """An ARN with the random suffix names one secret version series exactly; a name never does."""
        return self.is_arn and bool(RANDOM_SUFFIX.fullmatch(self.name))

    @property
    def resource(self) -> str:
        """The ARN's resource part for IAM: secret ARNs end in "-" and six random characters, which a
        name or a partial ARN matches with `-??????` (the account and region are the build's own)."""
        return f"secret:{self.name}" if self.complete else f"secret:{self.name}-??????"

    @classmethod
    def parse(cls, value: str) -> SecretReference:
        """Raises ValueError naming what is wrong, for the loader's one-line message."""
        parts = value.split(":")
        if parts[0] == "arn":
            arn, keys = ":".join(parts[:ARN_FIELDS]), tuple(parts[ARN_FIELDS:])
            match = SECRET_ARN.fullmatch(arn)
            if not match or not SECRET_NAME.fullmatch(match["name"]):
                raise ValueError(f"{value!r} does not start with a Secrets Manager secret ARN")
            reference = cls(match["name"], match["region"], match["account"], keys)
        else:
            if not SECRET_NAME.fullmatch(parts[0]):
                raise ValueError(f"{value!r} does not start with a secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -)")
            reference = cls(parts[0], keys=tuple(parts[1:]))
        if len(reference.keys) > 3:
            raise ValueError(f"{value!r} is not secret-id[:json-key[:version-stage[:version-id]]]")
        return reference
