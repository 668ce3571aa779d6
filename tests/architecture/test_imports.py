"""The layers as ARCHITECTURE.md draws them, read from the source: every import between the
project's modules goes down the layers, and no two modules import each other, directly or
round a longer loop. Imports inside functions count; those under `if TYPE_CHECKING:` do not,
since they never run (they only name a type for annotations). `from package import module`
is an import of that module (the package's __init__ runs first for any of its modules)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("machine", "kernels", "vliwdbg")

#: Each layer and the layers it may import (itself included).
LAYERS: dict[str, set[str]] = {
    "machine": {"machine"},
    "kernels": {"kernels", "machine"},
    "vliwdbg.loading": {"vliwdbg.loading", "vliwdbg.cancel", "machine"},
    "vliwdbg.core": {"vliwdbg.core", "vliwdbg.loading", "vliwdbg.cancel", "machine"},
}
#: vliwdbg/cancel.py is the one convention for stopping long work: every layer may use it.
LAYERS["vliwdbg.cancel"] = {"vliwdbg.cancel"}
LAYERS["vliwdbg.insight"] = {"vliwdbg.insight", *LAYERS["vliwdbg.core"]}
LAYERS["vliwdbg.commands"] = {"vliwdbg.commands", *LAYERS["vliwdbg.insight"]}
_BELOW_FACES = LAYERS["vliwdbg.commands"]
LAYERS["vliwdbg.faces"] = {"vliwdbg.faces", "vliwdbg.app", *_BELOW_FACES}
LAYERS["vliwdbg.app"] = {"vliwdbg.app", *_BELOW_FACES}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def layer_of(name: str) -> str:
    for layer in sorted(LAYERS, key=len, reverse=True):
        if name == layer or name.startswith(layer + "."):
            return layer
    return name.split(".")[0]


GRAPH = {name: imports_of(name, path, set(project_modules())) for name, path in project_modules().items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_loop() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_imports_go_down_the_layers(name: str) -> None:
    allowed = LAYERS.get(layer_of(name))
    if allowed is None:
        return
    wrong = sorted(t for t in GRAPH[name] if layer_of(t) not in allowed)
    assert wrong == [], f"{name} ({layer_of(name)}) imports {wrong}"


def test_the_core_imports_no_textual() -> None:
    for name, path in project_modules().items():
        if layer_of(name) in ("vliwdbg.core", "vliwdbg.loading", "vliwdbg.insight", "vliwdbg.commands"):
            assert "textual" not in path.read_text(encoding="utf-8"), name
