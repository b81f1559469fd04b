"""The submission zip the handout asks for: ``DL_LAB1_<studentID>_<name>.zip``.

Layout (for ``pack("313551157", "陳敬中", ...)``)::

    DL_LAB1_313551157_陳敬中.zip
    ├── report.pdf                      the report, where a grader looks first
    └── DL_LAB1_313551157_陳敬中/        the source, a project root of its own
        ├── pyproject.toml  README.md  LICENSE  .ci/run
        ├── docs/**.png                 the README's figures
        ├── src/backprop/**.py
        ├── tests/**.py
        └── benchmarks/**.py

Why it is laid out so: ``docs/architecture.md``.
"""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
import zipfile
from functools import cache
from pathlib import Path

from ..checks import shown
from ..files import replacing

# Relative POSIX paths that go into the zip: these files, and .py files under these folders.
SOURCE_FILES = frozenset(
    {"README.md", "pyproject.toml", "LICENSE", "LICENSE.md", "LICENSE.txt", ".ci/run"}
)
SOURCE_DIRS = ("src/backprop/", "tests/", "benchmarks/")
# Besides Python: the playground's page, the report's Typst styles (read on import, so
# without them the zipped CLI does not start) and the tests' recorded fixtures.
SOURCE_SUFFIXES = (".py", ".html", ".js", ".css", ".typ", ".npz")
# The README's figures, so that it reads the same inside the zip.
DOC_FILES = ("docs/", ".png")
# Path components never shipped, wherever they occur.
JUNK_DIRS = frozenset(
    {
        ".git",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".mypy_cache",
        ".hypothesis",
        ".venv",
        "venv",
        ".tox",
        "runs",
        "build",
        "dist",
    }
)
JUNK_SUFFIXES = (".egg-info", ".pyc", ".pyo", ".zip")
# Characters Windows refuses in file names (controls are checked separately).
WINDOWS_FORBIDDEN = '<>:"/\\|?*'
PDF_MAGIC = b"%PDF-"  # what makes a file a PDF, for pack and for backprop check


def zip_name(student_id: str, name: str) -> str:
    """``DL_LAB1_<student_id>_<name>.zip``, after checking both (``ValueError`` if bad);
    ``name`` NFC-normalised, so a name typed on macOS (NFD) gives the same file name."""
    if not re.fullmatch(r"[0-9]+", student_id):
        raise ValueError(
            f"student ID must be ASCII digits only, e.g. 313551157; got {student_id!r}"
        )
    name = unicodedata.normalize("NFC", name)
    if not name:
        raise ValueError("name must not be empty; pass your name as on the class roster")
    if name != name.strip():
        raise ValueError(f"name {name!r} has leading or trailing whitespace; remove it")
    if name.endswith("."):
        raise ValueError(f"name {name!r} ends with '.', which Windows drops; remove it")
    bad = sorted({c for c in name if c in WINDOWS_FORBIDDEN or unicodedata.category(c) == "Cc"})
    if bad:
        raise ValueError(
            f"name {name!r} contains {', '.join(map(repr, bad))}; file names may not hold "
            f"{' '.join(WINDOWS_FORBIDDEN)} or control characters, so leave them out"
        )
    return f"DL_LAB1_{student_id}_{name}.zip"


def _is_junk(part: str) -> bool:
    return part in JUNK_DIRS or part.endswith(JUNK_SUFFIXES)


def _wanted(rel: str) -> bool:
    if any(_is_junk(part) for part in rel.split("/")):
        return False
    return (
        rel in SOURCE_FILES
        or (rel.endswith(SOURCE_SUFFIXES) and rel.startswith(SOURCE_DIRS))
        or (rel.startswith(DOC_FILES[0]) and rel.endswith(DOC_FILES[1]))
    )


def _git_files(root: Path) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files under ``root``, or None without git."""
    cmd = ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    try:
        out = subprocess.run(cmd, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def _walked_files(root: Path) -> list[str]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not _is_junk(d)]
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        files.extend(prefix + f for f in filenames)
    return files


def source_files(root: Path) -> list[str]:
    """Sorted relative POSIX paths of the source files under ``root`` that go into the zip:
    git's list (tracked and new, minus ignored) in a checkout, else a walk of the tree;
    never caches, ``runs/``, build output, ``.git``, zips or a virtual environment."""
    root = Path(root)

    @cache
    def in_venv(rel_dir: str) -> bool:
        if not rel_dir:
            return False
        parent = rel_dir.rpartition("/")[0]
        return (root / rel_dir / "pyvenv.cfg").is_file() or in_venv(parent)

    candidates = _git_files(root)
    if candidates is None:
        candidates = _walked_files(root)
    return sorted(
        rel
        for rel in set(candidates)
        if _wanted(rel) and not in_venv(rel.rpartition("/")[0]) and (root / rel).is_file()
    )


def check_report(report: Path) -> None:
    """``ValueError`` unless ``report`` is a PDF file."""
    report = Path(report)
    if report.is_dir():
        raise ValueError(f"report {shown(report, 80)} is a folder; name its report.pdf")
    if not report.is_file():
        raise ValueError(
            f"report {shown(report, 80)} does not exist; build it first with `backprop report` "
            "(or pass --build-report to `backprop pack`)"
        )
    with report.open("rb") as fh:
        if fh.read(len(PDF_MAGIC)) != PDF_MAGIC:
            raise ValueError(
                f"report {shown(report, 80)} is not a PDF; rebuild it with `backprop report`"
            )


def check_target(
    student_id: str, name: str, *, root: Path, out_dir: Path | None = None, force: bool = False
) -> Path:
    """The zip's path, after checking everything but the report (``ValueError`` if bad):
    the names, ``root``'s ``pyproject.toml``, a writable ``out_dir``; an existing zip
    raises ``FileExistsError`` unless ``force``."""
    filename = zip_name(student_id, name)
    root = Path(root)
    out_dir = root if out_dir is None else Path(out_dir)
    if not (root / "pyproject.toml").is_file():
        raise ValueError(f"{root} has no pyproject.toml; pass the project's root folder")
    if not out_dir.is_dir():
        raise ValueError(f"output folder {out_dir} does not exist; create it or pick another")
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise ValueError(f"output folder {out_dir} is not writable; pick another")
    target = out_dir / filename
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists; pass --force to overwrite it")
    return target


def pack(
    student_id: str,
    name: str,
    *,
    root: Path,
    report: Path,
    out_dir: Path | None = None,
    force: bool = False,
) -> Path:
    """Write the submission zip into ``out_dir`` (default ``root``) and return its path;
    written to a temporary file and moved into place, so a failure leaves no partial zip.
    Bad arguments raise ``ValueError``, an existing zip ``FileExistsError`` unless ``force``."""
    target = check_target(student_id, name, root=root, out_dir=out_dir, force=force)
    check_report(report)
    root, report, out_dir, filename = Path(root), Path(report), target.parent, target.name
    top = filename.removesuffix(".zip")
    files = source_files(root)
    with (
        replacing(target) as tmp,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False) as zf,
    ):
        zf.write(report, "report.pdf")
        for rel in files:
            zf.write(root / rel, f"{top}/{rel}")
    return target
