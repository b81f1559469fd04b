"""The speed sections: single model, stack, convergence, end to end.

Each section returns ``(rows, targets)``: table rows (dicts, printed and written to
RESULTS.md) and the issue's targets as ``(what, measured, goal, met)``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial

import numpy as np

import backprop as bp
from backprop.lab.config import build, build_model, seed_rngs
from backprop.lab.data import load

from . import lean, peers
from .convergence import convergence
from .timing import interleaved, one_core, ratio_quartiles, rounds_of

HANDOUT_4 = bp.HANDOUT.replace(hidden=(4, 4), lr=1.0)  # the 2-4-4-1 network
NETWORKS = {"handout 2-4-4-1": HANDOUT_4, "handout preset": bp.HANDOUT, "default": bp.DEFAULT}


def _name(config: bp.Config) -> str:
    return "-".join(map(str, (2, *config.hidden, 1)))


def _fit_seconds(config: bp.Config, X, y, epochs: int, models: int | None = None) -> float:
    seeds = range(models or 1)
    rng = seed_rngs(list(seeds)) if models else np.random.default_rng(0)
    run = build(config.replace(epochs=epochs), models=models, rng=rng)
    start = time.perf_counter()
    run.fit(X, y)
    return time.perf_counter() - start


def _start(config: bp.Config, dtype: str = "float64"):
    """Seed 0's weights and biases, as backprop draws them."""
    model = build_model(config.replace(dtype=dtype), rng=np.random.default_rng(0))
    named = list(model.named_parameters())
    ws = [p.data.copy() for n, p in named if n.endswith("weight")]
    return ws, [p.data.copy() for n, p in named if n.endswith("bias")] or None


def _lean_seconds(config: bp.Config, X, y, epochs: int, dtype: str = "float64") -> float:
    ws, bs = _start(config, dtype)
    start = time.perf_counter()
    if config.bias:
        lean.default(X, y, ws, bs, config.lr, epochs)
    else:
        lean.handout(X, y, ws, config.lr, epochs)
    return time.perf_counter() - start


