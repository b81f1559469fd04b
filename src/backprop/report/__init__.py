"""``backprop report``: the handout's report as ``report.typ``, typeset by Typst into
``report.pdf`` (A4).

It runs (or reads from their cache) every experiment of ``backprop.experiments``, runs
``backprop lab`` in-process for the default and the handout's network and keeps what they
print, draws the figures as SVG, writes the sections of ``report.sections`` (every number
read from those results) as ``report.typ``, and compiles it. ``typeset`` recompiles an
edited ``report.typ`` alone; ``build`` refuses to overwrite one unless ``force``.

Output folder (default ``runs/report``)::

    report.typ  report.pdf  figures/*.svg  lab/<network>/<dataset>/...
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from .. import __version__, experiments
from ..experiments.sweep import InProcess, pool
from ..files import write_text
from ..lab.data import DATASETS
from ..lab.pack import zip_name
from . import cache, sweep_figures
from . import figures as report_figures
from .context import Context, Lab
from .doc import AUTHOR_PLACEHOLDER, Document, to_typst
from .lab_run import by_dataset, lab_from, run_lab, run_lab_dataset, terminal_excerpt
from .sections import SECTIONS
from .typesetting import PREAMBLE, compile_pdf, edited, missing_font, stamp

EDITED = (
    "{path} was edited since backprop report wrote it; backprop report --typeset compiles "
    "your edits, --force overwrites them (and recomputes the experiments)"
)
NETWORKS = {"handout": "handout", "default": "default"}  # preset → name in the report


NO_AUTHOR = (
    'backprop report: the title block has no author (it shows "{placeholder}" to fill '
    "in); give --student-id and --name to print yours"
)


def author_line(student_id: str | None, name: str | None) -> str:
    """ "Name (student ID 313551157)", checked as ``pack`` checks them; "" if neither."""
    if student_id is None and name is None:
        return ""
    if student_id is None or name is None:
        raise ValueError("give both --student-id and --name, or neither")
    zip_name(student_id, name)  # pack's checks: digits only, a name a file may carry
    return f"{name} (student ID {student_id})"


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
    author: str = "",
) -> dict:
    """Write ``report.typ`` and the figures into ``out`` and compile ``report.pdf``;
    return paths, pages, prose words and time. An edited ``report.typ`` is a
    ``ValueError`` unless ``force``.
    """
    start = time.perf_counter()
    out = Path(out)
    source = out / "report.typ"
    if edited(source) and not force:
        raise ValueError(EDITED.format(path=source))
    sizes = dict(
        seeds=seeds, epochs=epochs, cnn_seeds=cnn_seeds, convergence_seeds=convergence_seeds
    )
    exps = [experiments.define(name, **sizes) for name in experiments.NAMES]
    k = cache.key(seed=seed, sizes=sizes, experiments=[e.key() for e in exps])
    saved = None if force else cache.load(out, k)
    if saved is not None:  # nothing changed since the last build: only the text is new
        results = experiments.Sweeps(exps, experiments_dir, InProcess(), False, progress, 1).wait(
            figures=False
        )
        labs = {
            p: lab_from(out / "lab" / p, seed, p, {d: tuple(v) for d, v in parts.items()})
            for p, parts in saved["labs"].items()
        }
        extra = {name: out / rel for name, rel in saved["figures"].items()}
        extra["boundary_range"] = {n: tuple(r) for n, r in saved["boundary_range"].items()}
    else:
        results, labs, extra = _compute(
            out, experiments_dir, exps, seed, epochs, jobs, force, progress
        )
        files = [v for v in extra.values() if isinstance(v, Path)]
        files += [out / "lab" / p / d / "history.json" for p in NETWORKS for d in DATASETS]
        cache.save(out, k, _saved(out, labs, extra), files)
    if progress:
        print("[report] typesetting ...", file=sys.stderr, flush=True)
    ctx = Context(results, extra, labs["default"], extra, __version__, handout=labs["handout"])
    doc = document(ctx, author)
    body = to_typst(doc, out, PREAMBLE)
    write_text(source, stamp(body))
    pdf = compile_pdf(source)
    return {
        "typ": source,
        "pdf": pdf,
        "pages": pages(pdf),
        "words": doc.words(),
        "seconds": time.perf_counter() - start,
        "results": results,
        "extra": extra,
        "doc": doc,
    }


def _compute(out: Path, experiments_dir: Path, exps, seed, epochs, jobs, force, progress):
    """The experiments' results, both lab runs and every figure, on one pool of ``jobs``
    processes: ``(results, labs, extra)``."""
    figures, rf = out / "figures", report_figures
    with pool(jobs) as executor:
        submit = executor.submit
        own = {  # first in the queue: they need no experiment
            **{
                (p, d): submit(run_lab_dataset, out / "lab" / p, seed, epochs, p, d)
                for p in NETWORKS
                for d in DATASETS
            },
            "sigmoid": submit(rf.sigmoid_figure, figures / "sigmoid.svg"),
            "activations": submit(rf.activations_figure, figures / "activations.svg"),
            "boundaries": submit(rf.boundary_figures, figures / "xor_boundaries.svg", seed, epochs),
            "cnn": submit(
                rf.cnn_figures, figures / "cnn.svg", seed, epochs, experiments.CNN_SWEEP_EPOCHS
            ),
        }
        sweeps = experiments.Sweeps(exps, experiments_dir, executor, force, progress, jobs)
        labs = {
            p: lab_from(out / "lab" / p, seed, p, {d: own.pop((p, d)).result() for d in DATASETS})
            for p in NETWORKS
        }
        own |= _lab_figures(submit, labs, figures)  # drawn while the sweeps train
        results = sweeps.wait(own.values(), figures=False)
        own |= _sweep_figures(submit, results, figures)
        done = {name: future.result() for name, future in own.items()}
    boundaries, boundary_range = done.pop("boundaries")
    return results, labs, {**done, "boundaries": boundaries, "boundary_range": boundary_range}


def _saved(out: Path, labs: dict[str, Lab], extra: dict) -> dict:
    """What ``cache.save`` keeps of a build: the printouts, numbers and figures' names."""
    by = {}
    for p, lab in labs.items():
        parts = by_dataset(lab.output)
        by[p] = {
            d: ["\n".join(parts[d]) + "\n", lab.outcome[d].loss, lab.outcome[d].accuracy]
            for d in DATASETS
        }
    return {
        "labs": by,
        "figures": {
            n: v.resolve().relative_to(out.resolve()).as_posix()
            for n, v in extra.items()
            if isinstance(v, Path)
        },
        "boundary_range": extra["boundary_range"],
    }


