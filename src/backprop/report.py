"""``backprop report``: the handout's report as ``report.pdf`` (A4) and ``report.md``.

It runs (or reads from their cache) every experiment of ``backprop.experiments``,
runs ``backprop lab`` in-process and keeps its terminal output, draws the few
figures of its own (sigmoid, activations, decision boundaries without activation
or biases, the CNN's input and boundary, optimizer trajectories), and lays out the
text of ``report_text``, whose every number comes from those results.

Output folder (default ``runs/report``)::

    report.pdf  report.md  figures/*.png  lab/<dataset>/...
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from . import __version__, cli, experiments, plot, trajectories
from .activations import ACTIVATIONS
from .cnn import PointsToImage
from .config import CNN, DEFAULT, Config, build_loss, build_model, build_optimizer, build_scheduler
from .data import load
from .report_layout import write_markdown, write_pdf
from .sweep import Result
from .train import History, fit


@dataclass
class Lab:
    """``backprop lab`` run in-process: its stdout and, per dataset, the outcome."""

    output: str
    folder: Path
    seed: int
    outcome: dict[str, dict] = field(default_factory=dict)  # loss, accuracy, epochs_to_100


def run_lab(folder: Path, seed: int = 0, epochs: int | None = None) -> Lab:
    """Run ``backprop lab --out folder --seed seed`` and capture what it prints."""
    argv = ["lab", "--out", str(folder), "--seed", str(seed)]
    if epochs:
        argv += ["--epochs", str(epochs)]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli.main(argv)
    if code:
        raise RuntimeError(f"backprop lab failed (exit {code}):\n{buf.getvalue()[-2000:]}")
    lab = Lab(buf.getvalue(), folder, seed)
    for data, part in _by_dataset(lab.output).items():
        m = re.search(r"loss=([\d.eE+-]+) accuracy=([\d.]+)%", "\n".join(part))
        history = History.load(folder / data / "history.json")
        lab.outcome[data] = {
            "loss": float(m.group(1)) if m else float("nan"),
            "accuracy": float(m.group(2)) / 100 if m else float("nan"),
            "epochs_to_100": int(history.epochs_to_100),
            "first_loss": float(history.loss[0]),
            "epochs": len(history.loss),
        }
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


def terminal_excerpt(output: str, head: int = 3, tail: int = 3) -> list[str]:
    """Per dataset: the header, the loss lines, the first and last predictions, the accuracy."""
    lines = []
    for part in _by_dataset(output).values():
        iters = [i for i, s in enumerate(part) if s.startswith("Iter")]
        if len(iters) > head + tail:
            skipped = len(iters) - head - tail
            part = [
                *part[: iters[head]],
                f"... ({skipped} more predictions)",
                *part[iters[-tail] :],
            ]
        lines += part
    return [s for s in lines if not s.startswith("figures, history.json")]


def terminal_figure(lines: list[str], path: Path, width: int = 110) -> Path:
    """Monospace text on a light terminal-like panel; long lines wrap at spaces."""
    wrapped = []
    for line in lines:
        wrapped += textwrap.wrap(
            line.expandtabs(8).replace("$", r"\$"),  # a literal $, not mathtext
            width,
            subsequent_indent="    ",
            drop_whitespace=False,
            replace_whitespace=False,
        ) or [""]
    line_h, size = 0.15, 7.6
    fig = Figure(figsize=(7.6, 0.5 + line_h * (len(wrapped) + 1)))
    h = fig.get_figheight()
    fig.patches.append(
        _rect(fig, (0.01, 0.01), (0.98, 0.98), facecolor="#f6f6f4", edgecolor="0.55")
    )
    fig.text(
        0.03,
        1 - 0.2 / h,
        r"\$ backprop lab",
        family="monospace",
        size=size,
        weight="bold",
        va="top",
    )
    for i, line in enumerate(wrapped):
        fig.text(
            0.03, 1 - (0.2 + line_h * (i + 1)) / h, line, family="monospace", size=size, va="top"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    return path


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


def _rect(fig: Figure, xy, size, **kw):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch(xy, *size, boxstyle="round,pad=0,rounding_size=0.01",
                          transform=fig.transFigure, **kw)  # fmt: skip


def _train(config: Config, data: str, seed: int):
    X, y = load(data, seed)
    model = build_model(config, rng=np.random.default_rng(seed))
    opt = build_optimizer(config, model.parameters())
    fit(model, X, y, loss=build_loss(config), optimizer=opt, epochs=config.epochs,
        scheduler=build_scheduler(config, opt))  # fmt: skip
    return model, X, y


def sigmoid_figure(path: Path) -> Path:
    """σ and σ' = σ(1 − σ)."""
    x = np.linspace(-7, 7, 400)
    s = 1 / (1 + np.exp(-x))
    fig = Figure(figsize=(6.4, 2.7), layout="constrained")
    ax = fig.subplots()
    ax.plot(x, s, lw=2, label="σ(x) = 1 / (1 + e^(−x))")
    ax.plot(x, s * (1 - s), lw=2, ls="--", label="σ'(x) = σ(x) (1 − σ(x))")
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set(xlabel="x", ylabel="value", title="The sigmoid and its derivative (at most 1/4)")
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", fontsize=8, bbox_to_anchor=(1, 0.35))
    return _save(fig, path)


