"""``backprop report``: the handout's report as ``report.pdf`` (A4) and ``report.md``.

It runs (or reads from their cache) every experiment of ``backprop.experiments``,
runs ``backprop lab`` in-process and keeps its terminal output, draws the few
figures of its own (sigmoid, activations, decision boundaries without activation
or biases, the CNN's input and boundary, optimizer trajectories), and lays out the
sections of ``report.sections``, whose every number comes from those results.

Output folder (default ``runs/report``)::

    report.pdf  report.md  figures/*.png  lab/<dataset>/...
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
import time
from pathlib import Path

from .. import __version__, experiments
from ..experiments import trajectories
from ..experiments.plot import figure_kinds
from ..experiments.sweep import pool
from ..lab import runner
from ..lab.config import PRESETS
from ..train import History
from . import figures as report_figures
from .context import Context, Lab, LabOutcome
from .doc import Document, write_markdown
from .layout import write_pdf
from .sections import SECTIONS


def run_lab(folder: Path, seed: int = 0, epochs: int | None = None) -> Lab:
    """Run what ``backprop lab --out folder --seed seed`` runs and keep what it prints."""
    config = PRESETS["default"]  # what `backprop lab` trains when no flag is given
    config = config.replace(epochs=epochs).validate() if epochs else config
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        numbers = runner.lab(config, folder, seed)
    lab = Lab(buf.getvalue(), folder, seed)
    for data, (value, acc) in numbers.items():
        history = History.load(folder / data / "history.json")
        lab.outcome[data] = LabOutcome(
            loss=float(f"{value:.5f}"),  # as printed: the report quotes the printout
            accuracy=float(f"{acc * 100:.2f}") / 100,
            epochs_to_100=int(history.epochs_to_100),
            first_loss=float(history.loss[0]),
            peak_loss=float(history.loss.max()),
            peak_update=int(history.loss.argmax()),  # entry k: after k updates
            epochs=len(history.loss),
            curve=[float(v) for v in history.loss],  # entry k: after k updates
        )
    return lab


def _by_dataset(output: str) -> dict[str, list[str]]:
    """The lab's output split at its ``== <dataset> ==`` lines."""
    parts: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        m = re.match(r"== (\w+) ==", line)
        if m:
            current = m.group(1)
        if current:
            parts.setdefault(current, []).append(line)
    return parts


def terminal_excerpt(output: str, full: int = 25, head: int = 8, tail: int = 8) -> list[str]:
    """Per dataset: the header, the loss lines, the predictions, the accuracy; a dataset
    with more than ``full`` predictions shows its first ``head`` and last ``tail``."""
    lines = []
    for part in _by_dataset(output).values():
        iters = [i for i, s in enumerate(part) if s.startswith("Iter")]
        if len(iters) > max(full, head + tail):
            skipped = len(iters) - head - tail
            part = [
                *part[: iters[head]],
                f"... ({skipped} more predictions)",
                *part[iters[-tail] :],
            ]
        lines += part
    return [s for s in lines if not s.startswith("figures, history.json")]


def _lab_and_terminal(folder: Path, seed: int, epochs: int | None, figures: Path) -> tuple:
    """``run_lab``, and its printout as a figure: ``(lab, figure, {dataset: (predictions
    shown, predictions printed)})``."""
    lab = run_lab(folder, seed, epochs)
    excerpt = terminal_excerpt(lab.output)
    counts = [
        {d: sum(s.startswith("Iter") for s in part) for d, part in _by_dataset(text).items()}
        for text in ("\n".join(excerpt), lab.output)
    ]
    shown, total = counts
    figure = report_figures.terminal_figure(excerpt, figures / "lab_terminal.png")
    return lab, figure, {d: (shown[d], total[d]) for d in total}


