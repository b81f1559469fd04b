"""Parallel runs give the same numbers: ``--jobs`` byte for
byte; an interrupted pool leaves a readable cache and a rerun trains only what is missing."""

import json
import multiprocessing
import os

import pytest

from backprop import experiments, files
from backprop._fused import chunk_bounds
from backprop.experiments import store, sweep

SEEDS = list(range(12))


def test_chunks_are_near_equal_and_cover_the_stack():
    bounds = chunk_bounds(1000, 137)
    sizes = [b - a for a, b in bounds]
    assert bounds[0][0] == 0 and bounds[-1][1] == 1000 and len(bounds) == 8
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert max(sizes) - min(sizes) <= 1 and max(sizes) <= 137
    assert chunk_bounds(5, 5) == [(0, 5)]


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

    class StoreOS:  # only this process's renames (the store's) are counted: os.replace is shared
        replace = staticmethod(interrupted)

        def __getattr__(self, name):
            return getattr(os, name)

    monkeypatch.setattr(files, "os", StoreOS())
    with pytest.raises(KeyboardInterrupt):
        experiments.run_all(names, tmp_path, progress=False, jobs=2, **SIZES)
    assert not live_children()
    monkeypatch.undo()
    first, second = (tmp_path / p.parent.name for p in replaced[::3][:2])
    assert (first / "summary.json").exists() and not (second / "summary.json").exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]  # temporary, lock
    exps = {n: experiments.define(n, **SIZES) for n in names}
    assert store.load_cached(exps[first.name], first) is not None
    assert store.load_cached(exps[second.name], second) is None
    again = experiments.run_all(names, tmp_path, progress=False, jobs=2, **SIZES)
    assert [n for n, r in again.items() if r.cached] == [first.name]
    fresh = experiments.run_all(names, tmp_path / "fresh", progress=False, jobs=1, **SIZES)
    assert [r.runs for r in again.values()] == [r.runs for r in fresh.values()]


def test_cli_takes_jobs():
    from backprop.cli import make_parser

    parser = make_parser()
    assert parser.parse_args(["report", "--jobs", "1"]).jobs == 1
    assert parser.parse_args(["experiments"]).jobs == sweep.usable_cores() >= 1
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--workers", "3"])  # thread workers are gone
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