def activations_figure(path: Path) -> Path:
    """Every activation of ``ACTIVATIONS`` and its derivative (from its own ``backward``)."""
    x = np.linspace(-4, 4, 401).reshape(-1, 1)
    names = list(ACTIVATIONS)
    fig = Figure(figsize=(8, 6.6), layout="constrained")
    axes = fig.subplots(3, 3, sharex=True).ravel()
    for ax, name in zip(axes, names):
        act = ACTIVATIONS[name]()
        y = act.forward(x.copy())
        dy = act.backward(np.ones_like(x))
        ax.plot(x, y, lw=1.8, label="f(x)")
        ax.plot(x, dy, lw=1.4, ls="--", label="f'(x)")
        ax.set_title("identity (no activation)" if name == "identity" else name, fontsize=10)
        ax.set_ylim(-2.2, 4.2)
        ax.grid(alpha=0.3)
        ax.axhline(0, color="0.5", lw=0.6)
    axes[0].legend(fontsize=8, loc="upper left")
    for ax in axes[6:]:
        ax.set_xlabel("x")
    fig.suptitle("Activations (solid) and their derivatives (dashed), from each module's "
                 "forward and backward", fontsize=11)  # fmt: skip
    return _save(fig, path)


def boundary_figures(folder: Path, seed: int, epochs: int | None) -> list[Path]:
    """XOR boundaries of the default network, without activation, and without biases."""
    cases = [
        ("tanh", "default (tanh, biases)", {}),
        ("identity", "no activation (identity)", {"activation": "identity"}),
        ("nobias", "no biases (centred inputs)", {"bias": False}),
    ]
    paths = []
    for name, title, change in cases:
        config = DEFAULT.replace(**change, epochs=epochs or DEFAULT.epochs)
        model, X, y = _train(config, "xor", seed)
        paths.append(plot.decision_boundary(model, X, y, folder / f"xor_boundary_{name}.png",
                                            title=f"XOR: {title}"))  # fmt: skip
    return paths


