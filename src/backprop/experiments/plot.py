"""Figures of an experiment: learning curves across seeds, and the outcome per setting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ..checks import plural
from ..lab import plot
from ..lab.data import DATASET_NAMES as DATA_NAMES
from .results import Result, median_epochs
from .spec import Experiment, Setting


def _colors(settings: list[Setting]) -> list:
    """Ordered settings of one group on a sequential map (dark = small); settings of
    different groups, or categories, in tab10."""
    one_group = len({s.group for s in settings}) == 1
    if one_group and all(
        isinstance(s.x, int | float) and not isinstance(s.x, bool) for s in settings
    ):
        ranks = np.argsort(np.argsort([float(s.x) for s in settings]))
        return [colormaps["viridis"](0.9 * r / max(1, len(settings) - 1)) for r in ranks]
    return [colormaps["tab10"](i % 10) for i in range(len(settings))]


def curve_rows(result: Result) -> list[tuple[str, list[Setting]]]:
    """Which settings share a panel: per group, the tuned one of each group, or all in one."""
    exp = result.experiment
    groups = list(dict.fromkeys(s.group for s in exp.settings))
    if exp.tune:
        tuned = {t.setting for t in result.tuned.values()}
        return [("", [s for s in exp.settings if s.label in tuned])]
    rows = [(g, [s for s in exp.settings if s.group == g]) for g in groups]
    if len(rows) == 1 or all(len(r) == 1 for _, r in rows):
        return [("", [s for _, r in rows for s in r])]
    return rows


def learning_curves(result: Result, path: Path) -> Path:
    """Loss against epoch, one panel per (group, dataset): mean line, min–max band."""
    exp = result.experiment
    rows = curve_rows(result)
    n_data = len(exp.datasets)
    fig = Figure(figsize=(4.1 * n_data + 2.0, 3.2 * len(rows) + 0.5), layout="constrained")
    axes = np.array(fig.subplots(len(rows), n_data, squeeze=False))
    mixed = len({exp.seeds_of(s) for s in exp.settings}) > 1
    for (group, settings), row in zip(rows, axes):
        for ax, data in zip(row, exp.datasets):
            for s, color in zip(settings, _colors(settings)):
                c = result.curves[s.label, data]
                ax.fill_between(
                    c["epoch"], c["loss_min"], c["loss_max"], color=color, alpha=0.15, lw=0
                )
                label = s.label.removeprefix(f"{group} ") if group else s.label
                if mixed:
                    label += f" ({plural(len(exp.seeds_of(s)), 'seed', sep='')})"
                ax.plot(c["epoch"], c["loss_mean"], color=color, lw=1.5, label=label)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("epoch (log scale)")
            ax.set_ylabel("loss")
            ax.grid(alpha=0.3, which="major")
            title = DATA_NAMES.get(data, data) + (f" — {group}" if group else "")
            ax.set_title(title, fontsize=10)
        if len(settings) > 1:
            row[-1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False)
    over = "seeds" if mixed else plural(len(exp.seeds), "seed", sep="")
    fig.suptitle(f"{exp.title}: loss, mean over {over} (band: min–max)", fontsize=11)
    return plot.save(fig, path, dpi=120)


def _never_level(result: Result) -> float:
    return 1.8 * max(s.config.epochs for s in result.experiment.settings)


def outcome(result: Result, path: Path) -> Path:
    """Final accuracy (mean, min–max) and epochs to 100 % (median, IQR) per setting."""
    exp = result.experiment
    groups = list(dict.fromkeys(s.group for s in exp.settings))
    numeric = exp.axis.log_base is not None
    cats = list(dict.fromkeys(str(s.x) for s in exp.settings))
    never = _never_level(result)
    n_data = len(exp.datasets)
    fig = Figure(figsize=(4.3 * n_data + 1.6, 6.4), layout="constrained")
    axes = np.array(fig.subplots(2, n_data, squeeze=False, sharex="col"))
    colors = [colormaps["tab10"](i % 10) for i in range(len(groups))]
    for col, data in enumerate(exp.datasets):
        ax_acc, ax_ep = axes[:, col]
        low = never
        for g, (group, color) in enumerate(zip(groups, colors)):
            st = [d for d in result.by_setting if d.group == group and d.dataset == data]
            if numeric:
                x = np.array([float(d.x) for d in st])
            else:  # side by side when several groups share a category
                x = np.array([cats.index(str(d.x)) for d in st]) + 0.12 * (
                    g - (len(groups) - 1) / 2
                )
            acc = 100 * np.array([[d.mean_accuracy, d.min_accuracy, d.max_accuracy] for d in st])
            eps = np.array([_epoch_quartiles(result, d.setting, data, never) for d in st])
            style = dict(color=color, marker="o", ms=5, lw=1.5 if numeric else 0)
            label = group if len(groups) > 1 else None
            ax_acc.plot(x, acc[:, 0], label=label, **style)
            if numeric:
                ax_acc.fill_between(x, acc[:, 1], acc[:, 2], color=color, alpha=0.15, lw=0)
            else:
                ax_acc.vlines(x, acc[:, 1], acc[:, 2], color=color, lw=1.2, alpha=0.7)
            low = min(low, eps[:, 0].min())
            ax_ep.errorbar(
                x,
                eps[:, 1],
                yerr=[eps[:, 1] - eps[:, 0], eps[:, 2] - eps[:, 1]],
                capsize=2,
                elinewidth=1,
                label=label,
                **style,
            )
            if exp.tune:
                best = result.tuned[group].lr
                i = int(np.argmin(np.abs(np.log(x / best))))
                ax_ep.plot(x[i], eps[i, 1], marker="*", ms=14, color=color, mec="k", ls="")
        ax_acc.set_ylim(min(45, ax_acc.get_ylim()[0]), 103)
        ax_acc.set_ylabel("final accuracy (%)")
        ax_acc.set_title(
            f"{DATA_NAMES.get(data, data)}: accuracy after training (mean, min–max)", fontsize=10
        )
        ax_ep.set_yscale("log")
        ax_ep.axhline(never, color="0.4", ls=":", lw=1)
        ax_ep.text(
            1.01,
            never,
            "never",
            transform=ax_ep.get_yaxis_transform(),
            va="center",
            ha="left",
            fontsize=8,
            color="0.3",
        )  # outside the axes, so that no marker hides it
        ax_ep.yaxis.set_minor_formatter(NullFormatter())  # 3×10³ and 4×10³ would touch
        ax_ep.set_ylim(max(0.8, low / 2), never * 1.6)
        ax_ep.set_ylabel("epochs to 100 %")
        ax_ep.set_title(f"{DATA_NAMES.get(data, data)}: epochs to 100 % (median, IQR)", fontsize=10)
        ax_ep.set_xlabel(exp.axis.label)
        for ax in (ax_acc, ax_ep):
            ax.grid(alpha=0.3)
            if numeric:
                ax.set_xscale("log", base=exp.axis.log_base)
            else:
                ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right")
        if exp.axis.ticks_at_settings:
            ax_ep.set_xticks([float(s.x) for s in exp.settings], [str(s.x) for s in exp.settings])
    if len(groups) > 1:
        axes[0, -1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False)
    star = " (★ tuned)" if exp.tune else ""
    fig.suptitle(f"{exp.title}: {len(exp.seeds)} seeds per setting{star}", fontsize=11)
    return plot.save(fig, path, dpi=120)


def _epoch_quartiles(result: Result, label: str, data: str, never: float) -> np.ndarray:
    """Quartiles of epochs to 100 %, a seed not at 100 % counted as infinitely many (as in
    results.median_epochs, whose median this is); a quartile that is never is drawn at
    ``never``, the height of the plot's 'never' line."""
    e = [r.epochs_to_100 for r in result.outcomes(label, data)]
    a = np.array(e, dtype=float)
    q = np.percentile(np.where(a < 0, np.finfo(float).max / 4, a), [25, 50, 75])
    q[1] = median_epochs(e)
    return np.minimum(q, never)


