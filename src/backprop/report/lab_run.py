"""``backprop lab`` run in-process for the report, and the excerpt of its printout the
report shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from ..lab import runner
from ..lab.config import PRESETS
from ..lab.data import DATASETS
from ..train import History
from .context import Lab, LabOutcome


def run_lab_dataset(
    folder: Path, seed: int, epochs: int | None, preset: str, data: str
) -> tuple[str, float, float]:
    """One dataset of ``backprop lab --preset preset`` (``runner.lab``'s loop body, so that
    the datasets can train in parallel): what it prints, its test loss and accuracy."""
    config = PRESETS[preset]
    config = config.replace(epochs=epochs).validate() if epochs else config
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print(f"== {data} ==  {config}")  # runner.lab's header
        value, acc = runner.train_dataset(config, data, seed, folder / data, None)
    return buf.getvalue(), value, acc


def lab_from(folder: Path, seed: int, preset: str, parts: dict[str, tuple]) -> Lab:
    """The ``Lab`` of ``run_lab_dataset``'s parts, in dataset order."""
    lab = Lab("".join(p[0] for p in parts.values()), folder, seed, preset=preset)
    for data, (_, value, acc) in parts.items():
        history = History.load(folder / data / "history.json")
        lab.outcome[data] = LabOutcome(
            loss=float(value),  # unrounded: Table 2 prints it as the lab does (.5f)
            accuracy=float(f"{acc * 100:.2f}") / 100,
            epochs_to_100=int(history.epochs_to_100),
            first_loss=float(history.loss[0]),
            peak_loss=float(history.loss.max()),
            peak_update=int(history.loss.argmax()),  # entry k: after k updates
            epochs=len(history.loss),
            curve=[float(v) for v in history.loss],  # entry k: after k updates
        )
        lab.history[data] = history
    return lab


def run_lab(folder: Path, seed: int = 0, epochs: int | None = None, preset: str = "default") -> Lab:
    """Run what ``backprop lab --preset preset --out folder --seed seed`` runs and keep
    what it prints."""
    parts = {d: run_lab_dataset(folder, seed, epochs, preset, d) for d in DATASETS}
    return lab_from(folder, seed, preset, parts)


def by_dataset(output: str) -> dict[str, list[str]]:
    """The lab's output split at its ``== <dataset> ==`` lines."""
    parts: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        m = re.match(r"== (\w+) ==", line)
        if m:
            current = m.group(1)
        if current:
            parts.setdefault(current, []).append(line)
    return parts


def _cut(lines: list[str], idx: list[int], head: int, tail: int, what: str) -> list[str]:
    """``lines`` without the entries ``idx[head:-tail]``, a '...' line in their place."""
    if len(idx) <= head + tail + 1:
        return lines
    gone = set(idx[head : len(idx) - tail])
    out = []
    for i, line in enumerate(lines):
        if i in gone:
            if i == idx[head]:
                out.append(f"... ({len(gone)} more {what})")
            continue
        out.append(line)
    return out


def terminal_excerpt(output: str, head: int = 3, tail: int = 3, loss: int = 2) -> list[str]:
    """Per dataset: the header, the first and last ``loss`` loss lines, the first ``head``
    and last ``tail`` predictions, and the accuracy; a '...' line marks each cut."""
    lines = []
    for part in by_dataset(output).values():
        part = [s.expandtabs(4) for s in part]
        epochs = [i for i, s in enumerate(part) if s.startswith("epoch ")]
        part = _cut(part, epochs, loss, loss, "loss lines")
        iters = [i for i, s in enumerate(part) if s.startswith("Iter")]
        lines += _cut(part, iters, head, tail, "predictions")
    return [s for s in lines if not s.startswith("figures, history.json")]
