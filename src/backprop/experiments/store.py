"""A sweep's files: ``results.csv`` (one row per setting, dataset and seed),
``curves.npz`` (the curves' statistics across seeds) and ``summary.json`` (with the
experiment's key); ``load_cached`` reads them back while the key still matches."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from .sweep import Experiment, Result

FIELDS = (
    "setting",
    "group",
    "lr",
    "dataset",
    "seed",
    "final_loss",
    "final_accuracy",
    "epochs_to_100",
)


def save(result: Result, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "results.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(result.rows)
    labels = [s.label for s in result.experiment.settings]
    arrays = {
        f"{labels.index(label)}|{data}|{k}": v
        for (label, data), c in result.curves.items()
        for k, v in c.items()
    }
    np.savez_compressed(folder / "curves.npz", **arrays)
    (folder / "summary.json").write_text(json.dumps(result.summary, indent=1) + "\n")


def load_cached(exp: Experiment, folder: Path) -> Result | None:
    """The saved result of ``exp`` in ``folder`` if its key matches, else None."""
    try:
        summary = json.loads((folder / "summary.json").read_text())
        if summary.get("key") != exp.key():
            return None
        with (folder / "results.csv").open(newline="") as f:
            rows = [
                {
                    **r,
                    "lr": float(r["lr"]),
                    "seed": int(r["seed"]),
                    "final_loss": float(r["final_loss"]),
                    "final_accuracy": float(r["final_accuracy"]),
                    "epochs_to_100": int(r["epochs_to_100"]),
                }
                for r in csv.DictReader(f)
            ]
        curves: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        with np.load(folder / "curves.npz") as z:
            for name in z.files:
                i, data, k = name.split("|")
                curves.setdefault((exp.settings[int(i)].label, data), {})[k] = z[name]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    return Result(exp, rows, curves, summary, summary.get("seconds", 0.0), cached=True)
