"""The architecture of docs/architecture.md, enforced: the layer contract of pyproject.toml
([tool.importlinter]), no import cycle between any two modules of kessan, and no import
hidden inside a function to get round one."""

from __future__ import annotations

import ast
import os

import grimp
from importlinter.cli import lint_imports

from .conftest import ROOT

SRC = ROOT / "src" / "kessan"


def test_layer_contracts_hold():
    cwd = os.getcwd()
    os.chdir(ROOT)  # lint-imports reads pyproject.toml from the working directory
    try:
        assert lint_imports(no_cache=True) == 0, "lint-imports failed: run .venv/bin/lint-imports for the report"
    finally:
        os.chdir(cwd)


def _cycle(graph, modules: set[str]) -> list[str] | None:
    """A cycle of direct imports among ``modules``, if there is one (depth-first search)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.find_modules_directly_imported_by(m) & modules):
            if state.get(n) == 1:
                return [*stack[stack.index(n):], n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(modules):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_no_import_cycles():
    graph = grimp.build_graph("kessan", cache_dir=None)
    cycle = _cycle(graph, set(graph.modules))
    assert cycle is None, " -> ".join(cycle or [])


# imports kept inside a function on purpose (none today): (file, module)
LAZY_ALLOWED: set[tuple[str, str | None]] = set()


def test_no_function_level_imports():
    found = []
    for path in SRC.rglob("*.py"):
        rel = str(path.relative_to(SRC.parent))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        name = inner.module if isinstance(inner, ast.ImportFrom) else inner.names[0].name
                        if (rel, name) not in LAZY_ALLOWED:
                            found.append(f"{rel}:{inner.lineno} {name}")
    assert found == [], "imports inside functions (move them to the top; a cycle is a design problem):\n" + "\n".join(found)
