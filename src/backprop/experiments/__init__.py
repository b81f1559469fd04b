"""The handout's discussion and extra experiments, each over ten or more seeds.

``define(name)`` returns the ``sweep.Experiment`` of one of ``NAMES``: learning
rates (the default network with plain SGD at a constant rate, and with Adam),
the handout's network's learning rate, its hidden activation (each over the same
rates, gradient descent), hidden units, hidden activations (and none), biases and
input centring, every optimizer over a learning-rate grid (its tuned rate is the
best one), the CNN against the MLP, and the default network's
convergence over 1000 seeds. ``run_experiment`` trains it as stacks (or reads the
cache) under ``<out>/<name>/`` and draws its figures; ``backprop experiments``
runs them from the command line.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..lab.config import CNN, DEFAULT, HANDOUT, Config
from ..lab.data import DATASETS
from ..limits import _whole, check_epochs, check_stacks
from ..nn.activations import ACTIVATIONS
from ..optim import OPTIMIZERS
from . import store as sweep_store
from . import sweep
from .sweep import Experiment, Result, Setting

LR_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)
HANDOUT_LR_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
HANDOUT_SWEEP_EPOCHS = 2000  # the preset trains 10 000; 2 000 already separate the rates
HANDOUT_ACTIVATIONS = ("sigmoid", "tanh", "identity")  # the fused path's activations
HIDDEN_SIZES = (1, 2, 4, 8, 16, 32, 64)
CNN_SWEEP_EPOCHS = 60  # at most; with a constant rate, the preset's first 60 epochs
NAMES = (
    "lr",
    "handout_lr",
    "handout_activation",
    "hidden",
    "activation",
    "bias",
    "optimizer",
    "cnn",
    "convergence",
)
DEFAULT_NAMES = NAMES[:-1]  # convergence (1000 seeds) runs for the report or on request


def define(
    name: str,
    seeds: int = 10,
    epochs: int | None = None,
    cnn_seeds: int = 5,
    convergence_seeds: int = 1000,
) -> Experiment:
    """The experiment ``name`` over seeds ``0 … seeds-1``; ``epochs`` overrides every run's."""

    def ep(config: Config, default: int | None = None) -> Config:
        return config.replace(epochs=epochs or default or config.epochs)

    sgd = ep(DEFAULT.replace(optimizer="sgd", schedule="constant"))
    seed_list = tuple(range(seeds))
    if name == "lr":
        settings = [
            Setting(f"{opt} lr={lr:g}", c.replace(lr=lr), opt, lr)
            for opt, c in (("sgd", sgd), ("adam", ep(DEFAULT)))
            for lr in LR_GRID
        ]
        return Experiment(
            name,
            "Learning rate (default network)",
            "learning rate",
            tuple(settings),
            seed_list,
            log_x=True,
            note="sgd: plain gradient descent, constant rate; adam: cosine decay (the default)",
        )
    if name == "handout_lr":
        c = ep(HANDOUT, HANDOUT_SWEEP_EPOCHS)
        settings = [
            Setting(f"lr={lr:g}", c.replace(lr=lr), "handout", lr) for lr in HANDOUT_LR_GRID
        ]
        return Experiment(
            name,
            "Learning rate (the handout's network)",
            "learning rate ρ",
            tuple(settings),
            seed_list,
            log_x=True,
            note=f"{c.epochs} epochs (the preset trains {HANDOUT.epochs})",
        )
    if name == "handout_activation":
        c = ep(HANDOUT, HANDOUT_SWEEP_EPOCHS)
        settings = [
            Setting(f"{a} lr={lr:g}", c.replace(activation=a, lr=lr), a, lr)
            for a in HANDOUT_ACTIVATIONS
            for lr in HANDOUT_LR_GRID
        ]
        return Experiment(
            name,
            "Hidden activation (the handout's network, gradient descent)",
            "learning rate ρ",
            tuple(settings),
            seed_list,
            log_x=True,
            tune=True,
            note=f"{c.epochs} epochs; tuned = most seeds at 100 % on the harder dataset, then "
            "the fewest median epochs to 100 %",
        )
    if name == "hidden":
        settings = [
            Setting(f"h={h}", ep(DEFAULT).replace(hidden=(h, h)), "mlp", h) for h in HIDDEN_SIZES
        ]
        return Experiment(
            name,
            "Hidden units per layer",
            "hidden units per layer",
            tuple(settings),
            seed_list,
            log_x=True,
        )
    if name == "activation":
        settings = [
            Setting(
                "none (identity)" if a == "identity" else a,
                ep(DEFAULT).replace(activation=a),
                "mlp",
                "none" if a == "identity" else a,
            )
            for a in ("identity", *(a for a in ACTIVATIONS if a != "identity"))
        ]
        return Experiment(name, "Hidden-layer activation", "activation", tuple(settings), seed_list)
    if name == "bias":
        c = ep(DEFAULT)
        settings = [
            Setting(label, c.replace(bias=b, normalize=n), "mlp", label)
            for label, b, n in (
                ("bias, centred", True, True),
                ("no bias, centred", False, True),
                ("bias, raw [0,1]", True, False),
                ("no bias, raw [0,1]", False, False),
            )
        ]
        return Experiment(name, "Biases and input centring", "network", tuple(settings), seed_list)
    if name == "optimizer":
        settings = [
            Setting(f"{opt} lr={lr:g}", ep(DEFAULT).replace(optimizer=opt, lr=lr), opt, lr)
            for opt in OPTIMIZERS
            for lr in LR_GRID
        ]
        return Experiment(
            name,
            "Optimizers (each at its tuned learning rate)",
            "learning rate",
            tuple(settings),
            seed_list,
            log_x=True,
            tune=True,
            note="default network (cosine decay); tuned = most seeds at 100 % on the harder "
            "dataset, then the fewest median epochs to 100 %",
        )
    if name == "cnn":
        cnn = ep(CNN, min(CNN.epochs, CNN_SWEEP_EPOCHS))
        settings = [
            Setting("mlp", ep(DEFAULT), "mlp", "MLP"),
            Setting("cnn", cnn, "cnn", "CNN", tuple(range(min(cnn_seeds, seeds)))),
        ]
        return Experiment(
            name,
            "CNN against MLP",
            "model",
            tuple(settings),
            seed_list,
            note=f"the CNN trains one model per seed ({min(cnn_seeds, seeds)} seeds, "
            f"{cnn.epochs} epochs); the MLP is one stack over {seeds} seeds",
        )
    if name == "convergence":
        settings = [Setting("default", ep(DEFAULT), "mlp", "default")]
        return Experiment(
            name,
            "Convergence of the default network",
            "",
            tuple(settings),
            tuple(range(convergence_seeds)),
        )
    raise ValueError(f"unknown experiment {name!r}; choose from {', '.join(NAMES)}")


