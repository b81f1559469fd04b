"""Many settings × seeds trained as stacks, split into ``tasks`` that any process can run.

Settings that differ only in ``lr`` train as one stack, whose model ``k·S + j`` equals
``backprop train --seed seeds[j]`` of setting ``k``; ``assemble`` puts the tasks' outputs
together in a fixed order, whatever ran them (``docs/speed.md``).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..checks import plural
from ..files import discard_temporaries
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


@dataclass(frozen=True)
class Task:
    """One unit of work: the settings ``stack`` (an index into ``_stacks(exp)``) × ``seeds``
    on ``data``; a stack of more than ``TASK_MODELS`` models trains in several tasks, the
    CNN one seed a task. The tasks depend on the experiment alone, never on ``--jobs``."""

    exp: Experiment
    data: str
    stack: int
    seeds: tuple[int, ...]

    @property
    def cost(self) -> float:
        """Model-epochs × points × weights: how long it takes, roughly (to start the
        longest tasks first)."""
        stack = _stacks(self.exp)[self.stack]
        c = stack[0].config
        weights = CNN_WEIGHTS if c.model == "cnn" else c.weights
        points = len(load(self.data, self.seeds[0])[0])
        return len(stack) * len(self.seeds) * c.epochs * points * weights


TASK_MODELS = 256  # at most this many models per task (the convergence run is four)
# A CNN's epoch costs about what a stacked MLP's of this many weights does (0.2 s for 60
# epochs on 21 to 100 points, against 0.2 µs a model-epoch-point at 337 weights).
CNN_WEIGHTS = 100_000


def tasks(exp: Experiment) -> list[Task]:
    """``exp``'s tasks, dataset by dataset, stack by stack, in seed order."""
    out = []
    for data in exp.datasets:
        for i, stack in enumerate(_stacks(exp)):
            seeds = exp.seeds_of(stack[0])
            per = 1 if stack[0].config.model == "cnn" else max(1, TASK_MODELS // len(stack))
            out += [Task(exp, data, i, seeds[j : j + per]) for j in range(0, len(seeds), per)]
    return out


def run_task(task: Task, show: Callable[..., None] | None = None) -> dict[str, np.ndarray]:
    """Train ``task`` (``show(epoch)`` after every epoch): ``train_stack``'s arrays, with
    ``loss`` and ``accuracy`` kept at the epochs of the curves only (``curve_epochs``)."""
    stack = _stacks(task.exp)[task.stack]
    start = time.perf_counter()
    out = _fit_stack(stack, task.seeds, task.data, show or (lambda epoch, note="": None))
    idx = curve_epochs(stack[0].config.epochs)
    seconds = np.array(time.perf_counter() - start)
    return {**out, "loss": out["loss"][idx], "accuracy": out["accuracy"][idx], "seconds": seconds}


def curve_epochs(epochs: int) -> np.ndarray:
    """The indices (0-based epochs) of up to ``CURVE_POINTS`` epochs kept per curve."""
    return np.unique(np.linspace(0, epochs - 1, CURVE_POINTS).round().astype(int))


def _curve_stats(idx: np.ndarray, loss: np.ndarray, acc: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, min and max across seeds (axis 1) at the epochs ``idx``."""
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


def assemble(exp: Experiment, outs: Sequence[dict[str, np.ndarray]]) -> Result:
    """The ``Result`` of ``exp`` from the outputs of ``tasks(exp)``, in that order."""
    runs: list[RunOutcome] = []
    curves: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    parts: dict[tuple[str, int], list] = {}
    for task, out in zip(tasks(exp), outs, strict=True):
        parts.setdefault((task.data, task.stack), []).append((task.seeds, out))
    stacks = _stacks(exp)
    for (data, i), pieces in parts.items():
        for k, s in enumerate(stacks[i]):
            columns = {"loss": [], "accuracy": []}
            for seeds, out in pieces:
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
                for name, c in columns.items():
                    c.append(out[name][:, k * len(seeds) : (k + 1) * len(seeds)])
            idx = curve_epochs(s.config.epochs)
            loss, acc = (np.concatenate(c, axis=1) for c in columns.values())
            curves[s.label, data] = _curve_stats(idx, loss, acc)
    order = {s.label: i for i, s in enumerate(exp.settings)}
    runs.sort(key=lambda r: (order[r.setting], exp.datasets.index(r.dataset), r.seed))
    seconds = float(sum(out["seconds"] for out in outs))
    return Result(exp, runs, curves, seconds=seconds)


class Progress:
    """One ``\\r``-updated line on stderr, e.g.
    ``[experiments] lr 3/10 stacks, linear, epoch 200/400, 2.1 s``; to a stream that is
    not a terminal (a log file), only the closing line of each stage (``done``)."""

    open_line = False  # a bar is on stderr's last line, unfinished (for an interrupt's line)

    def __init__(self, name: str, enabled: bool = True, stream=None) -> None:
        self.name, self.enabled = name, enabled
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty())  # a log gets no carriage-return updates
        self.start = self.last = time.perf_counter()
        self.width = 0

    def _line(self, text: str) -> str:
        return f"[{self.name}] {text}, {time.perf_counter() - self.start:.1f} s"

    def show(self, text: str, force: bool = False) -> None:
        now = time.perf_counter()
        if self.enabled and self.live and (force or now - self.last >= 0.2):
            self.last = now
            line = self._line(text)
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
            self.stream.flush()
            Progress.open_line = True

    def note(self, text: str) -> None:
        """``text`` on a line of its own, shown even if disabled; the bar is cleared first."""
        if self.enabled and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
        self.stream.write(text + "\n")
        self.stream.flush()
        self.width = 0
        Progress.open_line = False

    def done(self, text: str) -> None:
        """The stage's closing line, which stays (the only line when not ``live``)."""
        if self.enabled:
            self.show(text, force=True)
            self.stream.write("\n" if self.live else self._line(text) + "\n")
            self.stream.flush()
            Progress.open_line = False


def _fit_stack(stack: list[Setting], seeds: Sequence[int], data: str, show) -> dict:
    """One stack, or the CNN seed by seed; ``show(epoch, note)`` reports progress."""
    cfg = stack[0].config
    if cfg.model != "cnn":
        return train_stack([s.config for s in stack], seeds, data, show)
    outs = []
    for j, seed in enumerate(seeds):
        note = f", seed {j + 1}/{len(seeds)}"
        outs.append(train_single(cfg, seed, data, lambda e, note=note: show(e, note)))
    return {k: np.concatenate([o[k] for o in outs], axis=-1) for k in outs[0]}


def compute(exp: Experiment, progress: Progress | None = None) -> Result:
    """Train every task of ``exp`` in this process, one after another; nothing is written."""
    progress = progress or Progress(exp.name, enabled=False)
    todo = tasks(exp)
    outs = []
    for n, task in enumerate(todo):
        where = f"{exp.name} {n}/{plural(len(todo), 'stack')}, {task.data}"
        epochs = _stacks(exp)[task.stack][0].config.epochs

        def show(epoch, note="", where=where, epochs=epochs):
            progress.show(f"{where}{note}, epoch {epoch}/{epochs}")

        outs.append(run_task(task, show))
    return assemble(exp, outs)


class InProcess(Executor):
    """An ``Executor`` that runs each call as it is submitted (``--jobs 1``: no pool)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as e:  # as a pool would: the caller's result() raises it
            future.set_exception(e)
        return future


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def usable_cores() -> int:
    """The cores this process may run on (``os.process_cpu_count`` where Python has it)."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _Pool(ProcessPoolExecutor):
    """A process pool whose workers start with SIGINT ignored: a terminal's Ctrl-C reaches
    every process of its group, and a worker still importing would print a traceback."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with _sigint_ignored():  # a submit may spawn a worker: ignored stays ignored in it
            return super().submit(fn, *args, **kwargs)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored in the block (a Ctrl-C in these few milliseconds is lost)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers, and only it gets SIGINT
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _worker_start(owner: int) -> None:
    """Ctrl-C reaches the workers too: they ignore it, and the pool's owner ends them
    (SIGTERM), each removing the temporary file it was writing (``files.replacing``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _ended)
    # ``owner`` comes from the owner itself: if it died while this worker was starting,
    # os.getppid() here would already be init's, and the watch would never end
    threading.Thread(target=_end_with, args=(owner,), daemon=True).start()


def _end_with(owner: int) -> None:
    """End this worker once ``owner`` has died (``kill -9`` leaves no one to end it: the
    worker would idle on, adopted by init, for good)."""
    while os.getppid() == owner:
        time.sleep(1.0)
    discard_temporaries()
    os._exit(1)


def _ended(signum: int, frame) -> None:
    discard_temporaries()
    os._exit(128 + signum)


@contextlib.contextmanager
def pool(jobs: int) -> Iterator[Executor]:
    """``jobs`` spawned worker processes (``InProcess`` for 1), each with a one-thread BLAS;
    leaving the block by an exception (Ctrl-C) ends them at once."""
    if jobs == 1:
        yield InProcess()
        return
    saved = {k: os.environ.get(k) for k in BLAS_THREADS}
    os.environ.update(dict.fromkeys(BLAS_THREADS, "1"))
    with _sigint_ignored():  # it starts multiprocessing's resource tracker, a process too
        context = multiprocessing.get_context("spawn")
        executor = _Pool(
            jobs, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),)
        )
    try:
        yield executor
    except BaseException:
        if hasattr(executor, "terminate_workers"):  # Python 3.14
            executor.terminate_workers()
        else:  # before it, the worker processes are only in a private attribute
            workers = list((getattr(executor, "_processes", None) or {}).values())
            manager = getattr(executor, "_executor_manager_thread", None)
            executor.shutdown(wait=False, cancel_futures=True)  # forgets the manager
            for process in workers:
                process.terminate()
            for process in workers:
                process.join()
            if manager is not None:  # its clean-up must end before the interpreter's
                manager.join()  # exit hook writes to the pipe it closes ("Bad file …")
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def seed_draws_data(data: str) -> bool:
    """Whether the seed changes the data of ``data`` (linear: yes; XOR: no, the 21
    points are fixed and a seed changes only the initial weights)."""
    (x0, y0), (x1, y1) = load(data, 0), load(data, 1)
    return not (np.array_equal(x0, x1) and np.array_equal(y0, y1))
