"""The handout's discussion and extra experiments, each over ten or more seeds.

``registry`` defines them; ``run_experiment`` trains one as stacks (``sweep``) or reads
its cache (``store``), and draws its figures (``plot``); ``run_all`` spreads several
over ``jobs`` processes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent import futures
from concurrent.futures import Future
from pathlib import Path

from ..checks import plural, whole
from ..lab.data import DATASETS
from ..limits import check_epochs, check_stacks
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
from .sweep import usable_cores

__all__ = [
    "CNN_SEEDS",
    "CNN_SWEEP_EPOCHS",
    "CONVERGENCE_SEEDS",
    "SEEDS",
    "Axis",
    "Experiment",
    "Setting",
    "Sweeps",
    "DEFAULT_NAMES",
    "NAMES",
    "REGISTRY",
    "Result",
    "Sizes",
    "cached",
    "check_experiments",
    "define",
    "run_all",
    "run_experiment",
    "usable_cores",
]


class Sweeps:
    """Experiments trained on an ``Executor`` (``sweep.pool``): each read from its cache, or
    its tasks submitted longest first and assembled, saved and drawn as its last is back.
    At most ``jobs + 1`` tasks are queued, so finished experiments' figures go next."""

    def __init__(
        self,
        exps,
        out: Path,
        executor,
        force: bool = False,
        progress: bool = True,
        jobs: int | None = None,
    ):
        self.exps = {exp.name: exp for exp in exps}  # a name given twice runs once
        exps = list(self.exps.values())
        self.out, self.executor = Path(out), executor
        name = exps[0].name if len(exps) == 1 else "experiments"
        self.bar = sweep.Progress(name, progress)
        self.results: dict[str, Result] = {}
        self.pending: dict = {}  # future → (experiment, task index)
        self.window = None if jobs is None else jobs + 1  # tasks handed to the pool at most
        self.drawing: dict[str, dict[str, Future]] = {}  # experiment → kind → being drawn
        self.outs: dict[str, list] = {}
        self.trained = 0
        todo = []
        for exp in exps:
            cached = None if force else self._read(exp)
            if cached is not None:
                self._finish(cached)
            elif isinstance(executor, sweep.InProcess):
                self._finish(sweep.compute(exp, self.bar))
            else:
                parts = sweep.tasks(exp)
                self.outs[exp.name] = [None] * len(parts)
                todo += [(task.cost, exp.name, i, task) for i, task in enumerate(parts)]
        self.tasks = len(todo)
        self.queue = [(name, i, task) for _, name, i, task in sorted(todo, key=lambda t: -t[0])]
        self._feed()

    def _read(self, exp: Experiment) -> Result | None:
        """``store.read``, a damaged entry named in one line on stderr and read as None."""
        try:
            return sweep_store.read(exp, self.out / exp.name)
        except sweep_store.DamagedError as e:
            self.bar.note(f"experiments: {e}; recomputing {exp.name}")
            return None

    def _feed(self) -> None:
        """Hand the next tasks (longest first) to the pool, up to ``window`` at a time."""
        while self.queue and (self.window is None or len(self.pending) < self.window):
            name, i, task = self.queue.pop(0)
            self.pending[self.executor.submit(sweep.run_task, task)] = (name, i)

    def _finish(self, result: Result) -> None:
        """Save a trained result, and draw its figures (those missing, if cached)."""
        from . import plot as experiments_plot

        folder = self.out / result.experiment.name
        if not result.cached:
            sweep_store.save(result, folder)
            self.trained += 1
        self.results[result.experiment.name] = result
        redraw = not result.cached
        self.drawing[result.experiment.name] = {  # a task each: the tail of a pool is shorter
            kind: self.executor.submit(experiments_plot.draw, result, folder, kind, redraw)
            for kind in experiments_plot.figure_kinds(result.experiment)
        }

    def wait(self, others: Iterable[Future] = (), figures: bool = True) -> dict[str, Result]:
        """Every result, in the order given, once its tasks and ``others`` (e.g. the
        report's own figures, on the same executor) are done, and its figures too unless
        ``figures=False`` (then ``figures(name)`` waits for them)."""
        others = set(others)
        while self.pending or others:
            done, _ = futures.wait(
                [*self.pending, *others], timeout=0.5, return_when=futures.FIRST_COMPLETED
            )
            for future in done:
                value = future.result()  # a task's error ends the sweep here
                if future in others:
                    others.discard(future)
                    continue
                name, i = self.pending.pop(future)
                self.outs[name][i] = value
                if all(o is not None for o in self.outs[name]):
                    self._finish(sweep.assemble(self.exps[name], self.outs.pop(name)))
            self._feed()
            left = len(self.pending) + len(self.queue)
            self.bar.show(f"{self.tasks - left}/{plural(self.tasks, 'stack')} trained")
        if figures:
            for name in self.exps:
                self.figures(name)
        self.bar.done(
            f"{plural(len(self.exps), 'experiment')}, {self.trained} trained, "
            f"{len(self.exps) - self.trained} cached in {self.out}"
        )
        return {name: self.results[name] for name in self.exps}

    def figures(self, name: str) -> dict[str, Path]:
        """The figures of experiment ``name`` (kind → PNG), once drawn."""
        result = self.results[name]
        result.figures = {kind: f.result() for kind, f in self.drawing[name].items()}
        return result.figures


def run_experiment(
    exp: Experiment, out: Path, force: bool = False, progress: bool = True
) -> Result:
    """The result of ``exp`` from ``out/<name>/`` if cached (unless ``force``), else
    trained in this process and saved; the figures are drawn if missing."""
    return Sweeps([exp], out, sweep.InProcess(), force, progress).wait()[exp.name]


def run_all(
    names: Sequence[str] = DEFAULT_NAMES,
    out: Path = Path("runs/experiments"),
    force: bool = False,
    progress: bool = True,
    jobs: int = 1,
    **sizes,
) -> dict[str, Result]:
    """Each experiment of ``names`` (``sizes`` go to ``define``), its tasks on ``jobs``
    processes (``sweep.pool``)."""
    exps = [define(n, **sizes) for n in names]
    with sweep.pool(jobs) as executor:
        return Sweeps(exps, out, executor, force, progress, jobs).wait()


def cached(names: Iterable[str], out: Path, **sizes) -> int:
    """How many of ``names`` (``sizes`` go to ``define``) have a complete entry in ``out``."""
    return sum(
        sweep_store.load_cached(define(n, **sizes), Path(out) / n) is not None for n in names
    )


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
        whole(name, n, 1)
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
        check_stacks(stacks, rows, f"experiment {name!r} with {plural(per_seed, 'seed')}")
