"""Every optimizer on 2-D test surfaces, drawn over contours, after Alec Radford's animations.

A surface is a function ``f(xy) -> (value, gradient)`` vectorised over leading
axes: ``xy`` is ``(..., 2)``, the value ``(...)`` and the gradient ``(..., 2)``.
``optimizer_paths`` puts one ``Parameter`` of shape ``(2,)`` at the start point and lets each
optimizer of ``backprop.optim`` take ``steps`` steps on it, with a learning rate
chosen per surface (the surfaces' scales differ by orders of magnitude).

It is past 300 lines because the three surfaces, the paths and their drawing (PNG and
GIF) are one small tool that nothing else in the package uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..nn.module import Parameter
from ..optim import OPTIMIZERS


def saddle(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f = x² − y²,  ∇f = (2x, −2y): a saddle point at the origin."""
    x, y = xy[..., 0], xy[..., 1]
    return x**2 - y**2, np.stack([2 * x, -2 * y], axis=-1)


def beale(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f = Σ_k (c_k − x + x yᵏ)², c = (1.5, 2.25, 2.625); minimum 0 at (3, 0.5).

    ∂f/∂x = Σ_k 2 r_k (yᵏ − 1),   ∂f/∂y = Σ_k 2 r_k k x yᵏ⁻¹,   r_k = c_k − x + x yᵏ.
    """
    x, y = xy[..., 0], xy[..., 1]
    value, gx, gy = 0.0, 0.0, 0.0
    for k, c in enumerate((1.5, 2.25, 2.625), start=1):
        r = c - x + x * y**k
        value = value + r**2
        gx = gx + 2 * r * (y**k - 1)
        gy = gy + 2 * r * k * x * y ** (k - 1)
    return value, np.stack([gx, gy], axis=-1)


def rosenbrock(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f = (1 − x)² + 100 (y − x²)²; minimum 0 at (1, 1) at the end of a curved valley.

    ∇f = (−2 (1 − x) − 400 x (y − x²),  200 (y − x²)).
    """
    x, y = xy[..., 0], xy[..., 1]
    d = y - x**2
    grad = np.stack([-2 * (1 - x) - 400 * x * d, 200 * d], axis=-1)
    return (1 - x) ** 2 + 100 * d**2, grad


@dataclass(frozen=True)
class Surface:
    """A test function, where to start on it, what to show and each optimizer's lr."""

    name: str
    formula: str
    f: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    start: tuple[float, float]
    target: tuple[float, float]
    target_label: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    steps: int
    lrs: dict[str, float] = field(default_factory=dict)


# Learning rates picked by eye: each optimizer makes visible progress and stays on screen
# (except on the saddle, which the paths must leave). The saddle's start is just off the
# ridge y = 0; exactly on it the gradient has no y part and no method could escape.
SURFACES: dict[str, Surface] = {
    "saddle": Surface(
        "saddle",
        r"Saddle $f = x^2 - y^2$",
        saddle,
        start=(1.4, 0.01),
        target=(0.0, 0.0),
        target_label="saddle point (0, 0)",
        xlim=(-1.5, 1.5),
        ylim=(-1.5, 1.5),
        steps=80,
        lrs={
            "sgd": 0.04,
            "momentum": 0.01,
            "nesterov": 0.01,
            "adagrad": 0.5,
            "rmsprop": 0.01,
            "adam": 0.05,
            "adamw": 0.05,
            "adadelta": 5.0,
        },
    ),
    "beale": Surface(
        "beale",
        "Beale's function",
        beale,
        start=(1.0, 1.5),
        target=(3.0, 0.5),
        target_label="minimum (3, 0.5)",
        xlim=(-0.5, 4.5),
        ylim=(-1.5, 2.0),
        steps=300,
        lrs={
            "sgd": 0.01,
            "momentum": 0.002,
            "nesterov": 0.002,
            "adagrad": 0.5,
            "rmsprop": 0.01,
            "adam": 0.05,
            "adamw": 0.05,
            "adadelta": 10.0,
        },
    ),
    "rosenbrock": Surface(
        "rosenbrock",
        "Rosenbrock's function",
        rosenbrock,
        start=(-1.2, 1.0),
        target=(1.0, 1.0),
        target_label="minimum (1, 1)",
        xlim=(-1.6, 1.6),
        ylim=(-0.6, 2.2),
        steps=500,
        lrs={
            "sgd": 2e-3,
            "momentum": 3e-4,
            "nesterov": 3e-4,
            "adagrad": 1.0,
            "rmsprop": 0.01,
            "adam": 0.1,
            "adamw": 0.1,
            "adadelta": 1.0,
        },
    ),
}


def _surface(surface: str | Surface) -> Surface:
    if isinstance(surface, Surface):
        return surface
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}; choose one of {', '.join(SURFACES)}")
    return SURFACES[surface]


