"""Many settings × seeds trained as stacks.

An ``Experiment`` is a list of ``Setting``s (a label and the ``Config`` it trains)
run over ``seeds`` on each dataset. Settings whose configs differ only in ``lr``
train as **one** stacked computation: model ``k·S + j`` of the stack is setting
``k`` with ``seeds[j]`` (weights from ``default_rng(seeds[j])``, the linear data
drawn after ``np.random.seed(seeds[j])``; the XOR data are the same for every seed,
see ``seed_draws_data``; the learning rate per model), which
equals the separate run ``backprop train --seed seeds[j]``. The CNN has no stack
axis and trains one seed at a time.

``run`` trains an experiment (``spec.Experiment``) into a ``results.Result``, which
summarises it across seeds; ``store`` writes it to files and reads it back.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from ..lab.config import Config, Run, build, seed_rngs
from ..lab.data import load
from .results import Result, RunOutcome
from .spec import Experiment, Setting

CURVE_POINTS = 500  # epochs kept per curve in curves.npz


def _stacks(exp: Experiment) -> list[list[Setting]]:
    """Settings grouped into stacks: same config apart from ``lr``, same seeds."""
    stacks: dict[str, list[Setting]] = {}
    for i, s in enumerate(exp.settings):
        if s.config.model == "cnn":
            key = f"single {i}"
        else:
            key = json.dumps([s.config.replace(lr=1.0).to_dict(), exp.seeds_of(s)])
        stacks.setdefault(key, []).append(s)
    return list(stacks.values())


def _data(data: str, seeds: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``X, y`` shared by all seeds (``(N, 2)``, ``(N, 1)``), else one per seed ``(M, N, .)``."""
    Xs, ys = zip(*(load(data, s) for s in seeds))
    if all(np.array_equal(x, Xs[0]) for x in Xs):
        return Xs[0], ys[0]
    return np.stack(Xs), np.stack(ys)


def train_stack(
    configs: Sequence[Config],
    seeds: Sequence[int],
    data: str,
    tick: Callable[[int], None] = lambda epoch: None,
) -> dict[str, np.ndarray]:
    """Train ``configs`` (equal but for ``lr``) × ``seeds`` as one stack; ``tick(epoch)``
    after every epoch.

    Returns ``loss`` and ``accuracy`` ``(epochs, K·S)`` (before each update) and
    ``final_loss``, ``final_accuracy``, ``epochs_to_100`` ``(K·S,)`` after training;
    model ``k·S + j`` is ``configs[k]`` with ``seeds[j]``.
    """
    all_seeds = [s for _ in configs for s in seeds]
    X, y = _data(data, all_seeds)
    lr = np.repeat([c.lr for c in configs], len(seeds))
    run = build(configs[0], models=len(all_seeds), rng=seed_rngs(all_seeds), lr=lr)
    return _fit(run, X, y, tick)


def train_single(config: Config, seed: int, data: str, tick=lambda epoch: None) -> dict:
    """One model (e.g. the CNN), with the same outputs as ``train_stack`` for one model."""
    X, y = load(data, seed)
    out = _fit(build(config, rng=np.random.default_rng(seed)), X, y, tick)
    return {k: v.reshape(*v.shape, 1) if v.ndim == 1 else np.atleast_1d(v) for k, v in out.items()}


def _fit(run: Run, X, y, tick: Callable[[int], None]) -> dict[str, np.ndarray]:
    """``run.fit``, one diverging model not stopping the others, as arrays."""
    history = run.fit(X, y, on_nonfinite="continue", callback=lambda epoch, _: tick(epoch))
    return {
        "loss": history.loss,
        "accuracy": history.accuracy,
        "final_loss": np.asarray(history.final_loss, dtype=float),
        "final_accuracy": np.asarray(history.final_accuracy, dtype=float),
        "epochs_to_100": np.asarray(history.epochs_to_100),
    }


