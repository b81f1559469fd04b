"""The lab run, which the CLI and the report both call.

``train_dataset`` trains a config on one of the handout's datasets, prints the handout's test
output, writes figures, ``history.json`` and ``model.npz``, and returns the test loss and
accuracy; ``lab`` does it for every dataset under a ``== <dataset> ==`` header.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ..nn.activations import Sigmoid
from ..nn.module import Sequential
from ..train import saturation, test
from . import plot
from .config import Config, build, save_model
from .data import DATASETS, load, split

Split = tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]


def dataset(
    config: Config,
    data: str,
    data_seed: int,
    points: tuple[np.ndarray, np.ndarray] | None = None,
    **data_args,
) -> Split:
    """``(X, y, test)``: the training points (``points`` if given, else ``data.load``'s
    with ``data_args``) and the held-out ``(X_test, y_test)`` (None when
    ``config.test_fraction`` is 0), split with ``np.random.default_rng(data_seed)``.
    ``ValueError`` if the split leaves a part too small."""
    X, y = load(data, data_seed, **data_args) if points is None else points
    if not config.test_fraction:
        return X, y, None
    X, y, X_test, y_test = split(X, y, config.test_fraction, np.random.default_rng(data_seed))
    return X, y, (X_test, y_test)


def train_dataset(
    config: Config,
    data: str,
    seed: int,
    out: Path,
    log_every: int | None,
    points: tuple[np.ndarray, np.ndarray] | None = None,
    schedule_epochs: int | None = None,
    **data_args,
) -> tuple[float, float]:
    """Train, test and write figures, ``history.json`` and ``model.npz`` to ``out``.

    ``data_args`` go to ``data.load`` (``n``, ``noise``); ``data_seed`` seeds the data,
    the test split and the batches' order instead of ``seed`` (which seeds the weights);
    ``points``, ``(X, y)`` already read from the CSV ``data``, are used as they are (the
    file is read once). With a test set, the handout's test lines are printed for both
    parts, training first. ``schedule_epochs`` is the cosine's length (``build``)."""
    data_seed = data_args.pop("data_seed", seed)
    X, y, held_out = dataset(config, data, data_seed, points=points, **data_args)
    log_every = log_every or max(1, config.epochs // 10)
    rng = np.random.default_rng(seed)
    run = build(config, rng=rng, shuffle=data_seed, schedule_epochs=schedule_epochs)
    history = run.fit(X, y, log_every=log_every, test=held_out)
    model, loss = run.model, run.loss
    if held_out is not None:
        print(f"training set ({len(y)} points):")
    value, acc = test(model, X, y, loss)
    if held_out is not None:
        print(f"test set ({len(held_out[1])} points, held out):")
        test(model, *held_out, loss)
    prob = Sequential(model, Sigmoid()) if loss.takes_logits else model
    with np.errstate(all="ignore"):
        p = prob.forward(X)
    warning = saturation(history, p, config.lr)
    if warning:
        print(f"backprop: warning: {warning}", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    history.config = {**config.to_dict(), "data": data, "seed": seed}
    if schedule_epochs:
        history.config["schedule_epochs"] = schedule_epochs
    history.save(out / "history.json")
    save_model(model, config, out / "model.npz")
    name = f"{data} (seed {seed})"
    plot.comparison(X, y, p, out / "comparison.png", title=name)
    plot.learning_curve(history, out / "learning_curve.png", title=name)
    plot.decision_boundary(
        prob,
        X,
        y,
        out / "decision_boundary.png",
        title=f"Decision boundary: {name}",
        resolution=80 if config.model == "cnn" else 200,  # a CNN forward costs ~1 ms / 100 points
        test=held_out,
    )
    return value, acc


def lab(
    config: Config, out: Path, seed: int, log_every: int | None = None
) -> dict[str, tuple[float, float]]:
    """``backprop lab``: ``train_dataset`` on each dataset into ``out/<dataset>``.

    Returns each dataset's test loss and accuracy."""
    results = {}
    for data in DATASETS:
        print(f"== {data} ==  {config}")
        results[data] = train_dataset(config, data, seed, out / data, log_every)
    return results
