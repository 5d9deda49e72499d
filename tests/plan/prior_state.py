"""Plan part of a synthesized stack against a prior state: what Terraform would do to resources that
already exist, e.g. after CodeDeploy has switched a release to the green target group.

The PR gate plans with no state, so every change is a create; the questions "is this change made in
place?" and "does Terraform take back what CodeDeploy changed?" need a state. Here the state is made
from the stack's own configuration (references resolved to stand-in ARNs), then edited to what AWS
holds; the provider itself (offline: `-refresh=false`) decides update or replace.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tooling.harness.terraform import LOCK_FILE, PLACEHOLDER_PROVIDER, Plan, init, terraform

PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'
_REFERENCE = re.compile(r"\$\{([a-z0-9_]+)\.([\w-]+)\.([\w]+)\}")


def stand_in(resource_type: str, name: str, attribute: str, account: str = "222222222222") -> str:
    """A value for an attribute of a resource outside the subset (or a computed one inside it)."""
    if attribute == "arn" or attribute.endswith("_arn"):
        service = resource_type.split("_")[1]
        return f"arn:aws:{service}:eu-west-1:{account}:{resource_type}/{name}"
    if attribute == "arn_suffix":
        return f"{resource_type}/{name}/0123456789abcdef"
    return f"{name}-{attribute}"


class PriorState:
    """One working directory: `plan(config, state)` plans `config` against `state`."""

    def __init__(self, work_dir: Path):
        self.work_dir = work_dir
        work_dir.mkdir(parents=True, exist_ok=True)
        (work_dir / "cdk.tf.json").write_text(
            json.dumps(
                {
                    "terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.100.0"}}},
                    "provider": {"aws": [{"region": "eu-west-1"}]},
                }
            )
        )
        (work_dir / "harness_override.tf.json").write_text(json.dumps({"provider": {"aws": PLACEHOLDER_PROVIDER}}))
        shutil.copyfile(LOCK_FILE, work_dir / ".terraform.lock.hcl")
        init(work_dir)
        schemas = json.loads(terraform(["providers", "schema", "-json"], work_dir).stdout)
        self.schemas = schemas["provider_schemas"]["registry.terraform.io/hashicorp/aws"]["resource_schemas"]

    def subset(self, config: dict, types: tuple[str, ...]) -> dict:
        """The stack's resources of `types` (provider and lifecycle included); references to any other
        resource become stand-in values, so the subset plans on its own."""
        kept = {t: dict(config["resource"].get(t, {})) for t in types}

        def literal(match: re.Match) -> str:
            resource_type, name, attribute = match.groups()
            return match[0] if name in kept.get(resource_type, {}) else stand_in(resource_type, name, attribute)

        resources = json.loads(_REFERENCE.sub(literal, json.dumps(kept)))
        for blocks in resources.values():
            for block in blocks.values():
                block.pop("depends_on", None)
        return {
            "terraform": {"required_providers": config["terraform"]["required_providers"]},
            "provider": config["provider"],
            "resource": {t: r for t, r in resources.items() if r},
        }

    def state(self, config: dict) -> dict:
        """A state holding exactly what `config` asks for: the values a plan from nothing knows (the
        provider's defaults included), the configuration's references resolved to stand-in ids and ARNs."""
        planned = {(c["type"], c["name"]): c["change"]["after"] for c in self.plan(config, None).changes()}
        resources = config["resource"]
        computed = {
            (t, name): {
                "id": stand_in(t, name, "arn"),
                "arn": stand_in(t, name, "arn"),
                "arn_suffix": stand_in(t, name, "arn_suffix"),
            }
            for t, blocks in resources.items()
            for name in blocks
        }

        def resolve(match: re.Match):
            resource_type, name, attribute = match.groups()
            known = computed[(resource_type, name)]
            return known.get(attribute) or resources[resource_type][name][attribute]

        entries = []
        for resource_type, blocks in resources.items():
            schema = self.schemas[resource_type]
            for name, block in blocks.items():
                values = {k: v for k, v in block.items() if k not in ("//", "lifecycle", "depends_on")}
                values = json.loads(_REFERENCE.sub(lambda m: str(resolve(m)), json.dumps(values)))
                attributes = _merge(planned[(resource_type, name)], _state_values(values, schema["block"]))
                attributes.update(
                    {k: v for k, v in computed[(resource_type, name)].items() if k in schema["block"]["attributes"]}
                )
                entries.append(
                    {
                        "mode": "managed",
                        "type": resource_type,
                        "name": name,
                        "provider": PROVIDER,
                        "instances": [
                            {"schema_version": schema["version"], "attributes": attributes, "sensitive_attributes": []}
                        ],
                    }
                )
        return {
            "version": 4,
            "terraform_version": "1.11.4",
            "serial": 1,
            "lineage": "00000000-0000-0000-0000-000000000000",
            "outputs": {},
            "resources": entries,
        }

    def plan(self, config: dict, state: dict | None) -> Plan:
        """`config` planned against `state` (None: no state, everything is created)."""
        (self.work_dir / "cdk.tf.json").write_text(json.dumps(config, indent=1))
        (self.work_dir / "terraform.tfstate").unlink(missing_ok=True)
        if state is not None:
            (self.work_dir / "terraform.tfstate").write_text(json.dumps(state, indent=1))
        terraform(["plan", "-input=false", "-lock=false", "-refresh=false", "-out=tfplan"], self.work_dir)
        document = json.loads(terraform(["show", "-json", "tfplan"], self.work_dir).stdout)
        return Plan(document, "prior-state", self.work_dir)


def _state_values(values: dict, schema: dict) -> dict:
    """Configuration values in the state's shape: nested blocks as lists, as the provider's schema says."""
    shaped = {}
    for key, value in values.items():
        nested = schema.get("block_types", {}).get(key)
        if nested:
            items = value if isinstance(value, list) else [value]
            shaped[key] = [_state_values(item, nested["block"]) for item in items]
        else:
            shaped[key] = value
    return shaped


def _merge(known, configured):
    """`configured` over `known`, nested blocks element by element."""
    if isinstance(known, dict) and isinstance(configured, dict):
        return {**known, **{k: _merge(known.get(k), v) for k, v in configured.items()}}
    if isinstance(known, list) and isinstance(configured, list) and len(known) == len(configured):
        return [_merge(k, c) for k, c in zip(known, configured, strict=True)]
    return configured


def state_resource(state: dict, resource_type: str, name_contains: str) -> dict:
    """The attributes of the one state resource of `resource_type` whose name contains `name_contains`."""
    found = [r for r in state["resources"] if r["type"] == resource_type and name_contains in r["name"]]
    assert len(found) == 1, (resource_type, name_contains, [r["name"] for r in found])
    return found[0]["instances"][0]["attributes"]
