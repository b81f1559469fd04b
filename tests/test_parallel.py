"""Parallel runs give the same numbers: ``fit(workers=)`` bit for bit, ``--jobs`` byte for
byte; an interrupted pool leaves a readable cache and a rerun trains only what is missing."""

import json
import multiprocessing
import os

import numpy as np
import pytest

import backprop._fused
from backprop import experiments
from backprop._fused import chunk_bounds, plan
from backprop.experiments import store, sweep
from backprop.lab import data
from backprop.lab.config import DEFAULT, HANDOUT, build, seed_rngs
from backprop.train import fit

SEEDS = list(range(12))


def _stack_fit(config, workers):
    """A stack of 12 on their own linear data: the model, its history and its plan."""
    X, y = (np.stack(a) for a in zip(*[data.load("linear", s) for s in SEEDS]))
    X, y = X.astype(config.dtype), y.astype(config.dtype)
    run = build(config.replace(epochs=15, workers=workers), models=len(SEEDS), rng=seed_rngs(SEEDS))
    return run.model, run.fit(X, y), plan(run.model, X, y, run.loss, workers)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("config", [DEFAULT, HANDOUT.replace(hidden=(4, 4), lr=1.0)])
def test_workers_give_bit_identical_parameters(monkeypatch, config, dtype):
    """Four chunks of 3 models; workers 1, 2, 3 and 8 (more than chunks)."""
    widths = (*config.hidden, 1)
    per_model = 100 * np.dtype(dtype).itemsize * (2 * sum(widths) + widths[-1])
    monkeypatch.setattr(backprop._fused, "CHUNK_BYTES", 3 * per_model)
    config = config.replace(dtype=dtype)
    ref_model, ref, _ = _stack_fit(config, 1)
    for workers in (2, 3, 8):
        model, hist, step = _stack_fit(config, workers)
        assert len(step.chunks) == 4 and len(step.parts) == min(workers, 4)
        for (name, p), q in zip(model.named_parameters(), ref_model.parameters()):
            assert np.array_equal(p.data, q.data), (workers, name)
        for k in ("loss", "accuracy", "final_loss", "final_accuracy"):
            assert np.array_equal(getattr(hist, k), getattr(ref, k)), (workers, k)


def test_a_parameter_rebound_by_a_callback_counts_alike_for_any_workers(monkeypatch):
    """``p.data = ...`` in a callback reaches the next forward whatever ``workers`` is."""
    monkeypatch.setattr(backprop._fused, "CHUNK_BYTES", 3 * 100 * 8 * (2 * 33 + 1))
    X, y = (np.stack(a) for a in zip(*[data.load("linear", s) for s in SEEDS]))
    out = {}
    for workers, halve in ((1, True), (2, True), (1, False)):
        run = build(DEFAULT.replace(epochs=8), models=len(SEEDS), rng=seed_rngs(SEEDS))
        first = run.model.parameters()[0]

        def callback(epoch, loss, first=first, halve=halve):
            if halve and epoch == 4:
                first.data = first.data * 0.5  # a new array, not the optimizer's view

        hist = fit(
            run.model,
            X,
            y,
            loss=run.loss,
            optimizer=run.optimizer,
            epochs=8,
            callback=callback,
            workers=workers,
        )
        out[workers, halve] = (hist.loss, [p.data.copy() for p in run.model.parameters()])
    (l1, p1), (l2, p2), (l0, _) = out[1, True], out[2, True], out[1, False]
    assert np.array_equal(l1, l2) and all(map(np.array_equal, p1, p2))
    assert np.array_equal(l1[:4], l0[:4]) and not np.array_equal(l1[4], l0[4])


def test_chunks_are_near_equal_and_cover_the_stack():
    bounds = chunk_bounds(1000, 137)
    sizes = [b - a for a, b in bounds]
    assert bounds[0][0] == 0 and bounds[-1][1] == 1000 and len(bounds) == 8
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert max(sizes) - min(sizes) <= 1 and max(sizes) <= 137
    assert chunk_bounds(5, 5) == [(0, 5)]


def test_fit_refuses_a_bad_worker_count():
    X, y = data.load("xor")
    run = build(DEFAULT.replace(epochs=2), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="workers must be a whole number"):
        run.fit(X, y, workers=0)
    with pytest.raises(ValueError, match="workers must be a whole number"):
        DEFAULT.replace(workers=1.5).validate()


