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

from backprop.experiments.results import median_epochs
from backprop.experiments.sweep import train_stack
from backprop.lab.config import PRESETS, Config


def convergence(config: Config, data: str, seeds: list[int]) -> dict:
    """Train one stack (one model per seed); return the final accuracies and epochs to 100 %.

    Epochs to 100 % and "at 100 %" are ``backprop.train.epochs_to_100``: the updates
    after which the accuracy is 100 % and stays there; a seed is at 100 % when it ends
    there. The median counts the other seeds as infinitely many epochs, as ``backprop
    experiments`` does; the percentiles and the maximum are over the seeds at 100 %.
    """
    start = time.perf_counter()
    out = train_stack([config], seeds, data)
    first = out["epochs_to_100"]
    reached = first[first >= 0]
    return {
        "data": data,
        "seeds": len(seeds),
        "at_100_after_training": int(reached.size),
        "failing_seeds": [seeds[i] for i in np.flatnonzero(first < 0)],
        "median_epochs_to_100": median_epochs(first),
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
