"""The handout's discussion and extra experiments, each over ten or more seeds.

``registry`` defines them, one function each (``define(name)`` → ``spec.Experiment``):
learning rates (the default network with plain SGD at a constant rate, and with Adam),
the handout's network's learning rate, its hidden activation (each over the same
rates, gradient descent), hidden units, hidden activations (and none), biases and
input centring, every optimizer over a learning-rate grid (its tuned rate is the
best one), the CNN against the MLP, and the default network's convergence over 1000
seeds. ``run_experiment`` trains one as stacks (``sweep``) or reads the cache
(``store``) under ``<out>/<name>/``, and draws its figures (``plot``); the result is a
``results.Result``. ``backprop experiments`` (``backprop.cli``) runs them from the
command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ..lab.data import DATASETS
from ..limits import _whole, check_epochs, check_stacks
from . import store as sweep_store
from . import sweep
from .registry import (
    CNN_SEEDS,
    CNN_SWEEP_EPOCHS,
    CONVERGENCE_SEEDS,
    DEFAULT_NAMES,
    NAMES,
    REGISTRY,
    SEEDS,
    Sizes,
    define,
)
from .results import Result, Tuned
from .spec import Axis, Experiment, Setting

__all__ = [
    "CNN_SEEDS",
    "CNN_SWEEP_EPOCHS",
    "CONVERGENCE_SEEDS",
    "SEEDS",
    "Axis",
    "Experiment",
    "Setting",
    "DEFAULT_NAMES",
    "NAMES",
    "REGISTRY",
    "Result",
    "Sizes",
    "check_experiments",
    "define",
    "run_all",
    "run_experiment",
]


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


def format_tuned(tuned: dict[str, Tuned], datasets: Sequence[str] = DATASETS) -> str:
    """The tuned-optimizer table as aligned text."""
    head = f"  {'optimizer':<10} {'lr':>6}" + "".join(
        f"  {'median epochs ' + d:>20} {'at 100 %':>9}" for d in datasets
    )
    lines = [head]
    for opt, t in tuned.items():
        cells = "".join(
            f"  {t.stats[d].median_epochs_to_100:>20g} "
            f"{f'{t.stats[d].at_100}/{t.stats[d].seeds}':>9}"
            for d in datasets
        )
        lines.append(f"  {opt:<10} {t.lr:>6g}{cells}")
    return "\n".join(lines)


def check_experiments(
    names: Iterable[str],
    seeds: int,
    epochs: int | None = None,
    cnn_seeds: int = CNN_SEEDS,
    convergence_seeds: int = CONVERGENCE_SEEDS,
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
