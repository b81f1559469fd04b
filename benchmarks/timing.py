"""Interleaved repetitions with medians, and a description of the machine.

Other processes share the machine, so each contender is run once per round, in
turn, for several rounds: a slow moment hits all of them alike, and the median of
each is compared with the others' medians from the same rounds.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import platform
import statistics
from collections.abc import Callable

import numpy as np


def rounds_of(contenders: dict[str, Callable[[], float | None]], rounds: int) -> dict:
    """``{name: [seconds of each round]}``, the contenders run in turn each round; a
    contender returning None is dropped (its package is missing)."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            if name in times:
                t = run()
                if t is None:
                    del times[name]
                else:
                    times[name].append(t)
    return times


def interleaved(contenders: dict[str, Callable[[], float | None]], rounds: int) -> dict:
    """``{name: median seconds}`` over ``rounds`` interleaved rounds."""
    return {name: statistics.median(t) for name, t in rounds_of(contenders, rounds).items()}


def ratio_quartiles(times: dict[str, list[float]], a: str, b: str) -> list[float]:
    """The quartiles (the median in the middle) over rounds of ``a``'s time ÷ ``b``'s in the
    same round, ``b`` run just after ``a``: a slow stretch that lasts the round hits both."""
    return statistics.quantiles([x / y for x, y in zip(times[a], times[b])], n=4)


@contextlib.contextmanager
def one_core():
    """Run the block pinned to one of the usable cores (where the OS allows it), so that
    a single-threaded contender is not moved between cores mid-run."""
    try:
        cores = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {max(cores)})
    except (AttributeError, OSError):  # not Linux, or a container that forbids it
        cores = None
    try:
        yield
    finally:
        if cores is not None:
            os.sched_setaffinity(0, cores)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas() -> str:
    """The BLAS NumPy runs: threadpoolctl's view if installed, else NumPy's build config."""
    try:
        from threadpoolctl import threadpool_info

        libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if libs:
            i = libs[0]
            return (
                f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                f"{i.get('num_threads')} threads)"
            )
    except ImportError:
        pass
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name')} {info.get('version')}"
    except Exception:  # older NumPy without mode="dicts"
        return "unknown"


def machine() -> dict[str, str]:
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas(),
        "openblas env": ", ".join(f"{k}={v}" for k, v in env.items()) or "not set",
    }
