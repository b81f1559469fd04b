"""The submission's code: every ``.py`` file and ``.ipynb`` code cell parsed with
``ast``; its entry script; the modules the entry reaches; each import classified
(local, standard library, NumPy/matplotlib, forbidden framework, other)."""

from __future__ import annotations

import ast
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath

from .findings import Finding, info, look
from .handout import ALLOWED, FORBIDDEN

try:
    import tomllib
except ImportError:  # Python 3.10: no pyproject entry points, the other rules still find one
    tomllib = None

# Names a lab's main script goes by, best first (a file with a __main__ guard counts too).
ENTRY_NAMES = ("main", "lab1", "lab", "run", "train", "backprop", "__main__")
# Folders of code that checks or times the lab: a framework there, out of the entry's
# reach, is a reference to compare with (e.g. PyTorch's gradients in a test), not the lab.
ASIDE = frozenset({"tests", "test", "benchmarks", "benchmark"})
MAGIC_LINE = re.compile(r"^\s*[%!]")  # IPython magics and shell escapes in a notebook


@dataclass
class Source:
    """One parsed unit: a ``.py`` file, or one notebook cell (``cell`` from 1)."""

    path: str
    tree: ast.Module | None
    text: str
    cell: int | None = None
    problem: str = ""

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """Every node of the tree, walked once for the imports and the generators."""
        return list(ast.walk(self.tree)) if self.tree else []

    def where(self, line: int) -> str:
        return (
            f"{self.path}:{line}" if self.cell is None else f"{self.path} cell {self.cell}:{line}"
        )


@dataclass
class Code:
    sources: list[Source] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)  # paths
    prefix: str = ""  # the zip's one top folder, left out of every path above
    script: dict | None = None  # pyproject's [project.scripts] entry: module, function, root


def _parse(path: str, text: str, cell: int | None = None) -> Source:
    try:
        return Source(path, ast.parse(text), text, cell)
    except (SyntaxError, ValueError) as e:
        return Source(path, None, text, cell, f"does not parse: {e}")
    except (MemoryError, RecursionError):  # Python's own compiler gives up on it too
        return Source(path, None, text, cell, "does not parse: nested too deep")


def _python(path: str, data: bytes) -> Source:
    """A ``.py`` file decoded as Python decodes it (a BOM, a coding line, else UTF-8)."""
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        return _parse(path, data.decode(encoding))
    except (SyntaxError, LookupError, UnicodeDecodeError) as e:
        why = e.reason if isinstance(e, UnicodeDecodeError) else str(e)
        text = data.decode("utf-8", "replace")
        return Source(path, None, text, None, f"does not decode as Python would ({why})")


def parse(files: dict[str, bytes], prefix: str = "") -> Code:
    """``files`` (path → bytes, ``prefix`` left out) → the parsed sources and entry script(s)."""
    code = Code(prefix=prefix)
    for path, data in sorted(files.items()):
        if path.endswith(".py"):
            code.sources.append(_python(path, data))
        elif path.endswith(".ipynb"):
            code.sources += _notebook(path, data.decode("utf-8", "replace"))
    code.script = _pyproject_script(files, code)
    code.entries = [code.script["path"]] if code.script else _entries(code)
    return code


