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
from .data import DATASETS, load


def train_dataset(
    config: Config,
    data: str,
    seed: int,
    out: Path,
    log_every: int | None,
    schedule_epochs: int | None = None,
    **data_args,
) -> tuple[float, float]:
    """Train, test and write figures, ``history.json`` and ``model.npz`` to ``out``.

    ``data_args`` go to ``data.load`` (``n``, ``noise``); ``data_seed`` seeds the data
    instead of ``seed``; ``schedule_epochs`` is the cosine's length (``build``)."""
    X, y = load(data, data_args.pop("data_seed", seed), **data_args)
    log_every = log_every or max(1, config.epochs // 10)
    run = build(config, rng=np.random.default_rng(seed), schedule_epochs=schedule_epochs)
    history = run.fit(X, y, log_every=log_every)
    model, loss = run.model, run.loss
    value, acc = test(model, X, y, loss)
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
