"""``backprop check``: a submitted zip read (never extracted, but under ``--run`` into a
temporary folder) and held against the handout, one part at a time: its name, its
contents, its imports, the two generators, the report and, optionally, a run.

``check_zip(path)`` → ``Result`` (findings and a verdict); ``submissions`` expands
folders; ``format_result`` and ``write_csv`` are what the CLI prints and writes.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .. import files
from ..checks import plural, shown
from ..lab.pack import JUNK_DIRS, JUNK_SUFFIXES, PDF_MAGIC
from . import archive
from .archive import Member, name_findings
from .findings import LEVELS, Finding, error, info, look, verdict
from .generators import generator_findings
from .report_pdf import report_findings
from .run import MAX_RUN_TIMEOUT, RUN_TIMEOUT, WARNING, run_findings
from .source import import_findings, parse

__all__ = [
    "MAX_RUN_TIMEOUT",
    "RUN_TIMEOUT",
    "WARNING",
    "Result",
    "check_zip",
    "format_result",
    "submissions",
    "write_csv",
]

CODE_SUFFIXES = (".py", ".ipynb")
# Besides pack's junk (caches, virtualenvs, runs/, build output): what editors and
# archivers leave behind.
STRAY = frozenset({"__MACOSX", ".DS_Store", ".ipynb_checkpoints", ".idea", ".vscode", "Thumbs.db"})
DATA_SUFFIXES = (".npy", ".npz", ".pkl", ".pickle", ".pt", ".pth", ".h5", ".csv", ".mat", ".bin")
DATA_DUMP_BYTES = 2**20  # a data file this large is a dump, not a fixture
# pack's junk suffixes but .zip: a zip inside is a nested archive, named apart
CACHE_SUFFIXES = tuple(x for x in JUNK_SUFFIXES if x != ".zip")
CSV_COLUMNS = (
    "zip",
    "verdict",
    "errors",
    "looks",
    "name_ok",
    "report_pages",
    "report_missing",
    "forbidden",
    "forbidden_not_run",
    "other_imports",
    "generators",
    "accuracy",
    "details",
)


@dataclass
class Result:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return verdict(self.findings)


def _stray(members: list[Member], venvs: tuple[str, ...]) -> list[Finding]:
    """Caches, virtualenvs (``_venvs``) and editor leftovers (grouped by folder) and
    large data files."""
    groups: dict[str, list[int]] = {}
    for m in members:
        parts = m.name.split("/")
        hit = next(
            (
                i
                for i, p in enumerate(parts)
                if p in JUNK_DIRS or p in STRAY or p.endswith(CACHE_SUFFIXES)
            ),
            None,
        )
        venv = next((v for v in venvs if m.name.startswith(v)), None)
        if venv is not None:
            key = venv
        elif hit is not None:
            key = "/".join(parts[: hit + 1]) + ("/" if hit < len(parts) - 1 else "")
        elif m.name.lower().endswith(DATA_SUFFIXES) and m.size >= DATA_DUMP_BYTES:
            key = m.name
        else:
            continue
        groups.setdefault(key, []).append(m.size)
    return [
        look("contents", f"stray {k} ({plural(len(v), 'file', sep='')}, {_size(sum(v))})")
        for k, v in sorted(groups.items())
    ]


def _venvs(members: list[Member]) -> tuple[str, ...]:
    """The folders (``'x/.venv/'``) of the virtualenvs in the zip, found by ``pyvenv.cfg``."""
    return tuple(
        m.name.removesuffix("pyvenv.cfg") for m in members if m.name.endswith("/pyvenv.cfg")
    )


def _size(n: int) -> str:
    return (
        f"{n:,} B" if n < 10_000 else f"{n / 1000:,.0f} kB" if n < 10**7 else f"{n / 1e6:,.0f} MB"
    )


def _report(zf: zipfile.ZipFile, members: list[Member]) -> tuple[list[Finding], dict]:
    """report.pdf: at the top or in the one top folder, a PDF by pack's rule, then read."""
    shallow = [m for m in members if m.name.count("/") <= 1 and not m.name.startswith("__MACOSX/")]
    exact = [m for m in shallow if PurePosixPath(m.name).name == "report.pdf"]
    cased = [m for m in shallow if PurePosixPath(m.name).name.lower() == "report.pdf"]
    if not exact and cased:
        exact = cased
        first = [look("contents", f"{cased[0].name!r}: the handout names it report.pdf")]
    else:
        first = []
    if not exact:
        pdfs = [m.name for m in members if m.name.lower().endswith(".pdf")]
        also = f" (PDFs found: {', '.join(pdfs[:3])})" if pdfs else ""
        return [error("contents", f"no report.pdf at the top of the zip{also}")], {}
    m = exact[0]
    try:
        data = archive.read(zf, m)
    except archive.UnreadableError as e:
        return [*first, error("contents", str(e))], {}
    if not data.startswith(PDF_MAGIC):
        return [*first, error("contents", f"{m.name} is not a PDF (starts {data[:8]!r})")], {}
    found, facts = report_findings(data)
    return [*first, info("contents", f"{m.name} ({_size(m.size)})"), *found], facts


