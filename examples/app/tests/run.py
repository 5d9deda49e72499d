"""`npm test`: the service's tests under the standard library's line tracer, then the coverage report the
buildspec's `reports` section uploads (coverage/clover.xml, CLOVERXML), with no third-party package."""

from __future__ import annotations

import sys
import threading
import trace
import unittest
from pathlib import Path
from xml.etree import ElementTree

APP = Path(__file__).resolve().parents[1]
SOURCES = ("app.py",)


def executable_lines(path: Path) -> set[int]:
    return {n for n in trace._find_executable_linenos(str(path)) if n > 0}  # noqa: SLF001 (as `trace --missing`)


def clover(counts: dict, out: Path) -> None:
    coverage = ElementTree.Element("coverage", generated="0", clover="4.4.1")
    project = ElementTree.SubElement(coverage, "project", timestamp="0")
    covered_total = statements_total = 0
    for name in SOURCES:
        path = APP / name
        lines = executable_lines(path)
        hit = {line for (file, line), n in counts.items() if Path(file).resolve() == path and n}
        covered_total += len(lines & hit)
        statements_total += len(lines)
        element = ElementTree.SubElement(project, "file", name=name, path=str(path))
        for line in sorted(lines):
            ElementTree.SubElement(element, "line", num=str(line), type="stmt", count=str(int(line in hit)))
        ElementTree.SubElement(element, "metrics", statements=str(len(lines)), coveredstatements=str(len(lines & hit)))
    ElementTree.SubElement(project, "metrics", statements=str(statements_total), coveredstatements=str(covered_total))
    out.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(coverage).write(out, xml_declaration=True, encoding="utf-8")


def main() -> int:
    sys.path.insert(0, str(APP))
    tracer = trace.Trace(count=True, trace=False)
    result: list[unittest.TestResult] = []

    def run() -> None:  # imports too: the module's top-level lines count
        suite = unittest.defaultTestLoader.discover(str(APP / "tests"), pattern="test_*.py")
        result.append(unittest.TextTestRunner(verbosity=2).run(suite))

    threading.settrace(tracer.globaltrace)  # the server answers in its own threads
    tracer.runfunc(run)
    threading.settrace(None)
    clover(tracer.results().counts, APP / "coverage" / "clover.xml")
    return 0 if result[0].wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