def optimizer_paths(
    surface: str | Surface,
    steps: int | None = None,
    start: Sequence[float] | None = None,
    lrs: dict[str, float] | None = None,
) -> dict[str, np.ndarray]:
    """Each optimizer's path ``(steps + 1, 2)`` from the same start, keyed by CLI name.

    ``lrs`` overrides the surface's learning rates; optimizers not in it keep theirs.
    """
    s = _surface(surface)
    steps = s.steps if steps is None else steps
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    start = np.array(s.start if start is None else start, dtype=float)
    lrs = {**s.lrs, **(lrs or {})}
    paths = {}
    with np.errstate(all="ignore"):  # a path that diverges is part of the picture
        for name, make in OPTIMIZERS.items():
            p = Parameter(start.copy())
            opt = make([p], lrs[name])
            path = np.empty((steps + 1, 2))
            path[0] = p.data
            for t in range(1, steps + 1):
                p.grad[...] = s.f(p.data)[1]
                opt.step()
                path[t] = p.data
            paths[name] = path
    return paths


# One colour and line style per optimizer, so that paths that nearly coincide stay apart.
STYLE = {
    "sgd": ("tab:red", "-"),
    "momentum": ("tab:green", "-"),
    "nesterov": ("yellowgreen", "--"),
    "adagrad": ("tab:purple", "-."),
    "rmsprop": ("tab:orange", "-"),
    "adam": ("tab:blue", "-"),
    "adamw": ("deepskyblue", "--"),
    "adadelta": ("tab:brown", "-"),
}


def _draw_surface(ax, s: Surface, steps: int, grid: int = 300) -> None:
    """Contours (log-spaced above the minimum, linear for the saddle) and the markers."""
    from matplotlib.colors import LogNorm

    X, Y = np.meshgrid(np.linspace(*s.xlim, grid), np.linspace(*s.ylim, grid))
    Z = s.f(np.stack([X, Y], axis=-1))[0]
    if Z.min() >= 0:
        levels, norm = np.logspace(np.log10(max(Z.min(), 1e-3)), np.log10(Z.max()), 25), LogNorm()
    else:
        levels, norm = np.linspace(Z.min(), Z.max(), 25), None
    ax.contourf(X, Y, Z, levels=levels, norm=norm, cmap="Greys_r", alpha=0.55)
    ax.contour(X, Y, Z, levels=levels, norm=norm, colors="0.35", linewidths=0.5)
    ax.plot(
        *s.target,
        marker="*",
        ms=18,
        color="gold",
        mec="black",
        ls="",
        zorder=5,
        label=s.target_label,
    )
    ax.plot(
        *s.start,
        marker="o",
        ms=8,
        color="white",
        mec="black",
        ls="",
        zorder=5,
        label=f"start ({s.start[0]:g}, {s.start[1]:g})",
    )
    ax.set(xlim=s.xlim, ylim=s.ylim, xlabel="x", ylabel="y", aspect="equal")
    ax.set_title(f"{s.formula}: {steps} steps", fontsize=11)