def run_experiment(
    exp: Experiment, out: Path, force: bool = False, progress: bool = True
) -> Result:
    """The result of ``exp`` from ``out/<name>/`` if cached (unless ``force``), else
    trained and saved; the figures are drawn if missing."""
    from . import plot as experiments_plot

    folder = Path(out) / exp.name
    bar = sweep.Progress(exp.name, progress)
    result = None if force else sweep_store.load_cached(exp, folder)
    if result is None:
        result = sweep.run(exp, bar)
        sweep_store.save(result, folder)
        bar.done(f"{len(exp.settings)} settings × {len(exp.seeds)} seeds, done")
    else:
        bar.done(f"cached in {folder}")
    result.figures = experiments_plot.draw_all(result, folder, redraw=not result.cached)
    return result


def run_all(
    names: Sequence[str] = DEFAULT_NAMES,
    out: Path = Path("runs/experiments"),
    force: bool = False,
    progress: bool = True,
    **sizes,
) -> dict[str, Result]:
    """``run_experiment`` for each name; ``sizes`` go to ``define``."""
    return {n: run_experiment(define(n, **sizes), out, force, progress) for n in names}


# ----------------------------------------------------------------------------- CLI


def at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"experiments to run (default: all but convergence): {', '.join(NAMES)}",
    )
    parser.add_argument("--seeds", type=at_least_one, default=10, help="seeds per setting (10)")
    parser.add_argument(
        "--cnn-seeds",
        type=at_least_one,
        default=5,
        help="seeds for the CNN, which trains one model at a time (5)",
    )
    parser.add_argument(
        "--convergence-seeds",
        type=at_least_one,
        default=1000,
        help="seeds for the convergence experiment (1000)",
    )
    parser.add_argument(
        "--epochs",
        type=at_least_one,
        help="override every run's epochs (quick looks; changes the numbers)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("runs/experiments"), help="default: runs/experiments"
    )
    parser.add_argument("--force", action="store_true", help="recompute even if cached")
    parser.add_argument("--quiet", action="store_true", help="no progress line on stderr")