def typeset(out: Path = Path("runs/report")) -> dict:
    """Compile ``out/report.typ`` (edited or not) into ``report.pdf``: nothing is trained
    or rewritten."""
    start = time.perf_counter()
    source = Path(out) / "report.typ"
    if not source.exists():
        raise ValueError(f"{source} does not exist; run backprop report first")
    pdf = compile_pdf(source)
    return {"typ": source, "pdf": pdf, "pages": pages(pdf), "seconds": time.perf_counter() - start}


def pages(pdf: Path) -> int:
    """The number of pages of a PDF Typst wrote (each page object names its type)."""
    return len(re.findall(rb"/Type\s*/Page\b", Path(pdf).read_bytes()))


def _lab_figures(submit, labs: dict[str, Lab], folder: Path) -> dict:
    """The lab runs' figures, submitted: name → future of its SVG."""
    folders = {NETWORKS[p]: lab.folder for p, lab in labs.items()}
    histories = {NETWORKS[p]: lab.history for p, lab in labs.items()}
    rf = report_figures
    return {
        "lab": submit(rf.lab_figure, folders, folder / "lab.svg"),
        "curves": submit(rf.curves_figure, histories, folder / "curves.svg"),
        "boundaries_lab": submit(rf.boundaries_figure, folders, folder / "boundaries.svg"),
    }


def _sweep_figures(submit, results, folder: Path) -> dict:
    """The experiments' figures, submitted: name → future of its SVG."""
    rf = sweep_figures
    lr, hand = results["lr"], results["handout_lr"]

    def picks(result, group: str) -> list:
        """The grid's smallest rate, the fastest (Context.fastest) and the largest."""
        settings = [s for s in result.experiment.settings if s.group == group]
        best = Context(results, {}, None, {}, "").fastest(result.experiment.name, settings)
        chosen = {s.label: s for s in (settings[0], best, settings[-1])}
        return list(chosen.values())

    hidden = results["hidden"]
    return {
        "lr": submit(
            rf.sweep_figure,
            [(lr, "sgd", "gradient descent"), (lr, "adam", "Adam"), (hand, "handout", "handout")],
            folder / "lr.svg",
            "learning rate ρ",
        ),
        "lr_curves": submit(
            rf.rate_curves_figure,
            [(lr, "sgd", picks(lr, "sgd")), (lr, "adam", picks(lr, "adam"))],
            folder / "lr_curves.svg",
        ),
        "hidden": submit(
            rf.sweep_figure,
            [(hidden, hidden.experiment.settings[0].group, "default")],
            folder / "hidden.svg",
            "hidden units per layer h",
        ),
        "optimizers": submit(rf.optimizer_figure, results["optimizer"], folder / "optimizers.svg"),
    }


def document(ctx: Context, author: str = "") -> Document:
    """The whole report: sections 1–6 of the handout's report spec, in order."""
    doc = Document("Lab 1: Backpropagation", author, version=f"backprop {ctx.version}")
    for section in SECTIONS:
        section(doc, ctx)
    return doc


__all__ = [
    "EDITED",
    "AUTHOR_PLACEHOLDER",
    "NO_AUTHOR",
    "author_line",
    "build",
    "edited",
    "missing_font",
    "run_lab",
    "terminal_excerpt",
    "typeset",
]
