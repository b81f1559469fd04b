"""What ``build`` computed besides the experiments (the lab runs' printouts, the figures),
kept in ``<out>/.report-cache.json`` under a key of everything it depends on, so that a
second ``backprop report`` with nothing changed only writes and typesets the text.

The key holds the package's whole source (report included: a figure's code changes its
figure), the NumPy, matplotlib and Typst versions, and the build's arguments.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import matplotlib
import numpy as np
import typst

from .. import __version__
from ..files import write_text

FILE = ".report-cache.json"


def key(**inputs) -> str:
    """SHA-256 of ``inputs`` (JSON), the package's source and the libraries' versions."""
    digest = hashlib.sha256()
    root = Path(__file__).parents[1]
    for path in sorted(root.rglob("*.py")):
        digest.update(path.read_bytes())
    versions = [__version__, np.__version__, matplotlib.__version__, typst.__version__]
    digest.update(json.dumps([versions, inputs], sort_keys=True, default=str).encode())
    return digest.hexdigest()


def load(out: Path, k: str) -> dict | None:
    """The saved outputs if their key is ``k`` and every file they name still exists."""
    path = Path(out) / FILE
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if saved.get("key") != k or not all((Path(out) / f).is_file() for f in saved["files"]):
        return None
    return saved["data"]


def save(out: Path, k: str, data: dict, files: list[Path]) -> None:
    """Keep ``data`` (JSON) under ``k``; ``files`` (in ``out``) must exist for it to hold."""
    out = Path(out)
    names = [Path(f).resolve().relative_to(out.resolve()).as_posix() for f in files]
    write_text(out / FILE, json.dumps({"key": k, "files": names, "data": data}))
