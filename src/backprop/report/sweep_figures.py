"""The report's figures of the experiments: a sweep's accuracy and epochs against its
setting, the loss at a few rates, and the optimizers over their grid; drawn as
``figures`` draws (SVG at printed size, at most four series per axes)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker
import numpy as np

from ..experiments.results import Result
from ..lab.data import DATASET_NAMES as DATA
from .figures import NAMES, SERIES, STYLE, figure, save


def _never(result: Result) -> float:
    return 1.8 * max(s.config.epochs for s in result.experiment.settings)


def _series(result: Result, group: str, data: str, never: float) -> tuple[np.ndarray, ...]:
    """x, mean accuracy (%), median epochs to 100 % ('never' drawn at ``never``)."""
    st = [d for d in result.by_setting if d.group == group and d.dataset == data]
    x = np.array([float(d.x) for d in st])
    acc = np.array([100 * d.mean_accuracy for d in st])
    med = np.array([min(d.median_epochs_to_100, never) for d in st])
    return x, acc, med


def _never_line(ax, never: float) -> None:
    ax.axhline(never, color="0.4", ls=":", lw=1)
    ax.text(0.02, never / 1.15, "never", transform=ax.get_yaxis_transform(), va="top")


def sweep_figure(
    lines: list[tuple[Result, str, str]], path: Path, xlabel: str, log: bool = True
) -> Path:
    """Mean accuracy (top) and median epochs to 100 % (bottom) against the setting, one
    column per dataset, a line per (result, group, label) of ``lines`` (at most three).
    One line: no legend, and a tick at each sampled setting."""
    never = max(_never(r) for r, _, _ in lines)
    with matplotlib.rc_context(STYLE):
        fig = figure(3.3, left=0.55, wspace=0.2, hspace=0.25)
        axes = fig.subplots(2, 2, sharex=True)
        for col, data in enumerate(("linear", "xor")):
            for (result, group, label), color in zip(lines, SERIES):
                x, acc, med = _series(result, group, data, never)
                axes[0, col].plot(x, acc, "o-", ms=3, color=color, label=label)
                axes[1, col].plot(x, med, "o-", ms=3, color=color, label=label)
            axes[0, col].set(title=DATA[data], ylim=(45, 103))
            axes[1, col].set(yscale="log", xlabel=xlabel)
            if log:
                axes[1, col].set_xscale("log")
            _never_line(axes[1, col], never)
            if len(lines) == 1:  # sharex: the bottom axes set both
                axes[1, col].set_xticks(x, [f"{v:g}" for v in x])
                axes[1, col].xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        axes[0, 0].set_ylabel("mean accuracy (%)")
        axes[1, 0].set_ylabel("median epochs to 100 %")
        if len(lines) > 1:
            axes[0, 0].legend(frameon=False, loc="lower left")
    return save(fig, path)


def rate_curves_figure(rows: list[tuple[Result, str, list]], path: Path) -> Path:
    """Mean loss per epoch at a few learning rates: a row per (result, group, settings),
    a column per dataset."""
    with matplotlib.rc_context(STYLE):
        fig = figure(1.6 * len(rows) + 0.2, left=0.6, wspace=0.25, hspace=0.35)
        axes = np.atleast_2d(fig.subplots(len(rows), 2, sharex=True))
        for row, (result, group, settings) in zip(axes, rows):
            for ax, data in zip(row, ("linear", "xor")):
                for s, color in zip(settings, SERIES):
                    c = result.curves[s.label, data]
                    ax.plot(c["epoch"], c["loss_mean"], color=color, label=f"ρ = {s.x:g}")
                name = {"sgd": "gradient descent", "adam": "Adam"}.get(group, group)
                ax.set(xscale="log", yscale="log", title=f"{name}, {DATA[data]}")
                ax.set_ylabel("mean loss")
            row[0].legend(frameon=False, loc="lower left")
        for ax in axes[-1]:
            ax.set_xlabel("epoch")
    return save(fig, path)


def optimizer_figure(result: Result, path: Path) -> Path:
    """Median epochs to 100 % of each optimizer over the rate grid (★ its tuned rate),
    four optimizers per panel, a column per dataset."""
    names = list(result.tuned)
    halves = [names[: (len(names) + 1) // 2], names[(len(names) + 1) // 2 :]]
    never = _never(result)
    colors = ("tab:blue", "tab:orange", "tab:green", "tab:red")
    with matplotlib.rc_context(STYLE):
        fig = figure(3.2, left=0.55, right=1.5, wspace=0.08, hspace=0.3)
        axes = fig.subplots(2, 2, sharex=True, sharey=True)
        for row, half in zip(axes, halves):
            for col, data in enumerate(("linear", "xor")):
                ax = row[col]
                for name, color in zip(half, colors):
                    x, _, med = _series(result, name, data, never)
                    ax.plot(x, med, "o-", ms=2.5, color=color, label=NAMES.get(name, name))
                    i = int(np.argmin(np.abs(np.log(x / result.tuned[name].lr))))
                    ax.plot(x[i], med[i], "*", ms=9, color=color, mec="k", mew=0.5)
                ax.set(xscale="log", yscale="log", title=DATA[data])
                _never_line(ax, never)
            row[0].set_ylabel("median epochs to 100 %")
            row[1].legend(frameon=False, loc="center left", bbox_to_anchor=(1.03, 0.5))
        for ax in axes[-1]:
            ax.set_xlabel("learning rate ρ")
    return save(fig, path)
