"""The parallel section: ``backprop report`` from an empty cache at ``--jobs 1`` and
``--jobs N``, and a stack's model-epochs/s at ``workers=1`` and ``workers=N``.

N is the usable cores (2 on the machine of issue 11). The contenders of a row run in
turn, round after round, so a busy moment of the machine hits both; every ratio
compares medians of the same rounds.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import backprop as bp
from backprop.experiments import usable_cores
from backprop.lab.data import load

from .suite import HANDOUT_4, _fit_seconds, _name, _wall
from .timing import interleaved

STACK_EPOCHS = {100: 600, 1000: 100}


def _report(jobs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return _wall(["report", "--jobs", str(jobs), "--quiet"], tmp)


def parallel(rounds: int, scale: float, report_rounds: int) -> tuple[list[dict], list[tuple]]:
    """Rows and targets: the report's wall time, then the stacks (linear data of seed k
    for model k, as the stack section)."""
    n = max(2, usable_cores())
    rows, targets = [], []
    if report_rounds:
        med = interleaved({j: lambda j=j: _report(j) for j in (1, n)}, report_rounds)
        ratio = med[n] / med[1]
        rows.append(
            {
                "what": "backprop report, empty cache (wall s)",
                "1": med[1],
                "N": med[n],
                "N ÷ 1": ratio,
                "load": _load(),
            }
        )
        targets.append((f"report --jobs {n} ÷ --jobs 1 (wall)", ratio, "≤ 0.55", ratio <= 0.55))
        targets.append((f"report --jobs {n} wall seconds", med[n], "< 60", med[n] < 60))
    data = [load("linear", s) for s in range(max(STACK_EPOCHS))]
    for config, label in ((HANDOUT_4, "handout"), (bp.DEFAULT, "default")):
        for dtype in ("float64", "float32"):
            for k, epochs in STACK_EPOCHS.items():
                c = config.replace(dtype=dtype)
                X, y = (np.stack(a) for a in zip(*data[:k]))
                e = max(10, int(epochs * scale))
                med = interleaved(
                    {
                        w: lambda w=w, c=c, X=X, y=y, k=k, e=e: _fit_seconds(
                            c.replace(workers=w), X, y, e, k
                        )
                        for w in (1, n)
                    },
                    rounds,
                )
                speed = {w: k * e / t for w, t in med.items()}
                ratio = speed[n] / speed[1]
                rows.append(
                    {
                        "what": f"stack {label} {_name(c)} {dtype} K={k} (model-epochs/s)",
                        "1": speed[1],
                        "N": speed[n],
                        "N ÷ 1": ratio,
                        "load": _load(),
                    }
                )
                if k == 1000:
                    what = f"stack K=1000 {_name(c)} {dtype}: workers={n} ÷ workers=1"
                    targets.append((what, ratio, "≥ 1.7", ratio >= 1.7))
    return rows, targets


def _load() -> str:
    """The 1-minute load average as the row finished (other processes on the machine)."""
    return f"{os.getloadavg()[0]:.2f}"