def histogram(result: Result, path: Path) -> Path:
    """Epochs to 100 % across seeds, one panel per dataset (single-setting experiments)."""
    exp = result.experiment
    label = exp.settings[0].label
    fig = Figure(figsize=(4.2 * len(exp.datasets), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(exp.datasets)))
    for ax, data in zip(axes, exp.datasets):
        e = np.array([r.epochs_to_100 for r in result.outcomes(label, data)])
        reached = e[e >= 0]
        if reached.size:
            ax.hist(reached, bins=np.arange(-0.5, reached.max() + 1.5), color="tab:blue")
        ax.set_yscale("log")
        ax.set_xlabel("epochs to 100 %")
        ax.set_ylabel("seeds")
        st = result.stats(label, data)
        ax.set_title(
            f"{DATA_NAMES.get(data, data)}: {st.at_100}/{plural(st.seeds, 'seed', sep='')} "
            f"at 100 %, median {st.median_epochs_to_100:g}",
            fontsize=10,
        )
        ax.grid(alpha=0.3)
    over = plural(len(exp.seeds), "seed", sep="")
    fig.suptitle(f"{exp.title}: epochs to 100 % over {over}", fontsize=11)
    return plot.save(fig, path, dpi=120)


def figure_kinds(exp: Experiment) -> dict[str, Callable]:
    """The figures of ``exp``: kind (``draw`` writes ``<kind>.png``) → its maker."""
    single = len(exp.settings) == 1
    return {
        "learning_curves": learning_curves,
        "histogram" if single else "outcome": histogram if single else outcome,
    }


def draw(result: Result, folder: Path, kind: str, redraw: bool = True) -> Path:
    """The figure ``kind`` of ``result`` as ``folder/<kind>.png``; an existing file is kept
    unless ``redraw``."""
    path = folder / f"{kind}.png"
    return (
        path
        if path.exists() and not redraw
        else figure_kinds(result.experiment)[kind](result, path)
    )
