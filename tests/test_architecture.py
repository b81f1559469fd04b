"""Imports point one way: nn → optim → train → lab → experiments → report / play / check → cli.

The imports are read with ``ast`` from the source, function-level ones included (an
import inside a function is still a dependency). Fails, listing file and line, on an
import that points up a layer, on any cycle between modules, on an import of
``backprop.cli`` from anywhere but ``__main__``, and on a module no layer claims.
``backprop/__init__.py`` is the façade above all layers; inside the package only its
``__version__`` may be imported from it.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "backprop"
LAYERS = ["nn", "optim", "train", "lab", "experiments", "report", "play", "check", "cli"]
# play and check (the submission checker) sit beside experiments and report, not above
# them: no group imports another.
SIBLINGS = ({"play"}, {"experiments", "report"}, {"check"})
# Top-level modules that are not named after their layer.
TOP = {
    "checks": "nn",
    "files": "nn",
    "_fused": "train",
    "history": "train",
    "gradcheck": "train",
    "limits": "train",
    "__main__": "cli",
    "cli_args": "cli",
    "cli_flags": "cli",
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(SRC.rglob("*.py")):
        parts = list(p.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def layer(mod: str) -> int | None:
    """Index in LAYERS (None: the façade ``backprop`` itself)."""
    parts = mod.split(".")
    if len(parts) == 1:
        return None
    name = TOP.get(parts[1], parts[1])
    assert name in LAYERS, f"{mod} belongs to no layer: add it to LAYERS or TOP"
    return LAYERS.index(name)


def _imports(mod: str, path: Path) -> list[tuple[str, int]]:
    """(imported backprop module, line) for every import in ``path``."""
    pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [
                (a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "backprop"
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "backprop":
                continue
            for a in node.names:
                if f"{base}.{a.name}" in MODULES:
                    found.append((f"{base}.{a.name}", node.lineno))
                elif not (base == "backprop" and a.name.startswith("__")):  # __version__
                    found.append((base, node.lineno))
    return sorted(set(found))


EDGES = {mod: _imports(mod, path) for mod, path in MODULES.items()}


def _where(mod: str, line: int) -> str:
    return f"{MODULES[mod].relative_to(SRC.parent)}:{line}"


def test_the_graph_is_read() -> None:
    # A reader that found no imports would pass every rule below.
    assert len(MODULES) > 20 and sum(map(len, EDGES.values())) > 50
    assert [t for t, _ in EDGES["backprop.__main__"]] == ["backprop.cli"]


def test_imports_point_down() -> None:
    up = []
    for mod, edges in EDGES.items():
        if mod == "backprop":
            continue
        for target, line in edges:
            if target == "backprop":
                up.append(f"{_where(mod, line)}: {mod} imports the package façade")
            elif layer(target) > layer(mod):
                up.append(
                    f"{_where(mod, line)}: {mod} ({LAYERS[layer(mod)]}) imports {target} "
                    f"({LAYERS[layer(target)]})"
                )
    assert not up, "imports that point up a layer:\n" + "\n".join(up)


def test_play_and_the_reports_are_siblings() -> None:
    name = lambda m: LAYERS[layer(m)]  # noqa: E731
    bad = [
        f"{_where(mod, line)}: {mod} imports {target}"
        for mod, edges in EDGES.items()
        for target, line in edges
        if mod != "backprop"
        and target != "backprop"
        and any(name(mod) in a and name(target) in b for a in SIBLINGS for b in SIBLINGS if a != b)
    ]
    assert not bad, "play, check and experiments/report import each other:\n" + "\n".join(bad)


def test_only_main_imports_the_cli() -> None:
    bad = [
        f"{_where(mod, line)}: {mod} imports {target}"
        for mod, edges in EDGES.items()
        for target, line in edges
        if (target == "backprop.cli") != (mod == "backprop.__main__")
    ]
    assert not bad, "only __main__ imports the CLI, and only the CLI:\n" + "\n".join(bad)


def test_no_cycles() -> None:
    graph = {m: sorted({t for t, _ in e if t in MODULES and t != m}) for m, e in EDGES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                lines = [
                    f"  {_where(m, n)}: {m} imports {t}"
                    for m in sorted(scc)
                    for t, n in EDGES[m]
                    if t in scc
                ]
                cycles.append(" <-> ".join(sorted(scc)) + "\n" + "\n".join(lines))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
