"""The handout's two generators ("Do NOT overwrite these functions"), found in the
submission and compared with the handout's by syntax tree: formatting and comments
never count; a changed body is shown as a diff of the two, each unparsed."""

from __future__ import annotations

import ast
import copy
import difflib

from .findings import Finding, info, look
from .handout import GENERATORS, GENERATORS_SOURCE
from .source import Code

MAX_DIFF_LINES = 30


def _handout() -> dict[str, ast.FunctionDef]:
    tree = ast.parse(GENERATORS_SOURCE)
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _numpy_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.Import) and [(a.name, a.asname) for a in node.names] == [
        ("numpy", "np")
    ]


def normalised(fn: ast.FunctionDef, module_has_np: bool) -> tuple[str, list[str]]:
    """``fn``'s tree with what cannot change its result left out, and what was left out:
    a docstring; ``import numpy as np`` when the module imports it so; an assignment to a
    name never read whose value calls nothing (the handout's ``distance`` line)."""
    fn = copy.deepcopy(fn)
    notes = []
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body, notes = body[1:], ["a docstring"]
    if module_has_np and any(_numpy_import(n) for n in body):
        body = [n for n in body if not _numpy_import(n)]
        notes.append("its `import numpy as np` (numpy is imported at module level)")
    read = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

    def dead(n: ast.stmt) -> str | None:
        if (
            isinstance(n, ast.Assign)
            and len(n.targets) == 1
            and isinstance(n.targets[0], ast.Name)
            and n.targets[0].id not in read
            and not any(isinstance(c, ast.Call) for c in ast.walk(n.value))
        ):
            return n.targets[0].id
        return None

    def strip(stmts: list[ast.stmt]) -> list[ast.stmt]:
        kept = []
        for n in stmts:
            name = dead(n)
            if name:
                notes.append(f"the unused `{name} = …` line")
                continue
            for attr in ("body", "orelse"):
                if isinstance(getattr(n, attr, None), list):
                    setattr(n, attr, strip(getattr(n, attr)))
            kept.append(n)
        return kept

    fn.body = strip(body) or [ast.Pass()]
    return ast.dump(fn), sorted(set(notes))


def _listed(word: str, notes: list[str]) -> str:
    return f"{word} {' and '.join(notes)}" if notes else ""


def _module_has_np(tree: ast.Module) -> bool:
    return any(_numpy_import(n) for n in tree.body)


def generator_findings(code: Code) -> tuple[list[Finding], str]:
    """One finding per generator (and per copy of it), and a one-word summary for the
    CSV: unchanged, equivalent, changed or missing."""
    handout = _handout()
    out: list[Finding] = []
    states = []
    defs = [(s, n) for s in code.sources for n in s.nodes if isinstance(n, ast.FunctionDef)]
    for name in GENERATORS:
        want = handout[name]
        want_norm, want_notes = normalised(want, True)
        copies = [(s, n) for s, n in defs if n.name == name]
        if not copies:
            near = sorted(
                f"{s.where(n.lineno)} ({n.name})" for s, n in defs if n.name.lower() == name.lower()
            )
            hint = f"; renamed? {', '.join(near)}" if near else ""
            out.append(look("generators", f"{name} not found{hint}"))
            states.append("missing")
            continue
        for s, fn in copies:
            where = s.where(fn.lineno)
            if ast.dump(fn) == ast.dump(want):
                out.append(info("generators", f"{name} at {where}: the handout's, unchanged"))
                states.append("unchanged")
                continue
            has_np = any(
                _module_has_np(t.tree) for t in code.sources if t.path == s.path and t.tree
            )
            got_norm, notes = normalised(fn, has_np)
            if got_norm == want_norm:
                less = [n for n in want_notes if n not in notes]
                more = [n for n in notes if n not in want_notes]
                how = " and ".join(x for x in (_listed("less", less), _listed("plus", more)) if x)
                out.append(
                    info(
                        "generators",
                        f"{name} at {where}: the handout's {how}, which change nothing",
                    )
                )
                states.append("equivalent")
                continue
            diff = difflib.unified_diff(
                ast.unparse(want).splitlines(),
                ast.unparse(fn).splitlines(),
                "handout",
                where,
                lineterm="",
            )
            lines = list(diff)[2:]
            shown = "\n".join("      " + d for d in lines[:MAX_DIFF_LINES])
            more = (
                f"\n      … {len(lines) - MAX_DIFF_LINES} more lines"
                if len(lines) > MAX_DIFF_LINES
                else ""
            )
            out.append(
                look("generators", f"{name} at {where} differs from the handout's:\n{shown}{more}")
            )
            states.append("changed")
    for s in code.sources:  # `generate_XOR_easy = lambda: ...` replaces the handout's too
        for n in s.nodes:
            targets = n.targets if isinstance(n, ast.Assign) else [getattr(n, "target", None)]
            if isinstance(n, ast.Assign | ast.AnnAssign | ast.AugAssign):
                for t in targets:
                    if isinstance(t, ast.Name) and t.id in GENERATORS:
                        where = s.where(n.lineno)
                        out.append(look("generators", f"{t.id} is assigned at {where}"))
                        states.append("changed")
    worst = next((s for s in ("missing", "changed", "equivalent") if s in states), "unchanged")
    return out, worst
