"""Every optimizer's path on a 2-D surface, drawn over its contours: a PNG and a GIF."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..files import replacing
from .trajectories import Surface, as_surface, optimizer_paths

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
    surfaces = [as_surface(s) for s in (surface if many else [surface])]
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
    with replacing(path) as tmp:
        fig.savefig(tmp, dpi=130)
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
    s = as_surface(surface)
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
    anim = FuncAnimation(fig, draw, frames=len(ends), blit=False)
    with replacing(path) as tmp:
        anim.save(tmp, writer=PillowWriter(fps=fps), dpi=dpi)
    return path
