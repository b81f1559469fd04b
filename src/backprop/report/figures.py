"""The report's figures, as SVG drawn at their printed size (6.7 in, the text width, or
less) with text kept as text and never under 7 pt; at most three series per axes.

The experiments' figures (``sweep_figures``) are drawn for the report rather than taken
from ``experiments.plot``, whose figures are sized for a screen.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..files import replacing
from ..lab import plot
from ..lab.cnn import PointsToImage
from ..lab.config import CNN, DEFAULT, Config, build, load_model
from ..lab.data import DATASET_NAMES as DATA
from ..lab.data import load
from ..nn.activations import ACTIVATIONS, sigmoid

WIDTH = 6.69  # inches: A4 less two 2 cm margins
STYLE = {
    "svg.fonttype": "none",  # text stays text: selectable, set by Typst in DejaVu Sans
    "svg.hashsalt": "backprop",  # the same figure gives the same file
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "figure.titlesize": 8.5,
    "lines.linewidth": 1.3,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
SERIES = ("tab:blue", "tab:orange", "tab:green")
NAMES = {"sgd": "gradient descent"}  # the code's optimizer name → the report's


def save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as SVG (no date, so a redraw of the same figure is the same file)."""
    for ax in fig.axes:  # a log axis sets exponents and minor labels at 0.7×: under 7 pt
        for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
            if scale == "log":
                axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                axis.set_minor_formatter(NullFormatter())
    path = Path(path).with_suffix(".svg")
    with matplotlib.rc_context(STYLE), replacing(path) as tmp:
        fig.savefig(tmp, format="svg", metadata={"Date": None})
    return path


