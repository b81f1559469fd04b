"""Command line: ``backprop [lab|train] ...``. With no command it runs ``lab``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import plot
from .activations import ACTIVATIONS
from .config import (
    OPTIMIZERS,
    PRESETS,
    Config,
    build_loss,
    build_model,
    build_optimizer,
    save_model,
)
from .data import DATASETS, load
from .losses import LOSSES
from .train import DivergedError, fit, test


class _Parser(argparse.ArgumentParser):
    """Errors are one line (``backprop train: error: ...``) and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--handout",
        action="store_true",
        help="the handout's network: sigmoid after every layer, no bias, MSE, "
        "plain gradient descent",
    )
    p.add_argument(
        "--hidden",
        type=_positive(int),
        nargs=2,
        metavar=("H1", "H2"),
        help="sizes of the two hidden layers",
    )
    p.add_argument("--activation", choices=ACTIVATIONS, help="hidden-layer activation")
    p.add_argument("--output", choices=ACTIVATIONS, help="output-layer activation")
    p.add_argument("--loss", choices=LOSSES)
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--lr", type=_positive(float), help="learning rate ρ")
    p.add_argument("--epochs", type=_positive(int))
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seeds the data (np.random.seed) and the weights (default: 0)",
    )
    p.add_argument(
        "--log-every",
        type=_positive(int),
        metavar="K",
        help="print the loss every K epochs (default: epochs / 10)",
    )


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backprop", description=__doc__)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    lab = sub.add_parser("lab", help="train on both datasets, print and plot (the default)")
    _add_run_options(lab)
    lab.add_argument("--out", type=Path, default=Path("runs/lab"), help="default: runs/lab")
    train = sub.add_parser("train", help="one run on one dataset")
    _add_run_options(train)
    train.add_argument("--data", choices=DATASETS, default="xor")
    train.add_argument("--out", type=Path, help="default: runs/train/<data>")
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    base = PRESETS["handout" if args.handout else "default"]
    changes = {
        k: getattr(args, k)
        for k in ("activation", "output", "loss", "optimizer", "lr", "epochs")
        if getattr(args, k) is not None
    }
    if args.hidden:
        changes["hidden"] = tuple(args.hidden)
    return base.replace(**changes).validate()


def run(config: Config, data: str, seed: int, out: Path, log_every: int | None) -> float:
    """Train, test and write figures, ``history.json`` and ``model.npz`` to ``out``."""
    X, y = load(data, seed)
    model = build_model(config, rng=np.random.default_rng(seed))
    loss = build_loss(config)
    history = fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=build_optimizer(config, model.parameters()),
        epochs=config.epochs,
        log_every=log_every or max(1, config.epochs // 10),
    )
    _, acc = test(model, X, y, loss)
    out.mkdir(parents=True, exist_ok=True)
    history.config = {**config.to_dict(), "data": data, "seed": seed}
    history.save(out / "history.json")
    save_model(model, config, out / "model.npz")
    name = f"{data} (seed {seed})"
    plot.comparison(X, y, model.forward(X), out / "comparison.png", title=name)
    plot.learning_curve(history, out / "learning_curve.png", title=name)
    plot.decision_boundary(
        model, X, y, out / "decision_boundary.png", title=f"Decision boundary: {name}"
    )
    return acc


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["lab", *(argv or [])])
    try:
        config = config_from_args(args)
    except ValueError as e:
        parser.error(str(e))
    start = time.perf_counter()
    try:
        if args.command == "lab":
            for data in DATASETS:
                print(f"== {data} ==  {config}")
                run(config, data, args.seed, args.out / data, args.log_every)
            print(
                f"figures, history.json and model.npz in {args.out}/ "
                f"({time.perf_counter() - start:.1f} s)"
            )
        else:
            out = args.out or Path("runs/train") / args.data
            run(config, args.data, args.seed, out, args.log_every)
            print(f"figures, history.json and model.npz in {out}/")
    except DivergedError as e:
        print(f"backprop: {e}", file=sys.stderr)
        return 1
    return 0