class _Copies:
    """Each experiment's figures, to be copied to ``folder`` as ``<name>_<kind>.png``
    once drawn: the layout asks for each (``ready``) as it reaches it, while the pool is
    still drawing the others."""

    def __init__(self, sweeps: experiments.Sweeps, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.sweeps = sweeps
        self.paths = {
            name: {kind: folder / f"{name}_{kind}.png" for kind in figure_kinds(exp)}
            for name, exp in sweeps.exps.items()
        }
        self.waiting = {
            dst: (name, kind) for name, d in self.paths.items() for kind, dst in d.items()
        }

    def ready(self, path: Path) -> None:
        """Wait until ``path`` is drawn and copied (nothing to do if it is not ours)."""
        item = self.waiting.pop(Path(path), None)
        if item is not None:
            name, kind = item
            shutil.copyfile(self.sweeps.figures(name)[kind], path)

    def finish(self) -> None:
        """Copy the figures the layout did not ask for."""
        for path in list(self.waiting):
            self.ready(path)


def build(
    out: Path = Path("runs/report"),
    experiments_dir: Path = Path("runs/experiments"),
    *,
    seeds: int = experiments.SEEDS,
    cnn_seeds: int = experiments.CNN_SEEDS,
    convergence_seeds: int = experiments.CONVERGENCE_SEEDS,
    epochs: int | None = None,
    seed: int = 0,
    force: bool = False,
    progress: bool = True,
    jobs: int = 1,
) -> dict:
    """Write ``report.pdf`` and ``report.md`` into ``out``; return paths, pages and time.

    The lab run, the report's own figures, the experiments' stacks and their figures
    run on one pool of ``jobs`` processes (``sweep.pool``; 1: in this process), in that
    order; the layout starts once the stacks are trained and waits for each experiment
    figure only where it places it.
    """

    start = time.perf_counter()
    out = Path(out)
    figures = out / "figures"
    sizes = dict(
        seeds=seeds, epochs=epochs, cnn_seeds=cnn_seeds, convergence_seeds=convergence_seeds
    )
    exps = [experiments.define(name, **sizes) for name in experiments.NAMES]
    with pool(jobs) as executor:
        submit = executor.submit
        # First in the queue: they need no training, and the document needs them first.
        own = {
            "lab": submit(_lab_and_terminal, out / "lab", seed, epochs, figures),
            "sigmoid": submit(report_figures.sigmoid_figure, figures / "sigmoid.png"),
            "activations": submit(report_figures.activations_figure, figures / "activations.png"),
            "boundaries": submit(report_figures.boundary_figures, figures, seed, epochs),
            "cnn": submit(report_figures.cnn_figures, figures, seed, epochs),
            **{
                f"trajectories {s}": submit(
                    trajectories.plot_trajectories, s, figures / f"trajectories_{s}.png"
                )
                for s in trajectories.SURFACES
            },
        }
        sweeps = experiments.Sweeps(exps, experiments_dir, executor, force, progress, jobs)
        results = sweeps.wait(own.values(), figures=False)
        done = {name: future.result() for name, future in own.items()}
        if progress:
            print("[report] layout ...", file=sys.stderr, flush=True)
        lab, terminal, counts = done["lab"]
        boundaries, boundary_range = done["boundaries"]
        extra = {
            "terminal_counts": counts,
            "terminal": terminal,
            "sigmoid": done["sigmoid"],
            "activations": done["activations"],
            "boundaries": boundaries,
            "boundary_range": boundary_range,
            "cnn": done["cnn"],
            "trajectories": [done[f"trajectories {s}"] for s in trajectories.SURFACES],
        }
        copies = _Copies(sweeps, figures)
        doc = document(results, copies.paths, lab, extra, __version__)
        # laid out while the pool draws the experiments' figures; each is awaited when reached
        pages = write_pdf(doc, out / "report.pdf", copies.ready, executor if jobs > 1 else None)
        copies.finish()
    write_markdown(doc, out / "report.md")
    return {
        "pdf": out / "report.pdf",
        "md": out / "report.md",
        "pages": pages,
        "seconds": time.perf_counter() - start,
        "results": results,
        "extra": extra,
    }


def document(results, figures, lab, extra, version: str) -> Document:
    """The whole report: sections 1–6 of the handout's report spec, in order."""

    ctx = Context(results, figures, lab, extra, version)
    doc = Document(
        "Lab 1: Backpropagation",
        f"Written by `backprop report` (backprop {version}) from measured results: "
        f"{ctx.seeds} seeds per setting unless stated; the lab run uses seed {lab.seed}.",
    )
    for section in SECTIONS:
        section(doc, ctx)
    return doc
