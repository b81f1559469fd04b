"""A sweep's files: ``results.csv`` (one ``RunOutcome`` per row), ``curves.npz`` (the
curves' statistics across seeds) and ``summary.json`` (``Result.summary``, with the
experiment's key, written last); ``load_cached`` reads them back while the key still
matches."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .results import FIELDS, Result, RunOutcome
from .spec import Experiment


def save(result: Result, folder: Path) -> None:
    """Write the three files, each under a temporary name and then renamed, so a reader
    (or an interrupt) never meets half a file; ``summary.json``, which holds the key
    ``load_cached`` checks, is removed first and written last: an entry is complete
    exactly when it has one."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").unlink(missing_ok=True)
    with _replacing(folder / "results.csv") as tmp, tmp.open("w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(asdict(r) for r in result.runs)
    labels = [s.label for s in result.experiment.settings]
    arrays = {
        f"{labels.index(label)}|{data}|{k}": v
        for (label, data), c in result.curves.items()
        for k, v in c.items()
    }
    with _replacing(folder / "curves.npz") as tmp:
        _savez(tmp, arrays)
    with _replacing(folder / "summary.json") as tmp:
        tmp.write_text(json.dumps(result.summary(), indent=1) + "\n")


def _savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with every member dated 1980-01-01 instead of now, so the
    same arrays are the same bytes (the date is all that differs)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy")
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(array), allow_pickle=False)


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed to it (``os.replace``, atomic) if the
    block ends normally and removed if not."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_cached(exp: Experiment, folder: Path) -> Result | None:
    """The saved result of ``exp`` in ``folder`` if its key matches, else None; its
    statistics are recomputed from ``results.csv`` (the same code, by the key)."""
    try:
        summary = json.loads((folder / "summary.json").read_text())
        if summary.get("key") != exp.key():
            return None
        with (folder / "results.csv").open(newline="") as f:
            runs = [RunOutcome.from_csv(r) for r in csv.DictReader(f)]
        curves: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        with np.load(folder / "curves.npz") as z:
            for name in z.files:
                i, data, k = name.split("|")
                curves.setdefault((exp.settings[int(i)].label, data), {})[k] = z[name]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return Result(exp, runs, curves, summary.get("seconds", 0.0), cached=True)