def command(args: argparse.Namespace) -> int:
    names = args.names or list(DEFAULT_NAMES)
    bad = [n for n in names if n not in NAMES]
    if bad:
        print(
            f"backprop experiments: error: unknown experiment {', '.join(bad)}; "
            f"choose from {', '.join(NAMES)}",
            file=sys.stderr,
        )
        return 2
    start = time.perf_counter()
    results = run_all(
        names,
        args.out,
        args.force,
        not args.quiet,
        seeds=args.seeds,
        epochs=args.epochs,
        cnn_seeds=args.cnn_seeds,
        convergence_seeds=args.convergence_seeds,
    )
    for name, r in results.items():
        state = "cached" if r.cached else f"{r.seconds:.1f} s"
        print(
            f"{name:<12} {state:>8}  {args.out / name}/"
            + (f"  ({r.experiment.note})" if r.experiment.note else "")
        )
        if "tuned" in r.summary:
            print(format_tuned(r.summary["tuned"], r.experiment.datasets))
    print(f"total {time.perf_counter() - start:.1f} s")
    return 0


def format_tuned(tuned: dict[str, dict], datasets: Sequence[str] = DATASETS) -> str:
    """The tuned-optimizer table as aligned text."""
    head = f"  {'optimizer':<10} {'lr':>6}" + "".join(
        f"  {'median epochs ' + d:>20} {'at 100 %':>9}" for d in datasets
    )
    lines = [head]
    for opt, t in tuned.items():
        cells = "".join(f"  {t[f'median_epochs_{d}']:>20g} {t[f'at_100_{d}']:>9}" for d in datasets)
        lines.append(f"  {opt:<10} {t['lr']:>6g}{cells}")
    return "\n".join(lines)


def check_experiments(
    names: Iterable[str],
    seeds: int,
    epochs: int | None = None,
    cnn_seeds: int = 5,
    convergence_seeds: int = 1000,
) -> None:
    """The arguments of ``backprop.experiments.define`` for each name, checked without
    building the seed lists: stacks are counted from a one-seed experiment and scaled."""

    if epochs is not None:
        check_epochs(epochs)
    counts = {"seeds": seeds, "cnn seeds": cnn_seeds, "convergence seeds": convergence_seeds}
    for name, n in counts.items():
        if _whole(name, n) < 1:
            raise ValueError(f"{name} must be at least 1, got {n}")
    for name in names:
        exp = define(name, 1, epochs, 1, 1)
        per_seed = convergence_seeds if name == "convergence" else seeds
        stacks = [
            (stack[0].config, 1 if stack[0].config.model == "cnn" else len(stack) * per_seed)
            for stack in sweep._stacks(exp)
        ]
        cnn = min(cnn_seeds, seeds)  # the CNN trains one model per seed, one at a time
        results = sum(cnn if config.model == "cnn" else m for config, m in stacks)
        rows = len(exp.datasets) * results
        check_stacks(stacks, rows, f"experiment {name!r} with {per_seed:,} seeds")