def _top_folder(members: list[Member]) -> str:
    """``'top/'`` when every file but report.pdf is in one folder ``top``, else ``''``."""
    tops = {m.name.partition("/")[0] + "/" for m in members if "/" in m.name}
    tops.discard("__MACOSX/")
    rest = [m for m in members if "/" not in m.name and m.name != "report.pdf"]
    return tops.pop() if len(tops) == 1 and not rest else ""


def check_zip(path: Path, *, run: bool = False, timeout: float = RUN_TIMEOUT) -> Result:
    """Every check of one submission; never raises on what the file holds."""
    try:
        return _check_zip(Path(path), run, timeout)
    except Exception as e:  # one bad zip (or a bug here) must not stop a folder's run
        why = type(e).__name__ + (f": {str(e)[:120]}" if str(e) else "")
        return Result(Path(path), [look("contents", f"the checker failed ({why}); check by hand")])


def _check_zip(path: Path, run: bool, timeout: float) -> Result:
    result = Result(path, name_findings(path.name))
    result.facts["name_ok"] = not any(f.level == "error" for f in result.findings)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        why = archive.not_a_zip(path) if isinstance(e, zipfile.BadZipFile) else str(e)
        result.findings.append(error("contents", f"cannot be opened: {why}"))
        return result
    with zf:
        members, found = archive.members(zf)
        result.findings += found
        if not members and any(f.level == "error" for f in found):
            return result  # nothing was read: no claim about what the zip holds
        venvs = _venvs(members)
        code_members = [  # not the caches' or a virtualenv's copies: listed as stray
            m
            for m in members
            if m.name.endswith(CODE_SUFFIXES)
            and not set(m.name.split("/")) & (JUNK_DIRS | STRAY | {"site-packages"})
            and not (venvs and m.name.startswith(venvs))
        ]
        if not code_members:
            result.findings.append(error("contents", "no source code (.py or .ipynb)"))
        wanted = [*code_members, *(m for m in members if m.name.endswith("pyproject.toml"))]
        prefix = _top_folder(members)
        texts = {}
        for m in wanted:
            try:
                texts[m.name[len(prefix) :]] = archive.read(zf, m)
            except archive.UnreadableError as e:
                result.findings.append(error("contents", str(e)))
        code = parse(texts, prefix)
        n = len(code_members)
        result.findings.append(info("contents", plural(n, "source file", sep="")))
        result.findings += _stray(members, venvs)
        report, facts = _report(zf, members)
        result.findings += report
        result.facts |= {"report_" + k: v for k, v in facts.items()}
        imports, mods = import_findings(code)
        result.findings += imports
        result.facts |= mods
        gens, result.facts["generators"] = generator_findings(code)
        result.findings += gens
        if run:
            ran, result.facts["accuracy"] = run_findings(zf, members, code, timeout)
            result.findings += ran
    return result


def submissions(paths: list[Path]) -> list[Path]:
    """The files to check: each file named, and each folder's archives (not recursive)."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(
                q
                for q in p.iterdir()
                if not q.name.startswith(".") and q.name.lower().endswith(archive.ARCHIVES)
            )
            if not found:
                raise ValueError(f"{p} holds no .zip (or other archive) files")
            out += found
        elif p.exists() or p.is_symlink():
            out.append(p)
        else:
            raise ValueError(f"{p} does not exist")
    odd = next((q for q in out if not q.is_file()), None)
    if odd is not None:  # a folder or a pipe named like a zip: never opened (a pipe blocks)
        raise ValueError(f"{odd} is not a file (a folder, a pipe or a broken link)")
    return out


def format_result(result: Result, *, notes: bool = True) -> str:
    """``NAME: verdict`` and, below it, the findings, errors and looks first (the
    ``info`` ones only if ``notes``)."""
    listed = [f for f in result.findings if notes or f.level != "info"]
    lines = [f"  {f}" for f in sorted(listed, key=lambda f: LEVELS.index(f.level))]
    return "\n".join([f"{shown(result.path.name, 200)}: {result.verdict}", *lines])


def write_csv(results: list[Result], path: Path) -> None:
    """One row per zip with CSV_COLUMNS, for a TA to sort and grade; ``details`` holds
    the first line of each error and look."""
    with files.replacing(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in results:
            f = r.facts
            count = lambda lv, r=r: sum(x.level == lv for x in r.findings)  # noqa: E731
            w.writerow(
                [
                    r.path.name,
                    r.verdict,
                    count("error"),
                    count("look"),
                    f.get("name_ok", ""),
                    f.get("report_pages", ""),
                    f.get("report_missing", ""),
                    " ".join(f.get("forbidden", [])),
                    " ".join(f.get("forbidden_unused", [])),
                    " ".join(f.get("other", [])),
                    f.get("generators", ""),
                    f.get("accuracy", ""),
                    " | ".join(  # first lines only: a row stays one line (diffs: the printout)
                        f"{x.part}: {x.text.splitlines()[0]}"
                        for x in r.findings
                        if x.level != "info"
                    ),
                ]
            )
