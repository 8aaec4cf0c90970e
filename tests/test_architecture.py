"""The shape of the package: imports flow one way (no circle, function-level imports included),
and the README's Development section names every module, so a newcomer finds where things live."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "grader"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in its code (inside functions too).
    ``from . import x`` names the submodule x when there is one, else the package itself."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.level and node.module else (node.module or base)
            if not node.level:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def test_the_graph_is_read():
    assert "grader.engine" in GRAPH["grader.exercise"]
    assert "grader.key" in GRAPH["grader.grading"]
    assert GRAPH["grader.layers"] >= {"grader.layers.registry", "grader.layers.keras", "grader.layers.torch"}


def test_no_import_circle():
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = "open"
        path.append(name)
        for dep in sorted(GRAPH[name]):
            if state.get(dep) == "open":
                cycle = path[path.index(dep):] + [dep]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        path.pop()
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("low, high", [
    ("grader.engine", "grader.exercise"),       # the engine solves layers; the loader calls it
    ("grader.layers.registry", "grader.layers.keras"),  # the registry is a leaf
    ("grader.result", "grader.feedback"),       # results are data; what students see is decided above
    ("grader.grading", "grader.report"),        # grading knows no view
    ("grader.mistakes", "grader.grading"),
])
def test_imports_flow_one_way(low, high):
    reachable, todo = set(), [low]
    while todo:
        for dep in GRAPH[todo.pop()]:
            if dep not in reachable:
                reachable.add(dep)
                todo.append(dep)
    assert high not in reachable, f"{low} reaches {high}"


def test_the_readme_names_every_module_once():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # the stages' paragraphs describe each module once; the table after them may point to it again
    section = readme.split("## Development", 1)[1].split("Where a change goes", 1)[0]
    for name, path in MODULES.items():
        if path.name == "__init__.py" and name != "grader.layers":
            continue
        shown = str(path.relative_to(ROOT)).replace("\\", "/")
        count = len(re.findall(rf"`{re.escape(shown)}`", section))
        assert count == 1, f"{shown} is named {count} times in the README's Development section"
