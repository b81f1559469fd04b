"""The report's own figures: the lab's terminal output as an image, the sigmoid, every
activation, XOR boundaries without activation or biases, the CNN's input and boundary."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from .. import experiments
from ..lab import plot
from ..lab.cnn import PointsToImage
from ..lab.config import CNN, DEFAULT, Config, build
from ..lab.data import load
from ..nn.activations import ACTIVATIONS, sigmoid


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


def _rect(fig: Figure, xy, size, **kw) -> FancyBboxPatch:
    return FancyBboxPatch(
        xy, *size, boxstyle="round,pad=0,rounding_size=0.01", transform=fig.transFigure, **kw
    )


def _fit_one(config: Config, data: str, seed: int):
    X, y = load(data, seed)
    run = build(config, rng=np.random.default_rng(seed))
    run.fit(X, y)
    return run.model, X, y


def sigmoid_figure(path: Path) -> Path:
    """σ and σ' = σ(1 − σ)."""
    x = np.linspace(-7, 7, 400)
    s = sigmoid(x)
    fig = Figure(figsize=(6.4, 2.7), layout="constrained")
    ax = fig.subplots()
    ax.plot(x, s, lw=2, label="σ(x) = 1 / (1 + e^(−x))")
    ax.plot(x, s * (1 - s), lw=2, ls="--", label="σ'(x) = σ(x) (1 − σ(x))")
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set(xlabel="x", ylabel="value", title="The sigmoid and its derivative (at most 1/4)")
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", fontsize=8, bbox_to_anchor=(1, 0.35))
    return plot.save(fig, path, dpi=120, tight=True)


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
    fig.suptitle(
        "Activations (solid) and their derivatives (dashed), from each module's "
        "forward and backward",
        fontsize=11,
    )
    return plot.save(fig, path, dpi=120, tight=True)


def boundary_figures(folder: Path, seed: int, epochs: int | None) -> tuple[list[Path], dict]:
    """XOR boundaries of the default network, without activation, and without biases, in
    one figure; and per case the (min, max) of the output over the plotted grid."""
    cases = [
        ("tanh", "default (tanh, biases)", {}),
        ("identity", "no activation (identity)", {"activation": "identity"}),
        ("nobias", "no biases (centred inputs)", {"bias": False}),
    ]
    fig = Figure(figsize=(10.5, 4.3), layout="constrained")
    axes = fig.subplots(1, len(cases))
    spread = {}
    for ax, (name, title, change) in zip(axes, cases):
        config = DEFAULT.replace(**change, epochs=epochs or DEFAULT.epochs)
        model, X, y = _fit_one(config, "xor", seed)
        prob = plot.probability_grid(model)[2]
        spread[name] = (float(prob.min()), float(prob.max()))
        lo, hi = spread[name]
        image = plot.probability_panel(ax, model, X, y, f"{title}\noutput {lo:.3f} to {hi:.3f}")
    fig.colorbar(image, ax=list(axes), label="P(class 1)", ticks=np.linspace(0, 1, 6), shrink=0.8)
    axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=9)
    return [plot.save(fig, folder / "xor_boundaries.png", dpi=150)], spread


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
    first = plot.save(fig, folder / "cnn_input.png", dpi=120, tight=True)
    config = CNN.replace(epochs=epochs or experiments.CNN_SWEEP_EPOCHS)
    model, X, y = _fit_one(config, "xor", seed)
    second = plot.decision_boundary(
        model, X, y, folder / "cnn_boundary.png", title="XOR: CNN decision boundary", resolution=60
    )
    return [first, second]
