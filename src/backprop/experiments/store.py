"""A sweep's files: ``results.csv`` (one ``RunOutcome`` per row), ``curves.npz`` (the
curves' statistics across seeds) and ``summary.json`` (``Result.summary``, with the
experiment's key); ``load_cached`` reads them back while the key still matches."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .results import FIELDS, Result, RunOutcome
from .spec import Experiment


def save(result: Result, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "results.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(asdict(r) for r in result.runs)
    labels = [s.label for s in result.experiment.settings]
    arrays = {
        f"{labels.index(label)}|{data}|{k}": v
        for (label, data), c in result.curves.items()
        for k, v in c.items()
    }
    np.savez_compressed(folder / "curves.npz", **arrays)
    (folder / "summary.json").write_text(json.dumps(result.summary(), indent=1) + "\n")


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
