"""Figures, written to files. Built on ``matplotlib.figure.Figure`` (no pyplot), so
nothing opens a window or touches global backend state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..checks import plural
from ..files import replacing
from ..nn.module import Module
from ..train import History

CLASS_COLORS = ("tab:red", "tab:blue")  # class 0, class 1, as in the handout's figure
PROB_CMAP = ListedColormap(
    np.vstack(
        [
            np.linspace([0.85, 0.33, 0.31], [1, 1, 1], 128),
            np.linspace([1, 1, 1], [0.26, 0.45, 0.77], 128),
        ]
    )
)


def _scatter(ax, X: np.ndarray, labels: np.ndarray, title: str, hollow: bool = False) -> None:
    """The points, coloured by class; ``hollow``: white discs ringed in the class colour
    (test points; white, so that a ring shows on a background of its own colour too)."""
    labels = np.asarray(labels).reshape(-1) > 0.5
    for cls, color in enumerate(CLASS_COLORS):
        pts = X[labels == bool(cls)]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=28,
            c="white" if hollow else color,
            edgecolors=color if hollow else "k",
            linewidths=1.6 if hollow else 0.4,
            label=f"class {cls}" + (" (test)" if hollow else ""),
        )
    ax.set_title(title)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    ax.set_xlim(-0.08, 1.08)
    ax.set_ylim(-0.08, 1.08)


def save(fig: Figure, path: str | Path, dpi: int = 110, tight: bool = False) -> Path:
    """Write ``fig`` to ``path`` (its folder made if needed) and return the path; ``tight``
    measures every text extent again, so keep it for one-off figures."""
    path = Path(path)
    with replacing(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight" if tight else None)
    return path


def comparison(
    X: np.ndarray, y: np.ndarray, pred: np.ndarray, path: str | Path, title: str = ""
) -> Path:
    """The handout's figure: ground truth beside the thresholded prediction."""
    fig = Figure(figsize=(9, 4.8))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.86, wspace=0.25)
    left, right = fig.subplots(1, 2)
    _scatter(left, X, y, "Ground truth")
    _scatter(right, X, pred > 0.5, "Predict result")
    wrong = (np.asarray(pred).reshape(-1) > 0.5) != (np.asarray(y).reshape(-1) > 0.5)
    if wrong.any():
        right.scatter(
            X[wrong, 0],
            X[wrong, 1],
            s=140,
            facecolors="none",
            edgecolors="k",
            linewidths=1.2,
            label="misclassified",
        )
    fig.legend(*right.get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8)
    if title:
        fig.suptitle(title)
    return save(fig, path)


def learning_curve(history: History, path: str | Path, title: str = "") -> Path:
    """Loss (log scale) and accuracy against epoch, each measured before that epoch's
    update; the test set's too when ``history`` has one."""
    epochs = np.arange(1, len(history.loss) + 1)
    fig = Figure(figsize=(9, 3.8))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.82, wspace=0.25)
    ax_loss, ax_acc = fig.subplots(1, 2)
    tested = history.test_loss is not None
    ax_loss.plot(epochs, history.loss, color="tab:purple", label="training")
    if tested:  # after 0 … T epochs: drawn from epoch 1 to T + 1
        test = np.arange(1, len(history.test_loss) + 1)
        ax_loss.plot(test, history.test_loss, color="tab:orange", label="test (held out)")
        ax_acc.plot(test, 100 * history.test_accuracy, color="tab:orange", label="test")
        ax_loss.legend(loc="best", fontsize=8)  # the test curve often runs along the top
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    ax_loss.set_title("Learning curve (loss)")
    ax_loss.grid(alpha=0.3)
    ax_acc.plot(
        epochs,
        100 * np.asarray(history.accuracy),
        color="tab:green",
        label="training" if tested else None,
    )
    first = history.epochs_to_100
    if isinstance(first, int) and first >= 0:
        # entry k is before update k + 1 (after k updates), drawn at epoch k + 1
        label = f"100 % from here on (after {plural(first, 'update', sep='')})"
        label = f"training at {label}" if tested else label
        ax_acc.axvline(first + 1, color="0.5", ls="--", lw=1, label=label)
    if tested or (isinstance(first, int) and first >= 0):
        ax_acc.legend(loc="lower right", fontsize=8)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.set_ylim(-2, 102)
    ax_acc.set_title("Accuracy")
    ax_acc.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return save(fig, path)


def decision_boundary(
    model: Module,
    X: np.ndarray,
    y: np.ndarray,
    path: str | Path,
    title: str = "Decision boundary",
    resolution: int = 200,
    test: tuple[np.ndarray, np.ndarray] | None = None,
) -> Path:
    """Predicted probability over the input square, the 0.5 contour, the points on top
    (the held-out ``test`` points as rings)."""
    fig = Figure(figsize=(5.6, 5.0))
    ax = fig.add_axes((0.11, 0.17, 0.68, 0.76))  # square: 3.8 in × 3.8 in
    cax = fig.add_axes((0.83, 0.17, 0.035, 0.76))
    image = probability_panel(ax, model, X, y, title, resolution)
    if test is not None:
        _scatter(ax, *test, title, hollow=True)
    fig.colorbar(image, cax=cax, label="P(class 1)", ticks=np.linspace(0, 1, 6))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=2, fontsize=8)
    return save(fig, path)


def probability_grid(model: Module, resolution: int = 200) -> tuple[np.ndarray, ...]:
    """``(g1, g2, prob)``: the model's output on a resolution² grid over the plotted square."""
    grid = np.linspace(-0.08, 1.08, resolution)
    g1, g2 = np.meshgrid(grid, grid)
    with np.errstate(all="ignore"):
        prob = model.forward(np.column_stack([g1.ravel(), g2.ravel()])).reshape(g1.shape)
    return g1, g2, prob


def probability_panel(
    ax, model: Module, X: np.ndarray, y: np.ndarray, title: str, resolution: int = 200
):
    """Draw P(class 1) as filled contours, its 0.5 contour and the points on ``ax``."""
    g1, g2, prob = probability_grid(model, resolution)
    image = ax.contourf(g1, g2, prob, levels=np.linspace(0, 1, 21), cmap=PROB_CMAP)
    if prob.min() < 0.5 < prob.max():
        ax.contour(g1, g2, prob, levels=[0.5], colors="k", linewidths=1.2)
    _scatter(ax, X, y, title)
    return image