def _curve_stats(loss: np.ndarray, acc: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, min and max across seeds (axis 1) at up to ``CURVE_POINTS`` epochs."""
    idx = np.unique(np.linspace(0, len(loss) - 1, CURVE_POINTS).round().astype(int))
    loss, acc = loss[idx], acc[idx]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices of diverged runs
        return {
            "epoch": idx + 1,
            "loss_mean": np.nanmean(loss, axis=1),
            "loss_min": np.nanmin(loss, axis=1),
            "loss_max": np.nanmax(loss, axis=1),
            "acc_mean": acc.mean(axis=1),
            "acc_min": acc.min(axis=1),
            "acc_max": acc.max(axis=1),
        }


class Progress:
    """One ``\\r``-updated line on stderr: ``[lr] linear 3/5 stacks, epoch 200/400, 2.1 s``."""

    def __init__(self, name: str, enabled: bool = True, stream=None) -> None:
        self.name, self.enabled = name, enabled
        self.stream = sys.stderr if stream is None else stream
        self.start = self.last = time.perf_counter()
        self.width = 0

    def show(self, text: str, force: bool = False) -> None:
        now = time.perf_counter()
        if self.enabled and (force or now - self.last >= 0.2):
            self.last = now
            line = f"[{self.name}] {text}, {time.perf_counter() - self.start:.1f} s"
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
            self.stream.flush()

    def done(self, text: str) -> None:
        self.show(text, force=True)
        if self.enabled:
            self.stream.write("\n")


def _train(stack: list[Setting], seeds: Sequence[int], data: str, show) -> dict:
    """One stack, or the CNN seed by seed; ``show(text)`` reports progress."""
    cfg = stack[0].config
    if cfg.model != "cnn":
        return train_stack([s.config for s in stack], seeds, data, show)
    outs = []
    for j, seed in enumerate(seeds):
        note = f", seed {j + 1}/{len(seeds)}"
        outs.append(train_single(cfg, seed, data, lambda e, note=note: show(e, note)))
    return {k: np.concatenate([o[k] for o in outs], axis=-1) for k in outs[0]}


def run(exp: Experiment, progress: Progress | None = None) -> Result:
    """Train every setting of ``exp`` on every dataset; nothing is written."""
    progress = progress or Progress(exp.name, enabled=False)
    start = time.perf_counter()
    runs: list[RunOutcome] = []
    curves: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    stacks = _stacks(exp)
    for data in exp.datasets:
        for i, stack in enumerate(stacks, 1):
            seeds, epochs = exp.seeds_of(stack[0]), stack[0].config.epochs
            where = f"{data} {i}/{len(stacks)} stacks"

            def show(epoch, note="", where=where, epochs=epochs):
                progress.show(f"{where}{note}, epoch {epoch}/{epochs}")

            out = _train(stack, seeds, data, show)
            for k, s in enumerate(stack):
                part = slice(k * len(seeds), (k + 1) * len(seeds))
                curves[s.label, data] = _curve_stats(out["loss"][:, part], out["accuracy"][:, part])
                for j, seed in enumerate(seeds):
                    m = k * len(seeds) + j
                    runs.append(
                        RunOutcome(
                            s.label,
                            s.group,
                            s.config.lr,
                            data,
                            seed,
                            float(out["final_loss"][m]),
                            float(out["final_accuracy"][m]),
                            int(out["epochs_to_100"][m]),
                        )
                    )
    order = {s.label: i for i, s in enumerate(exp.settings)}
    runs.sort(key=lambda r: (order[r.setting], exp.datasets.index(r.dataset), r.seed))
    return Result(exp, runs, curves, seconds=time.perf_counter() - start)


def seed_draws_data(data: str) -> bool:
    """Whether the seed changes the data of ``data`` (linear: yes; XOR: no, the 21
    points are fixed and a seed changes only the initial weights)."""
    (x0, y0), (x1, y1) = load(data, 0), load(data, 1)
    return not (np.array_equal(x0, x1) and np.array_equal(y0, y1))