def _line_style(name: str, i: int, n: int, lr: float, steps: int) -> dict:
    """Line ``i`` of ``n`` is narrower than the one before and drawn over it, so where
    paths coincide they show as nested stripes; dots every few steps show the speed."""
    color, ls = STYLE[name]
    lw = 1.3 + 0.5 * (n - 1 - i)
    return dict(
        color=color,
        ls=ls,
        lw=lw,
        marker=".",
        ms=lw + 1,
        zorder=3 + 0.1 * i,
        markevery=max(1, steps // 40),
        label=f"{name} (lr={lr:g})",
    )


def plot_trajectories(
    surface: str | Surface | Sequence[str | Surface],
    path: str | Path,
    steps: int | None = None,
    lrs: dict[str, float] | None = None,
) -> Path:
    """Draw every optimizer's path (``optimizer_paths``) over the contours of a surface, or of a row
    of surfaces side by side. Writes ``path`` (PNG, PDF, ... by its suffix) and returns it.
    """
    many = not isinstance(surface, str | Surface)
    surfaces = [_surface(s) for s in (surface if many else [surface])]
    fig = Figure(figsize=(5.2 * len(surfaces) + 2.2, 5.4), layout="constrained")
    axes = fig.subplots(1, len(surfaces))
    for ax, s in zip(np.atleast_1d(axes), surfaces):
        paths, used = optimizer_paths(s, steps, lrs=lrs), {**s.lrs, **(lrs or {})}
        n_steps = len(next(iter(paths.values()))) - 1
        _draw_surface(ax, s, n_steps)
        for i, (name, xy) in enumerate(paths.items()):
            style = _line_style(name, i, len(paths), used[name], n_steps)
            ax.plot(xy[:, 0], xy[:, 1], **style)
            ax.plot(*xy[-1], marker="o", ms=7, color=style["color"], mec="black", mew=0.7, zorder=4)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.07), ncol=2, fontsize=8.5)
    fig.suptitle("Optimizers from the same start point (• = final position)", fontsize=13)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    return path


def animate(
    surface: str | Surface,
    path: str | Path,
    steps: int | None = None,
    lrs: dict[str, float] | None = None,
    frames: int = 80,
    fps: int = 15,
    dpi: int = 80,
) -> Path:
    """Write an animated GIF of the paths growing step by step (matplotlib's Pillow writer).

    ``frames`` evenly spaced steps are shown (all of them if there are fewer).
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    if frames < 2:
        raise ValueError(f"frames must be at least 2, got {frames}")
    s = _surface(surface)
    paths, used = optimizer_paths(s, steps, lrs=lrs), {**s.lrs, **(lrs or {})}
    n_steps = len(next(iter(paths.values()))) - 1
    ends = np.unique(np.linspace(1, n_steps + 1, min(frames, n_steps + 1)).round().astype(int))
    aspect = (s.ylim[1] - s.ylim[0]) / (s.xlim[1] - s.xlim[0])
    fig = Figure(figsize=(7.8, 4.6 * aspect + 1.0), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)  # frames are read from an Agg buffer; no pyplot, no window
    ax = fig.subplots()
    _draw_surface(ax, s, n_steps, grid=200)
    styles = [_line_style(name, i, len(paths), used[name], n_steps) for i, name in enumerate(paths)]
    for style in styles:
        ax.plot([], [], **style)  # legend entries only
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
    # Render the static picture once and show it as an image under a bare axes at the same
    # place: each frame then draws only the moving lines, not the contours and the text.
    fig.canvas.draw()
    background, box = np.asarray(fig.canvas.buffer_rgba()).copy(), ax.get_position()
    fig.clear()
    fig.set_layout_engine("none")
    fig.figimage(background, origin="upper", zorder=-1)
    top = fig.add_axes(box, xlim=s.xlim, ylim=s.ylim)
    top.set_axis_off()
    lines, heads = [], []
    for style in styles:
        lines += top.plot([], [], **style)
        heads += top.plot(
            [], [], marker="o", ms=7, color=style["color"], mec="black", ls="", zorder=5
        )
    counter = top.text(
        0.02,
        0.97,
        "",
        transform=top.transAxes,
        va="top",
        fontsize=10,
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
    )

    def draw(i: int) -> list:
        end = ends[i]
        for line, head, xy in zip(lines, heads, paths.values()):
            line.set_data(xy[:end, 0], xy[:end, 1])
            head.set_data(xy[end - 1 : end, 0], xy[end - 1 : end, 1])
        counter.set_text(f"step {end - 1}")
        return [*lines, *heads, counter]

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    anim = FuncAnimation(fig, draw, frames=len(ends), blit=False)
    anim.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
    return path