def figure(
    height: float,
    width: float = WIDTH,
    *,
    left: float = 0.5,
    right: float = 0.1,
    bottom: float = 0.36,
    top: float = 0.2,
    wspace: float = 0.3,
    hspace: float = 0.4,
) -> Figure:
    """A figure with its margins in inches: fixed margins, because constrained layout
    measured every text again and took most of the report's drawing time."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height))
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=wspace,
        hspace=hspace,
    )
    return fig


def _fit_one(config: Config, data: str, seed: int):
    X, y = load(data, seed)
    run = build(config, rng=np.random.default_rng(seed))
    run.fit(X, y)
    return run.model, X, y


# --------------------------------------------------------------- section 2


def sigmoid_figure(path: Path) -> Path:
    """σ with σ', beside tanh with tanh' (the default's hidden activation)."""
    x = np.linspace(-6, 6, 241)
    s, t = sigmoid(x), np.tanh(x)
    with matplotlib.rc_context(STYLE):
        fig = figure(1.75, bottom=0.34, top=0.08, left=0.42)
        left, right = fig.subplots(1, 2)
        left.plot(x, s, label="σ(x)")
        left.plot(x, s * (1 - s), ls="--", label="σ′(x) = σ(1 − σ) ≤ 1/4")
        right.plot(x, t, label="tanh x")
        right.plot(x, 1 - t**2, ls="--", label="tanh′ x = 1 − tanh² x ≤ 1")
        for ax in (left, right):
            ax.set_xlabel("x")
            ax.legend(loc="upper left", frameon=False)
        left.set_ylim(-0.05, 1.35)
        right.set_ylim(-1.1, 1.9)
    return save(fig, path)


def _broken(x: np.ndarray, y: np.ndarray, jump: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """``x, y`` with a NaN between samples whose ``y`` jumps by more than ``jump`` (a
    step, as ReLU's derivative at 0), so that the line is not joined across it."""
    cut = np.flatnonzero(np.abs(np.diff(y)) > jump) + 1
    return np.insert(x.astype(float), cut, np.nan), np.insert(y.astype(float), cut, np.nan)


def activations_figure(path: Path) -> Path:
    """Each activation besides the identity: f (solid) and f' (dashed) from its module."""
    x = np.linspace(-4, 4, 161).reshape(-1, 1)
    names = [n for n in ACTIVATIONS if n != "identity"]
    with matplotlib.rc_context(STYLE):
        fig = figure(2.9, left=0.35, bottom=0.3, wspace=0.1, hspace=0.3)
        axes = fig.subplots(2, (len(names) + 1) // 2, sharex=True, sharey=True).ravel()
        for ax, name in zip(axes, names):
            act = ACTIVATIONS[name]()
            y = act.forward(x.copy())
            ax.plot(x, y, label="f(x)")
            ax.plot(
                *_broken(x.ravel(), act.backward(np.ones_like(x)).ravel()), ls="--", label="f′(x)"
            )
            ax.set_title(name)
            ax.set_ylim(-1.6, 3.2)
        axes[0].legend(loc="upper left", frameon=False)
        for ax in axes[len(names) :]:
            ax.set_visible(False)
    return save(fig, path)


# --------------------------------------------------------------- section 3


def lab_figure(folders: dict[str, Path], path: Path) -> Path:
    """Per network (a row): ground truth and prediction on each dataset."""
    with matplotlib.rc_context(STYLE):
        fig = figure(1.9 * len(folders), bottom=0.55, left=0.45, wspace=0.45, hspace=0.6)
        axes = np.atleast_2d(fig.subplots(len(folders), 4))
        for row, (network, folder) in zip(axes, folders.items()):
            for i, data in enumerate(("linear", "xor")):
                model, _ = load_model(folder / data / "model.npz")
                X, y = load(data, _seed(folder / data))
                with np.errstate(all="ignore"):
                    p = model.forward(X)
                plot._scatter(row[2 * i], X, y, f"{DATA[data]}: ground truth")
                plot._scatter(row[2 * i + 1], X, p > 0.5, f"{network}: prediction")
            for ax in row:
                ax.set_xlabel("x₁", labelpad=1)
                ax.set_ylabel("x₂", labelpad=1)
                ax.grid(False)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    return save(fig, path)


def _seed(folder: Path) -> int:
    import json

    return int(json.loads((folder / "history.json").read_text())["config"]["seed"])


def curves_figure(histories: dict[str, object], path: Path) -> Path:
    """Loss per epoch of each network's lab run, one panel per dataset (log–log)."""
    with matplotlib.rc_context(STYLE):
        fig = figure(2.0, left=0.6, wspace=0.3)
        axes = fig.subplots(1, 2)
        for ax, data in zip(axes, ("linear", "xor")):
            for (network, h), color in zip(histories.items(), SERIES):
                loss = np.asarray(h[data].loss)
                ax.plot(np.arange(1, loss.size + 1), loss, color=color, label=network)
                e = h[data].epochs_to_100
                if e >= 0:
                    ax.plot(e + 1, loss[min(e, loss.size - 1)], "o", color=color, ms=4)
            ax.set(xscale="log", yscale="log", xlabel="epoch", ylabel="loss", title=DATA[data])
        axes[0].legend(frameon=False, loc="lower left")
    return save(fig, path)


def boundaries_figure(folders: dict[str, Path], path: Path) -> Path:
    """P(class 1) over the plane of each network's lab run on both datasets, in one row."""
    with matplotlib.rc_context(STYLE):
        fig = figure(1.95, left=0.4, right=0.05, wspace=0.35)
        axes = fig.subplots(1, 2 * len(folders))
        i = 0
        for network, folder in folders.items():
            for data in ("linear", "xor"):
                model, _ = load_model(folder / data / "model.npz")
                X, y = load(data, _seed(folder / data))
                image = plot.probability_panel(
                    axes[i], model, X, y, f"{network}, {DATA[data]}", resolution=120
                )
                axes[i].grid(False)
                axes[i].set_xlabel("x₁", labelpad=1)
                axes[i].set_ylabel("x₂" if i == 0 else "", labelpad=1)
                i += 1
        fig.colorbar(image, ax=list(axes), label="P(class 1)", ticks=[0, 0.5, 1], shrink=0.8)
    return save(fig, path)


# --------------------------------------------------------------- section 4


def boundary_figures(path: Path, seed: int, epochs: int | None) -> tuple[Path, dict]:
    """XOR boundaries of the default network, without activation, and without biases; and
    per case the (min, max) of the output over the plotted grid."""
    cases = [
        ("tanh", "default", {}),
        ("identity", "no activation", {"activation": "identity"}),
        ("nobias", "no biases", {"bias": False}),
    ]
    spread = {}
    with matplotlib.rc_context(STYLE):
        fig = figure(2.35, left=0.4, right=0.05, top=0.35, wspace=0.3)
        axes = fig.subplots(1, len(cases))
        for ax, (name, title, change) in zip(axes, cases):
            config = DEFAULT.replace(**change, epochs=epochs or DEFAULT.epochs)
            model, X, y = _fit_one(config, "xor", seed)
            prob = plot.probability_grid(model, 120)[2]
            spread[name] = (float(prob.min()), float(prob.max()))
            lo, hi = spread[name]
            image = plot.probability_panel(
                ax, model, X, y, f"{title}\noutput {lo:.3f} to {hi:.3f}", resolution=120
            )
            ax.grid(False)
            ax.set_xlabel("x₁", labelpad=1)
            ax.set_ylabel("x₂", labelpad=1)
        fig.colorbar(image, ax=list(axes), label="P(class 1)", ticks=[0, 0.5, 1], shrink=0.8)
    return save(fig, path), spread


# --------------------------------------------------------------- section 6


def cnn_figures(path: Path, seed: int, epochs: int | None, sweep_epochs: int) -> Path:
    """A point as the CNN sees it (an image), and the CNN's XOR decision boundary."""
    enc = PointsToImage()
    point = np.array([[0.3, 0.7]])
    config = CNN.replace(epochs=epochs or sweep_epochs)
    model, X, y = _fit_one(config, "xor", seed)
    with matplotlib.rc_context(STYLE):
        fig = figure(2.2, 4.6, left=0.4, wspace=0.45)
        left, right = fig.subplots(1, 2)
        left.imshow(enc.forward(point)[0, 0], origin="lower", extent=(0, 1, 0, 1), cmap="magma")
        left.plot(*point[0], marker="+", color="cyan", ms=10, mew=1.5)
        left.set(title=f"input for (0.3, 0.7), {enc.size}×{enc.size}", xlabel="x₁", ylabel="x₂")
        left.grid(False)
        plot.probability_panel(right, model, X, y, "CNN on XOR", resolution=60)
        right.grid(False)
        right.set_xlabel("x₁", labelpad=1)
        right.set_ylabel("x₂", labelpad=1)
    return save(fig, path)
