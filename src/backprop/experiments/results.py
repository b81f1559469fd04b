"""Typed results: one run's outcome, a setting's statistics over seeds, an experiment's result.

``RunOutcome`` is a row of ``results.csv``; ``SettingStats`` an entry of ``summary.json``'s
``by_setting`` (``summarize``); ``Tuned`` a group's best setting (``tune``, TUNE_RULE);
``Result`` holds them all with the curves, and writes ``summary.json``'s content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from .. import __version__
from .spec import Experiment


@dataclass(frozen=True)
class RunOutcome:
    """One (setting, dataset, seed) after training; ``epochs_to_100`` is
    ``train.epochs_to_100`` (-1: does not end at 100 %)."""

    setting: str
    group: str
    lr: float
    dataset: str
    seed: int
    final_loss: float
    final_accuracy: float
    epochs_to_100: int

    @classmethod
    def from_csv(cls, row: dict[str, str]) -> RunOutcome:
        """A ``results.csv`` row (all strings) back to its types."""
        kinds = {f.name: f.type for f in fields(cls)}
        cast = {"float": float, "int": int, "str": str}
        return cls(**{k: cast[kinds[k]](v) for k, v in row.items()})


FIELDS = tuple(f.name for f in fields(RunOutcome))  # results.csv's columns


@dataclass(frozen=True)
class SettingStats:
    """A setting on one dataset across its seeds: mean/min/max final accuracy, ``at_100``
    (seeds that end at 100 %), median and max epochs to 100 % (``median_epochs``; max -1
    if any seed never gets there), median final loss, and how many runs diverged."""

    setting: str
    group: str
    x: float | str
    lr: float
    dataset: str
    seeds: int
    epochs: int
    mean_accuracy: float
    min_accuracy: float
    max_accuracy: float
    at_100: int
    median_epochs_to_100: float
    max_epochs_to_100: int
    median_final_loss: float
    diverged: int

    @property
    def share_at_100(self) -> float:
        return self.at_100 / self.seeds


@dataclass(frozen=True)
class Tuned:
    """A group's setting chosen by TUNE_RULE, with its statistics per dataset."""

    setting: str
    lr: float
    stats: dict[str, SettingStats]

    def to_json(self) -> dict:
        return {
            "setting": self.setting,
            "lr": self.lr,
            **{f"median_epochs_{d}": s.median_epochs_to_100 for d, s in self.stats.items()},
            **{f"at_100_{d}": f"{s.at_100}/{s.seeds}" for d, s in self.stats.items()},
        }


@dataclass
class Result:
    """An experiment's outcome: ``runs`` (one per setting, dataset and seed, in the
    experiment's order), ``by_setting`` (their statistics), ``tuned`` (per group, if the
    experiment tunes) and ``curves[(label, dataset)]``: ``epoch``, ``loss_mean/min/max``,
    ``acc_mean/min/max`` across seeds."""

    experiment: Experiment
    runs: list[RunOutcome]
    curves: dict[tuple[str, str], dict[str, np.ndarray]]
    seconds: float = 0.0
    cached: bool = False
    figures: dict[str, Path] = field(default_factory=dict)
    by_setting: list[SettingStats] = field(init=False)
    tuned: dict[str, Tuned] = field(init=False)

    def __post_init__(self) -> None:
        self.by_setting = summarize(self.experiment, self.runs)
        self.tuned = tune(self.experiment, self.by_setting) if self.experiment.tune else {}

    def stats(self, label: str, dataset: str) -> SettingStats:
        for s in self.by_setting:
            if s.setting == label and s.dataset == dataset:
                return s
        raise KeyError(f"{self.experiment.name} has no setting {label!r} on {dataset!r}")

    def outcomes(self, label: str, dataset: str) -> list[RunOutcome]:
        return [r for r in self.runs if r.setting == label and r.dataset == dataset]

    def summary(self) -> dict:
        """``summary.json``'s content: the experiment, its key, ``by_setting``, ``tuned``."""
        exp = self.experiment
        out = {
            "name": exp.name,
            "title": exp.title,
            "key": exp.key(),
            "version": __version__,
            "seeds": len(exp.seeds),
            "note": exp.note,
            "seconds": round(self.seconds, 2),
            "by_setting": [asdict(s) for s in self.by_setting],
        }
        if exp.tune:
            out["tuned"] = {g: t.to_json() for g, t in self.tuned.items()}
        return out


def median_epochs(epochs: Sequence[int]) -> float:
    """Median of ``train.epochs_to_100`` over seeds, counting a seed that does not end
    at 100 % (-1) as infinitely many, so it agrees with ``at_100``."""
    e = np.asarray(epochs, dtype=float)
    return float(np.median(np.where(e < 0, np.inf, e))) if e.size else float("inf")


def summarize(exp: Experiment, runs: Sequence[RunOutcome]) -> list[SettingStats]:
    """Each setting's statistics on each dataset, in the experiment's order."""
    out = []
    for s in exp.settings:
        for data in exp.datasets:
            rs = [r for r in runs if r.setting == s.label and r.dataset == data]
            acc = np.array([r.final_accuracy for r in rs])
            loss = np.array([r.final_loss for r in rs])
            epochs = np.array([r.epochs_to_100 for r in rs])
            out.append(
                SettingStats(
                    setting=s.label,
                    group=s.group,
                    x=s.x,
                    lr=s.config.lr,
                    dataset=data,
                    seeds=len(rs),
                    epochs=s.config.epochs,
                    mean_accuracy=float(acc.mean()),
                    min_accuracy=float(acc.min()),
                    max_accuracy=float(acc.max()),
                    # at 100 % = ends at 100 % = epochs_to_100 >= 0 (train.epochs_to_100)
                    at_100=int((epochs >= 0).sum()),
                    median_epochs_to_100=median_epochs(epochs),
                    max_epochs_to_100=int(epochs.max()) if (epochs >= 0).all() else -1,
                    median_final_loss=float(np.median(loss)),
                    diverged=int((~np.isfinite(loss)).sum()),
                )
            )
    return out


TUNE_RULE = (
    "the most seeds at 100 % on whichever dataset it does worse on, then the fewest median "
    "epochs to 100 % summed over both datasets, then the smaller rate"
)
"""How ``tune`` picks a group's rate, in the order of its sort key; the report prints it."""


def tune(exp: Experiment, by_setting: Sequence[SettingStats]) -> dict[str, Tuned]:
    """Per group: the setting chosen by TUNE_RULE (key: -min share at 100 % over the
    datasets, sum of median epochs to 100 %, lr)."""
    best = {}
    for group in dict.fromkeys(s.group for s in exp.settings):
        cands = []
        for s in (s for s in exp.settings if s.group == group):
            st = {d.dataset: d for d in by_setting if d.setting == s.label}
            worst = min(d.share_at_100 for d in st.values())
            speed = sum(d.median_epochs_to_100 for d in st.values())
            cands.append((-worst, speed, s.config.lr, s.label, st))
        _, _, lr, label, st = min(cands, key=lambda c: c[:3])
        best[group] = Tuned(label, lr, {d: st[d] for d in exp.datasets})
    return best
