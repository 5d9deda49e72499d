"""The README's release-flow diagrams are the synthesized pipelines: `make diagram` regenerates them."""

from __future__ import annotations

from tooling.harness.diagram import readme_section, release_flow
from tooling.harness.synth import ROOT


def test_readme_diagram_matches_the_synthesized_pipelines(stack_config):
    expected = readme_section(release_flow(stack_config))
    assert expected in (ROOT / "README.md").read_text(), "README release flow is stale: run `make diagram`"


def test_prod_flow_shows_staging_approval_then_production(stack_config):
    flow = release_flow({"prod-delivery": stack_config["prod-delivery"]})
    order = [flow.index(stage) for stage in ("Source", "Build", "Deploy-staging", "Approval-prod", "Deploy-prod")]
    assert order == sorted(order)