def _notebook(path: str, text: str) -> list[Source]:
    try:
        notebook = json.loads(text)
    except ValueError as e:
        return [Source(path, None, text, problem=f"is not a notebook: not JSON ({e})")]
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return [Source(path, None, text, problem="is not a notebook: no list of cells")]
    cells = [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    out = []
    for i, c in enumerate(cells, 1):
        src = c.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        # a magic becomes a blank line, so that line numbers still match the cell
        out.append(
            _parse(path, "\n".join("" if MAGIC_LINE.match(s) else s for s in src.split("\n")), i)
        )
    return out


def _modules(code: Code) -> dict[str, list[str]]:
    """Every dotted suffix of every ``.py`` path → the paths it may name."""
    index: dict[str, list[str]] = {}
    for s in code.sources:
        if s.cell is None:
            parts = list(PurePosixPath(s.path).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            for i in range(len(parts)):
                index.setdefault(".".join(parts[i:]), []).append(s.path)
    return index


def _resolve(index: dict[str, list[str]], name: str, near: str) -> str | None:
    """The zip's file that ``import name`` reaches from ``near``: the longest dotted
    prefix that names one; of several, the one sharing most folders with ``near``."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        paths = index.get(".".join(parts[:k]))
        if paths:
            return max(paths, key=lambda p: (_shared(p, near), -len(p)))
    return None


def _shared(a: str, b: str) -> int:
    n = 0
    for x, y in zip(PurePosixPath(a).parts, PurePosixPath(b).parts):
        if x != y:
            break
        n += 1
    return n


@dataclass(frozen=True)
class Import:
    module: str  # the dotted name as written (relative ones resolved to a file)
    top: str
    where: str
    path: str
    target: str | None  # the zip's file it reaches, if any


def imports(code: Code) -> list[Import]:
    """Every import statement, function-level ones too, and ``__import__("x")`` /
    ``importlib.import_module("x")`` with a constant name."""
    index = _modules(code)
    out = []
    for s in code.sources:
        loaders = LOADERS | {  # e.g. `from importlib import import_module as im`
            a.asname
            for n in s.nodes
            if isinstance(n, ast.ImportFrom) and n.module == "importlib"
            for a in n.names
            if a.name == "import_module" and a.asname
        }
        for node in s.nodes:
            names = _absolute(node)
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = list(PurePosixPath(s.path).parent.parts)
                    base = base[: len(base) - node.level + 1]
                    mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
                    subs = [f"{mod}.{a.name}" for a in node.names]
                    hit = [x for x in subs if x in index] or [mod]
                    for m in hit:
                        out.append(
                            Import(m, "", s.where(node.lineno), s.path, _resolve(index, m, s.path))
                        )
                    continue
            elif isinstance(node, ast.Call) and _called(node) in loaders and _text_arg(node):
                names = [node.args[0].value]
            elif isinstance(node, ast.Call) and _called(node) in RUNNERS and _text_arg(node):
                names = _imports_in(node.args[0].value)  # exec("import torch")
            for m in names:
                top = m.split(".")[0]
                out.append(Import(m, top, s.where(node.lineno), s.path, _resolve(index, m, s.path)))
    return out


LOADERS = {"__import__", "import_module"}  # functions that import the module they name
RUNNERS = {"exec", "eval", "compile"}  # functions that run the code they are given


def _called(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _text_arg(node: ast.Call) -> bool:
    return (
        bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _imports_in(text: str) -> list[str]:
    """The modules that code given as a string imports (none if it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    return [m for n in ast.walk(tree) for m in _absolute(n)]


def _absolute(node: ast.AST) -> list[str]:
    """The modules an ``import`` or an absolute ``from … import`` names (``a.b`` for
    ``from a import b``: b may be a module); [] for anything else."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [f"{node.module}.{a.name}" for a in node.names]
    return []


def _guarded(tree: ast.Module) -> bool:
    """Has ``if __name__ == "__main__":`` at module level."""
    return any(
        isinstance(n, ast.If)
        and "__name__" in ast.unparse(n.test)
        and "__main__" in ast.unparse(n.test)
        for n in tree.body
    )


def _pyproject_script(files: dict[str, bytes], code: Code) -> dict | None:
    """The first ``[project.scripts]`` entry of the shallowest pyproject.toml, if its
    module is in the zip: how a packaged project says what it runs."""
    if tomllib is None:
        return None
    for path in sorted((p for p in files if p.endswith("pyproject.toml")), key=_depth):
        try:
            scripts = (
                tomllib.loads(files[path].decode("utf-8")).get("project", {}).get("scripts", {})
            )
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        index = _modules(code)
        for target in scripts.values():
            module, _, function = str(target).partition(":")
            found = _resolve(index, module, path)
            if found and found.endswith(module.replace(".", "/") + ".py"):
                root = found[: -len(module.replace(".", "/") + ".py")].rstrip("/")
                return {
                    "module": module,
                    "function": function or "main",
                    "path": found,
                    "root": root,
                }
    return None


def _depth(path: str) -> int:
    return path.count("/")


def _entries(code: Code) -> list[str]:
    """The script(s) a grader would run: the shallowest file named like a main script
    (``main.py``, ``lab1.py``, …), else the files with a ``__main__`` guard at the
    shallowest depth, else the only ``.py`` file or the first notebook."""
    files = [s for s in code.sources if s.cell is None and s.tree is not None]
    files = [s for s in files if not PurePosixPath(s.path).name.startswith("test_")]
    named = [s for s in files if PurePosixPath(s.path).stem.lower() in ENTRY_NAMES]
    if named:
        key = lambda s: (_depth(s.path), ENTRY_NAMES.index(PurePosixPath(s.path).stem.lower()))  # noqa: E731
        return [min(named, key=key).path]
    guarded = [s for s in files if _guarded(s.tree)]
    if guarded:
        top = min(_depth(s.path) for s in guarded)
        return [s.path for s in guarded if _depth(s.path) == top]
    if len(files) == 1:
        return [files[0].path]
    notebooks = sorted(
        {s.path for s in code.sources if s.cell is not None}, key=lambda p: (_depth(p), p)
    )
    return notebooks[:1]


def reached(code: Code, found: list[Import]) -> set[str]:
    """The zip's files the entry scripts import, directly or not (all, without an entry)."""
    everything = {s.path for s in code.sources}
    if not code.entries:
        return everything
    edges: dict[str, set[str]] = {}
    for imp in found:
        if imp.target:
            edges.setdefault(imp.path, set()).add(imp.target)
    seen, todo = set(code.entries), list(code.entries)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def import_findings(code: Code) -> tuple[list[Finding], dict[str, list[str]]]:
    """Findings on the imports, and the forbidden and other modules with where they are."""
    found = imports(code)
    used = reached(code, found)
    local_tops = {p for s in code.sources for p in PurePosixPath(s.path).with_suffix("").parts}
    forbidden: dict[str, list[Import]] = {}
    other: dict[str, list[Import]] = {}
    for imp in found:
        top = imp.top
        if imp.target or not top or top in local_tops or top in ALLOWED or top == "__future__":
            continue
        if top in sys.stdlib_module_names:
            continue
        (forbidden if top in FORBIDDEN else other).setdefault(top, []).append(imp)
    out = [look("imports", f"{s.where(1)} {s.problem}") for s in code.sources if s.problem]
    entry = ", ".join(code.entries) or "none found, so every file counts"
    out.append(info("imports", f"entry script: {entry}"))
    for top, imps in sorted(forbidden.items()):
        lab = [i for i in imps if i.path in used or not _aside(i.path)]
        aside = [i for i in imps if i not in lab]
        name = FORBIDDEN[top]
        if lab:
            out.append(look("imports", f"{top} ({name}, forbidden) at {_places(lab)}"))
        if aside:
            out.append(
                info(
                    "imports",
                    f"{top} ({name}) at {_places(aside)}: tests or benchmarks "
                    "the entry does not import",
                )
            )
    if other:
        shown = "; ".join(f"{t} ({_places(w, 2)})" for t, w in sorted(other.items()))
        out.append(info("imports", f"outside NumPy, matplotlib and the standard library: {shown}"))
    unused = [
        t
        for t, imps in forbidden.items()
        if all(i.path not in used and _aside(i.path) for i in imps)
    ]
    return out, {
        "forbidden": sorted(set(forbidden) - set(unused)),
        "forbidden_unused": sorted(unused),
        "other": sorted(other),
    }


def _aside(path: str) -> bool:
    """In a tests/ or benchmarks/ folder: code that checks or times the lab, not the lab."""
    return bool(set(PurePosixPath(path).parts[:-1]) & ASIDE)


def _places(imps: list[Import], most: int = 4) -> str:
    """``a.py:3, b.py:7`` (each place once), ``…`` past ``most``."""
    places = list(dict.fromkeys(i.where for i in imps))
    return ", ".join(places[:most]) + (", …" if len(places) > most else "")
