"""The release flow as a mermaid diagram, generated from the synthesized pipelines (never drawn by
hand): `make diagram` rewrites the README section between the markers."""

from __future__ import annotations

import re
import sys

from tooling.harness.synth import ROOT, load_or_exit, synthesize

BEGIN, END = "<!-- release-flow:begin -->", "<!-- release-flow:end -->"


def pipeline_mermaid(stack: str, pipeline: dict) -> str:
    lines = ["```mermaid", "flowchart LR"]
    previous = None
    for index, stage in enumerate(pipeline["stage"]):
        actions = ", ".join(f"{a['name']} ({a['provider']})" for a in stage["action"])
        node = f"s{index}"
        lines.append(f'    {node}["{stage["name"]}<br/>{actions}"]')
        if previous:
            lines.append(f"    {previous} --> {node}")
        previous = node
    lines.append("```")
    return f"**{stack}: `{pipeline['name']}`**\n\n" + "\n".join(lines)


def release_flow(configs: dict[str, dict]) -> str:
    sections = []
    for stack, config in sorted(configs.items()):
        for pipeline in config.get("resource", {}).get("aws_codepipeline", {}).values():
            sections.append(pipeline_mermaid(stack, pipeline))
    return "\n\n".join(sections)


def readme_section(flow: str) -> str:
    return f"{BEGIN}\n{flow}\n{END}"


def main() -> int:
    synthesis = synthesize(load_or_exit(None))
    flow = release_flow({name: synthesis.config(name) for name in synthesis.stacks})
    readme = ROOT / "README.md"
    text = readme.read_text()
    if BEGIN not in text:
        print(f"README.md has no {BEGIN} marker", file=sys.stderr)
        return 1
    readme.write_text(
        re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: readme_section(flow), text, flags=re.S)
    )
    print("README.md release flow updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