def cnn_figures(folder: Path, seed: int, epochs: int | None) -> list[Path]:
    """A point as the CNN sees it (a 16 × 16 image), and the CNN's XOR boundary."""
    enc = PointsToImage()
    point = np.array([[0.3, 0.7]])
    fig = Figure(figsize=(4.6, 4.2), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(enc.forward(point)[0, 0], origin="lower", extent=(0, 1, 0, 1), cmap="magma")
    ax.plot(*point[0], marker="+", color="cyan", ms=14, mew=2, label="the point (0.3, 0.7)")
    title = f"Input image of one point ({enc.size}×{enc.size})"
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.legend(loc="lower right", fontsize=8)
    fig.colorbar(image, ax=ax, shrink=0.8)
    first = _save(fig, folder / "cnn_input.png")
    config = CNN.replace(epochs=epochs or experiments.CNN_SWEEP_EPOCHS)
    model, X, y = _train(config, "xor", seed)
    second = plot.decision_boundary(model, X, y, folder / "cnn_boundary.png",
                                    title="XOR: CNN decision boundary", resolution=60)  # fmt: skip
    return [first, second]


def _copy_figures(results: dict[str, Result], folder: Path) -> dict[str, dict[str, Path]]:
    """Each experiment's figures copied to ``folder`` as ``<name>_<figure>.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, r in results.items():
        out[name] = {}
        for kind, src in r.figures.items():
            dst = folder / f"{name}_{kind}.png"
            shutil.copyfile(src, dst)
            out[name][kind] = dst
    return out


def build(
    out: Path = Path("runs/report"),
    experiments_dir: Path = Path("runs/experiments"),
    *,
    seeds: int = 10,
    cnn_seeds: int = 5,
    convergence_seeds: int = 1000,
    epochs: int | None = None,
    seed: int = 0,
    force: bool = False,
    progress: bool = True,
) -> dict:
    """Write ``report.pdf`` and ``report.md`` into ``out``; return paths, pages and time."""
    from . import report_text

    start = time.perf_counter()
    out = Path(out)
    results = experiments.run_all(
        experiments.NAMES, experiments_dir, force, progress, seeds=seeds, epochs=epochs,
        cnn_seeds=cnn_seeds, convergence_seeds=convergence_seeds,
    )  # fmt: skip
    if progress:
        print("[report] lab, figures, layout ...", file=sys.stderr, flush=True)
    lab = run_lab(out / "lab", seed, epochs)
    figures = out / "figures"
    extra = {
        "terminal": terminal_figure(terminal_excerpt(lab.output), figures / "lab_terminal.png"),
        "sigmoid": sigmoid_figure(figures / "sigmoid.png"),
        "activations": activations_figure(figures / "activations.png"),
        "boundaries": boundary_figures(figures, seed, epochs),
        "cnn": cnn_figures(figures, seed, epochs),
        "trajectories": [
            trajectories.plot_trajectories(s, figures / f"trajectories_{s}.png")
            for s in trajectories.SURFACES
        ],
    }
    doc = report_text.document(results, _copy_figures(results, figures), lab, extra, __version__)
    pages = write_pdf(doc, out / "report.pdf")
    write_markdown(doc, out / "report.md")
    return {
        "pdf": out / "report.pdf",
        "md": out / "report.md",
        "pages": pages,
        "seconds": time.perf_counter() - start,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("runs/report"),
        help="folder for report.pdf, report.md and figures/ (runs/report)",
    )
    parser.add_argument(
        "--experiments",
        type=Path,
        default=Path("runs/experiments"),
        help="the experiments' cache folder (runs/experiments)",
    )
    parser.add_argument(
        "--seeds", type=experiments.at_least_one, default=10, help="seeds per setting (10)"
    )
    parser.add_argument(
        "--cnn-seeds", type=experiments.at_least_one, default=5, help="seeds for the CNN (5)"
    )
    parser.add_argument(
        "--convergence-seeds",
        type=experiments.at_least_one,
        default=1000,
        help="seeds for the convergence numbers (1000)",
    )
    parser.add_argument(
        "--epochs",
        type=experiments.at_least_one,
        help="override every run's epochs (quick drafts; changes the numbers)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the lab run (0)")
    parser.add_argument("--force", action="store_true", help="recompute cached experiments")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")  # fmt: skip


def command(args: argparse.Namespace) -> int:
    info = build(
        args.out, args.experiments, seeds=args.seeds, cnn_seeds=args.cnn_seeds,
        convergence_seeds=args.convergence_seeds, epochs=args.epochs, seed=args.seed,
        force=args.force, progress=not args.quiet,
    )  # fmt: skip
    print(f"{info['pdf']} ({info['pages']} pages) and {info['md']} in {info['seconds']:.1f} s")
    return 0