def live_children() -> list:
    """Child processes that still exist. ``active_children`` alone can list a worker that
    is gone: when the executor's manager thread and ``join`` both wait for it, the one
    that loses the race never records its exit code."""

    def exists(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    return [c for c in multiprocessing.active_children() if exists(c.pid)]


SIZES = dict(seeds=2, epochs=4, cnn_seeds=1, convergence_seeds=300)
NAMES = ("lr", "cnn", "convergence")  # the convergence run is two tasks of 256 and 44


def _files(folder):
    out = {}
    for name in NAMES:
        for f in ("results.csv", "curves.npz"):
            out[name, f] = (folder / name / f).read_bytes()
        summary = json.loads((folder / name / "summary.json").read_text())
        summary.pop("seconds")  # how long it took: the one field that may differ
        out[name, "summary"] = summary
    return out


def test_jobs_give_byte_identical_files(tmp_path):
    assert len(sweep.tasks(experiments.define("convergence", **SIZES))) == 4  # 2 per dataset
    one = experiments.run_all(NAMES, tmp_path / "one", progress=False, jobs=1, **SIZES)
    two = experiments.run_all(NAMES, tmp_path / "two", progress=False, jobs=2, **SIZES)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert [r.runs for r in one.values()] == [r.runs for r in two.values()]
    assert all((tmp_path / "two" / n / "learning_curves.png").exists() for n in NAMES)
    assert not live_children()


def test_an_interrupted_pool_leaves_a_readable_cache(tmp_path, monkeypatch):
    """Ctrl-C while the second experiment is being written: the first is cached, the
    second has no summary (so it is not an entry) and no temporary file; the workers are
    gone; a rerun trains the second and third only, to the same numbers."""
    names = ("lr", "bias", "activation")
    replaced = []

    def interrupted(src, dst):
        replaced.append(dst)
        if len(replaced) == 5:  # experiment 2's curves.npz
            raise KeyboardInterrupt
        os.rename(src, dst)

    class StoreOS:  # only the store's renames are counted: os.replace itself is shared
        replace = staticmethod(interrupted)

        def __getattr__(self, name):
            return getattr(os, name)

    monkeypatch.setattr(store, "os", StoreOS())
    with pytest.raises(KeyboardInterrupt):
        experiments.run_all(names, tmp_path, progress=False, jobs=2, **SIZES)
    assert not live_children()
    monkeypatch.undo()
    first, second = (tmp_path / p.parent.name for p in replaced[::3][:2])
    assert (first / "summary.json").exists() and not (second / "summary.json").exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    exps = {n: experiments.define(n, **SIZES) for n in names}
    assert store.load_cached(exps[first.name], first) is not None
    assert store.load_cached(exps[second.name], second) is None
    again = experiments.run_all(names, tmp_path, progress=False, jobs=2, **SIZES)
    assert [n for n, r in again.items() if r.cached] == [first.name]
    fresh = experiments.run_all(names, tmp_path / "fresh", progress=False, jobs=1, **SIZES)
    assert [r.runs for r in again.values()] == [r.runs for r in fresh.values()]


def test_cli_takes_jobs_and_workers():
    from backprop.cli import config_from_args, make_parser

    parser = make_parser()
    assert parser.parse_args(["report", "--jobs", "1"]).jobs == 1
    assert parser.parse_args(["experiments"]).jobs == sweep.usable_cores() >= 1
    assert config_from_args(parser.parse_args(["train", "--workers", "3"])).workers == 3
    with pytest.raises(SystemExit):
        parser.parse_args(["experiments", "--jobs", "0"])


def test_a_pool_is_handed_jobs_plus_one_tasks_at_a_time(tmp_path):
    """With ``jobs`` given, at most ``jobs + 1`` training tasks are out at a time, so an
    experiment's figures (submitted as its last task is back) are drawn before the tasks
    still to train, not after all of them; the results are those of ``--jobs 1``."""
    submitted: list = []
    peak = 0

    class Recording:
        def __init__(self, executor):
            self.executor = executor

        def submit(self, fn, *args, **kwargs):
            nonlocal peak
            future = self.executor.submit(fn, *args, **kwargs)
            submitted.append((fn.__name__, future))
            peak = max(peak, sum(n == "run_task" and not f.done() for n, f in submitted))
            return future

    exps = [experiments.define(n, **SIZES) for n in NAMES]
    with sweep.pool(2) as executor:
        sweeps = experiments.Sweeps(exps, tmp_path / "two", Recording(executor), False, False, 2)
        two = sweeps.wait()
    names = [n for n, _ in submitted]
    assert peak == 3
    assert names.count("run_task") == sum(len(sweep.tasks(e)) for e in exps)
    last_task = len(names) - 1 - names[::-1].index("run_task")
    assert names.index("draw") < last_task  # the first figures did not wait for all
    one = experiments.run_all(NAMES, tmp_path / "one", progress=False, jobs=1, **SIZES)
    assert [r.runs for r in one.values()] == [r.runs for r in two.values()]
    assert {k: set(r.figures) for k, r in two.items()} == {
        k: set(r.figures) for k, r in one.items()
    }
