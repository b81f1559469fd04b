"""A sweep's files: ``results.csv`` (one ``RunOutcome`` per row), ``curves.npz`` (the
curves' statistics across seeds) and ``summary.json`` (``Result.summary``, with the
experiment's key, written last); ``read`` checks every file and reads them back while
the key still matches, or raises ``DamagedError`` naming the file."""

from __future__ import annotations

import csv
import json
import zipfile
import zlib
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..files import locked, replacing
from .results import FIELDS, Result, RunOutcome
from .spec import Experiment


def save(result: Result, folder: Path) -> None:
    """Write the three files, each under a temporary name and then renamed, so a reader
    (or an interrupt) never meets half a file; ``summary.json``, which holds the key
    ``load_cached`` checks, is removed first and written last: an entry is complete
    exactly when it has one. The entry is locked meanwhile: runs sharing the cache (two
    ``backprop experiments``, a ``report``) save and read it one at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    with locked(folder, wait=True):
        _save(result, folder)


def _save(result: Result, folder: Path) -> None:
    (folder / "summary.json").unlink(missing_ok=True)
    with replacing(folder / "results.csv") as tmp, tmp.open("w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(asdict(r) for r in result.runs)
    labels = [s.label for s in result.experiment.settings]
    arrays = {
        f"{labels.index(label)}|{data}|{k}": v
        for (label, data), c in result.curves.items()
        for k, v in c.items()
    }
    with replacing(folder / "curves.npz") as tmp:
        _savez(tmp, arrays)
    with replacing(folder / "summary.json") as tmp:
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


class DamagedError(Exception):
    """A cache file that cannot be used: ``path`` and ``why`` (one short phrase)."""

    def __init__(self, path: Path, why: str):
        super().__init__(f"{path} is {why}")
        self.path, self.why = path, why


CURVE_KEYS = ("epoch", "loss_mean", "loss_min", "loss_max", "acc_mean", "acc_min", "acc_max")


def read(exp: Experiment, folder: Path) -> Result | None:
    """The saved result of ``exp`` in ``folder``; None if there is no entry or it is of
    another key (a cache miss). Every file must be exactly what ``save`` writes for
    ``exp`` (parsed, its keys, rows and shapes checked), else ``DamagedError`` names it; an
    entry without ``summary.json`` but with other files is partial, so damaged too."""
    if not folder.is_dir():
        return None
    with locked(folder, wait=True):  # not while another run saves it
        return _read(exp, folder)


def _read(exp: Experiment, folder: Path) -> Result | None:
    summary_path = folder / "summary.json"
    if not summary_path.exists():
        for name in ("results.csv", "curves.npz"):
            if (folder / name).exists():
                raise DamagedError(summary_path, "missing (a partial entry)")
        return None
    summary = _parse(summary_path, lambda: json.loads(summary_path.read_text()))
    if not isinstance(summary, dict) or "key" not in summary:
        raise DamagedError(summary_path, "damaged (no key)")
    if summary["key"] != exp.key():
        return None
    runs = _parse(folder / "results.csv", lambda: _read_runs(exp, folder / "results.csv"))
    curves = _parse(folder / "curves.npz", lambda: _read_curves(exp, folder / "curves.npz"))
    seconds = summary.get("seconds")
    if not isinstance(seconds, (int, float)):
        raise DamagedError(summary_path, "damaged (no seconds)")
    result = Result(exp, runs, curves, seconds, cached=True)
    if json.dumps(summary, sort_keys=True) != json.dumps(result.summary(), sort_keys=True):
        raise DamagedError(summary_path, "damaged (not the summary of results.csv)")
    return result


def load_cached(exp: Experiment, folder: Path) -> Result | None:
    """``read``, with a damaged entry as None."""
    try:
        return read(exp, folder)
    except DamagedError:
        return None


class _WrongError(Exception):
    """A file that parses but is not what ``save`` writes."""


def _parse(path: Path, reader):
    """``reader()``, any error of it raised as ``DamagedError(path, why)``."""
    try:
        return reader()
    except FileNotFoundError:
        raise DamagedError(path, "missing") from None
    except Exception as e:  # noqa: BLE001 - any parse error of a damaged file
        if path.exists() and path.stat().st_size == 0:
            why = "empty"
        elif isinstance(e, _WrongError):
            why = str(e)
        elif isinstance(e, (zipfile.BadZipFile, EOFError, zlib.error)):
            why = "truncated zip"
        else:
            why = {".json": "not JSON", ".csv": "bad rows", ".npz": "not a zip"}[path.suffix]
        raise DamagedError(path, f"damaged ({why})") from None


def _read_runs(exp: Experiment, path: Path) -> list[RunOutcome]:
    """``results.csv``: its header, then one row per setting, dataset and seed, in order."""
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != FIELDS:
            raise _WrongError("wrong columns")
        runs = [RunOutcome.from_csv(r) for r in reader]
    want = [
        (s.label, s.group, s.config.lr, d, seed)
        for s in exp.settings
        for d in exp.datasets
        for seed in sorted(exp.seeds_of(s))
    ]
    got = [(r.setting, r.group, r.lr, r.dataset, r.seed) for r in runs]
    if got != want:
        raise _WrongError(f"wrong rows, {len(got)} for {len(want)} runs")
    return runs


def _read_curves(exp: Experiment, path: Path) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """``curves.npz``: every curve of every setting and dataset, one point per
    ``curve_epochs``."""
    from .sweep import curve_epochs

    curves: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    with np.load(path, allow_pickle=False) as z:
        want = {
            f"{i}|{d}|{k}"
            for i in range(len(exp.settings))
            for d in exp.datasets
            for k in CURVE_KEYS
        }
        if set(z.files) != want:
            raise _WrongError(f"wrong arrays, {len(z.files)} for {len(want)}")
        for i, s in enumerate(exp.settings):
            epochs = curve_epochs(s.config.epochs) + 1
            for d in exp.datasets:
                curve = {k: z[f"{i}|{d}|{k}"] for k in CURVE_KEYS}
                if any(v.shape != epochs.shape for v in curve.values()):
                    raise _WrongError(f"wrong shape, {s.label!r} on {d}")
                if not np.array_equal(curve["epoch"], epochs):
                    raise _WrongError(f"wrong epochs, {s.label!r} on {d}")
                curves[s.label, d] = curve
    return curves