def single(rounds: int, epochs: int) -> tuple[list[dict], list[tuple]]:
    """Epochs/s of one model on the linear data (N = 100): fit, the lean floor, peers,
    pinned to one core; fit ÷ lean is the median of each round's ratio."""
    X, y = load("linear", 0)
    rows, targets = [], []
    slow = max(10, epochs // 10)  # the peers are ~10-30× slower: fewer epochs, same rate
    for label, c in NETWORKS.items():
        ws, bs = _start(c)
        torch_args = (ws, bs, c.activation, c.output, c.loss, c.optimizer, c.lr, X, y, slow)
        sk_args = (c.hidden, c.activation, c.optimizer, c.lr, X, y, slow)
        runs = {
            "backprop": (epochs, partial(_fit_seconds, c, X, y, epochs)),
            "lean": (epochs, partial(_lean_seconds, c, X, y, epochs)),
            "torch": (slow, partial(peers.torch_seconds, *torch_args, c.normalize)),
            "sklearn": (slow, partial(peers.sklearn_seconds, *sk_args)),
        }
        with one_core():
            times = rounds_of({k: f for k, (_, f) in runs.items()}, rounds)
        rate = {k: runs[k][0] / statistics.median(t) for k, t in times.items()}
        q1, mid, q3 = ratio_quartiles(times, "backprop", "lean")
        row = {
            "network": f"{label} ({_name(c)} {c.activation}, {c.loss}, {c.optimizer})",
            "backprop epochs/s": rate["backprop"],
            "lean epochs/s": rate["lean"],
            "backprop time ÷ lean": mid,
            "÷ lean, quartiles of the rounds": f"{q1:.2f}–{q3:.2f}",
        }
        for peer in ("torch", "sklearn"):
            if peer in rate:
                row[f"{peer} epochs/s"] = rate[peer]
                row[f"backprop ÷ {peer}"] = rate["backprop"] / rate[peer]
            else:
                row[f"{peer} epochs/s"] = f"skipped ({peer} not installed)"
        rows.append(row)
        if label != "handout preset":
            r = row["backprop time ÷ lean"]
            targets.append((f"single {label}: fit time ÷ lean", r, "≤ 1.1", r <= 1.1))
            if "torch" in rate:
                s = row["backprop ÷ torch"]
                targets.append((f"single {label}: speed ÷ torch", s, "≥ 15", s >= 15))
    return rows, targets


STACK_EPOCHS = {1: 3000, 10: 1000, 100: 300, 1000: 60}


def stack(rounds: int, scale: float, sizes=(1, 10, 100, 1000)) -> tuple[list[dict], list]:
    """Model-epochs/s of K stacked models against K sequential lean runs, per dtype.

    Model ``k`` trains on the linear data of seed ``k``, as ``benchmarks.convergence``
    does. The lean runs are timed on up to 3 of the K datasets: K sequential runs
    take K times one run.
    """
    rows, targets = [], []
    data = [load("linear", s) for s in range(max(sizes))]
    for config, label in ((HANDOUT_4, "handout"), (bp.DEFAULT, "default")):
        for dtype in ("float64", "float32"):
            c = config.replace(dtype=dtype)
            for k in sizes if config is HANDOUT_4 else sizes[-1:]:
                X, y = (np.stack(a) for a in zip(*data[:k]))
                epochs = max(5, int(STACK_EPOCHS[k] * scale))
                lean_epochs = max(50, int(1000 * scale))
                few = data[: min(k, 3)]

                def lean_run(few=few, c=c, lean_epochs=lean_epochs):
                    return sum(_lean_seconds(c, Xi, yi, lean_epochs, c.dtype) for Xi, yi in few)

                med = interleaved(
                    {
                        "stack": lambda c=c, X=X, y=y, k=k, e=epochs: _fit_seconds(c, X, y, e, k),
                        "lean": lean_run,
                    },
                    rounds,
                )
                fast, slow = k * epochs / med["stack"], len(few) * lean_epochs / med["lean"]
                rows.append(
                    {
                        "network": f"{label} {_name(c)}",
                        "dtype": dtype,
                        "K": k,
                        "stack model-epochs/s": fast,
                        "sequential lean model-epochs/s": slow,
                        "stack ÷ sequential": fast / slow,
                    }
                )
                if config is HANDOUT_4 and k == 1000:
                    goal = 6 if dtype == "float64" else 12
                    what = f"stack K=1000 {dtype}: ÷ sequential lean"
                    targets.append((what, fast / slow, f"≥ {goal}", fast / slow >= goal))
    return rows, targets


def converge(seeds: int, handout_seeds: int) -> tuple[list[dict], list]:
    """Epochs to 100 % over seeds 0, 1, …, default and --handout presets, both datasets
    (the handout's 10 000 epochs make its seeds 25× dearer)."""
    rows = []
    for preset, config in (("default", bp.DEFAULT), ("handout", bp.HANDOUT)):
        seeds = handout_seeds if preset == "handout" else seeds
        for data in ("linear", "xor"):
            r = convergence(config, data, list(range(seeds)))
            rows.append(
                {
                    "preset": preset,
                    "dataset": data,
                    "seeds at 100 %": f"{r['at_100_after_training']} / {seeds}",
                    "median epochs to 100 %": r["median_epochs_to_100"],
                    "99th pct": r["p99_epochs_to_100"],
                    "max": r["max_epochs_to_100"],
                    "seconds": r["seconds"],
                }
            )
    return rows, []


def _wall(args: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "backprop", *args],
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    return time.perf_counter() - start


def end_to_end(rounds: int) -> tuple[list[dict], list]:
    """Wall time of ``backprop lab`` and, if the command exists, ``backprop report``
    from an empty cache (a fresh working directory), each in a new process."""
    rows, targets = [], []
    has_report = (
        subprocess.run(
            [sys.executable, "-m", "backprop", "report", "--help"], capture_output=True
        ).returncode
        == 0
    )
    commands = {"backprop lab": (["lab", "--out", "lab"], 2.0)}
    if has_report:
        commands["backprop report"] = (["report"], 60.0)
    for name, (args, goal) in commands.items():

        def run(args=args):
            with tempfile.TemporaryDirectory() as tmp:
                return _wall(args, tmp)

        t = interleaved({name: run}, rounds)[name]
        rows.append({"command": name, "wall seconds": t, "target": f"< {goal:g} s"})
        targets.append((f"{name} wall seconds", t, f"< {goal:g}", t < goal))
    if not has_report:
        rows.append({"command": "backprop report", "wall seconds": "skipped: no such command yet"})
    return rows, targets
