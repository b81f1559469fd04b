"""The parallel section: ``backprop report`` from an empty cache at ``--jobs 1`` and
``--jobs N`` (processes; threads inside one stack were measured and removed: docs/speed.md).

N is the usable cores (2 on the machine of issue 11). The contenders of a row run in
turn, round after round, so a busy moment of the machine hits both; every ratio
compares medians of the same rounds.
"""

from __future__ import annotations

import os
import tempfile

from backprop.experiments import usable_cores

from .suite import _wall
from .timing import interleaved


def _report(jobs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return _wall(["report", "--jobs", str(jobs), "--quiet"], tmp)


def parallel(report_rounds: int) -> tuple[list[dict], list[tuple]]:
    """Rows and targets: the report's wall time at each ``--jobs``."""
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
    return rows, targets


def _load() -> str:
    """The 1-minute load average as the row finished (other processes on the machine)."""
    return f"{os.getloadavg()[0]:.2f}"
