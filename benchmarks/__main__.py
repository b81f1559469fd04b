"""``python -m benchmarks [--quick] [--sections ...] [--out FILE]``: the speed suite.

Runs the sections of ``benchmarks/suite.py``, prints each table as it is measured and
writes them all, with the machine and the issue's targets, to ``benchmarks/RESULTS.md``.
``--quick`` (about a minute, most of it timing ``backprop report``) uses fewer rounds,
epochs and seeds.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from . import parallel, play, stack_peers, suite
from .timing import machine

SECTIONS = ("single", "stack", "stack-peers", "convergence", "end-to-end", "parallel", "play")
TITLES = {
    "single": "Single model: epochs/s on the linear data (N = 100)",
    "stack": "Stack: model-epochs/s of K stacked models against K sequential lean runs",
    "stack-peers": "Stack peers: model-epochs/s of K = 1000 stacked models in backprop, JAX "
    "and PyTorch (one thread each; JAX's compile time excluded)",
    "convergence": "Convergence: epochs to 100 % over seeds (one stacked run per row)",
    "end-to-end": "End to end: wall time of a fresh process",
    "play": "Playground: a server-side frame (K = 8, grid 64) and the page in Chromium",
    "parallel": "Parallel: 1 against N = the usable cores (report --jobs)",
}


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.2f}" if v < 100 else f"{v:,.0f}"
    return "–" if v is None else str(v)


def table(rows: list[dict]) -> str:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_cell(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds and epochs (about 1 min)")
    p.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    p.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = p.parse_args(argv)
    q = args.quick
    runs = {
        "single": lambda: suite.single(rounds=5 if q else 31, epochs=1000 if q else 3000),
        "stack": lambda: suite.stack(rounds=3 if q else 5, scale=0.3 if q else 1.0),
        "stack-peers": lambda: stack_peers.stack_peers(
            rounds=3 if q else 5, scale=0.3 if q else 1.0
        ),
        "convergence": lambda: suite.converge(
            seeds=100 if q else 1000, handout_seeds=100 if q else 200
        ),
        "end-to-end": lambda: suite.end_to_end(rounds=1 if q else 3),
        "play": lambda: play.measure(frames=50 if q else 200, rounds=3 if q else 5),
        "parallel": lambda: parallel.parallel(report_rounds=1 if q else 3),
    }
    info = machine()
    out = [
        "# Benchmarks",
        "",
        f"`python -m benchmarks{' --quick' if q else ''}`, {info['date']}. Every figure is "
        "the median of interleaved rounds; every ratio compares medians from the same run, "
        "except fit ÷ lean: the median of each round's ratio. The single-model section "
        "runs on one pinned core.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items() if k != "date"),
    ]
    print("\n".join(out[4:]), flush=True)
    head, targets = len(out), []
    for name in args.sections:
        start = time.perf_counter()
        rows, met = runs[name]()
        targets += met
        text = f"## {TITLES[name]}\n\n{table(rows)}\n"
        print(f"\n{text}({time.perf_counter() - start:.0f} s)", flush=True)
        out += ["", text.rstrip()]
    if targets:
        rows = [
            {"target": w, "measured": m, "goal": g, "met": "yes" if ok else "**no**"}
            for w, m, g, ok in targets
        ]
        text = f"## Targets (issues 5 and 11)\n\n{table(rows)}\n"
        print("\n" + text)
        out[head:head] = ["", text.rstrip()]
    args.out.write_text("\n".join(out) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
