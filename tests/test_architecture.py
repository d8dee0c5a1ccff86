"""The layers of docs/architecture.md, held against every import of every module (imports inside
functions included): nothing imports a layer above its own, and no module imports itself back
through others (no import circle)."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "attnlab"


def layer_table() -> dict[str, tuple[int, set[str]]]:
    """{module key: (layer rank, names of the layers it may import)} from the table in architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \| (`.*`) \| ([\w, ]+) \|$", text, re.M)
    assert rows, "docs/architecture.md has no layer table"
    table = {}
    for rank, (_, modules, may) in enumerate(rows):
        allowed = {m.strip() for m in may.split(",")}
        for module in re.findall(r"`([^`]+)`", modules):
            table[module.removesuffix("/").removesuffix(".py")] = (rank, allowed)
    names = [name for name, _, _ in rows]
    return {key: (rank, {names.index(n) for n in allowed}) for key, (rank, allowed) in table.items()}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """{module: attnlab modules it imports, anywhere in its code}."""
    files = {module_name(p): p for p in SRC.rglob("*.py")}
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target.startswith("attnlab") and target != name:
                    edges[name].add(target)
    return edges


def key_of(module: str) -> str:
    """The table's name for a module: its top-level file or folder under attnlab ('' for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_has_a_layer_and_imports_only_below_or_beside_it():
    table = layer_table()
    graph = import_graph()
    unplaced = sorted({key_of(m) for m in graph} - set(table))
    assert not unplaced, f"modules missing from docs/architecture.md's layer table: {unplaced}"
    wrong = []
    for module, targets in graph.items():
        allowed = table[key_of(module)][1]
        for target in targets:
            if table[key_of(target)][0] not in allowed:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the layer table:\n" + "\n".join(sorted(wrong))


def test_no_import_circles():
    graph = import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not circles, f"import circles: {circles}"


def test_no_probing_of_a_trace():
    """Every consumer asks the contract: no hasattr/getattr on a trace, no untyped trace."""
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in SRC.rglob("*.py")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"hasattr\(trace|getattr\(trace|trace: Any", line)]
    assert not hits, hits
