"""Epochs to 100 % over many seeds, for a preset, as one stacked run per dataset.

Seed ``s`` means what ``backprop train --seed s`` means: the data drawn after
``np.random.seed(s)`` and the weights from ``np.random.default_rng(s)``, so any
row here can be re-run alone.

    python -m benchmarks.convergence --preset default --seeds 1000
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from backprop.config import (
    PRESETS,
    Config,
    build_loss,
    build_model,
    build_optimizer,
    build_scheduler,
    seed_rngs,
)
from backprop.data import load
from backprop.train import accuracy, fit


def convergence(config: Config, data: str, seeds: list[int]) -> dict:
    """Train one stack (one model per seed); return the final accuracies and epochs to 100 %."""
    Xs, ys = zip(*[load(data, s) for s in seeds])
    X, y = (np.stack(Xs), np.stack(ys)) if data == "linear" else (Xs[0], ys[0])
    model = build_model(config, models=len(seeds), rng=seed_rngs(seeds))
    opt = build_optimizer(config, model.parameters())
    start = time.perf_counter()
    hist = fit(
        model,
        X,
        y,
        loss=build_loss(config),
        optimizer=opt,
        epochs=config.epochs,
        scheduler=build_scheduler(config, opt),
        on_nonfinite="continue",
    )
    final = accuracy(model.forward(X), y)
    first = hist.epochs_to_100
    reached = first[first > 0]
    return {
        "data": data,
        "seeds": len(seeds),
        "at_100_after_training": int((final == 1).sum()),
        "failing_seeds": [seeds[i] for i in np.flatnonzero(final < 1)],
        "median_epochs_to_100": float(np.median(reached)) if reached.size else None,
        "p99_epochs_to_100": float(np.percentile(reached, 99)) if reached.size else None,
        "max_epochs_to_100": int(reached.max()) if reached.size else None,
        "epochs": config.epochs,
        "seconds": round(time.perf_counter() - start, 1),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", choices=PRESETS, default="default")
    p.add_argument("--seeds", type=int, default=1000)
    p.add_argument("--epochs", type=int, help="override the preset's epochs")
    p.add_argument("--data", nargs="+", default=["linear", "xor"])
    p.add_argument("--json", help="also write the rows to this file")
    args = p.parse_args(argv)
    config = PRESETS[args.preset]
    if args.epochs:
        config = config.replace(epochs=args.epochs)
    rows = []
    for data in args.data:
        row = {"preset": args.preset, **convergence(config, data, list(range(args.seeds)))}
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
