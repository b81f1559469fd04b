"""What every section of the report is written from: ``Context`` (the experiments'
results, figures and the lab run, ``Lab``) and the phrases that turn its numbers into text."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..checks import plural
from ..experiments.results import Result, SettingStats, median_epochs
from ..experiments.sweep import seed_draws_data
from ..lab.data import DATASET_NAMES as DATA


@dataclass(frozen=True)
class LabOutcome:
    """One dataset of the lab run: final loss (unrounded), accuracy as printed, epochs to 100 %
    (-1: never), and the loss curve (entry k: after k updates) with its start and peak."""

    loss: float
    accuracy: float
    epochs_to_100: int
    first_loss: float
    peak_loss: float
    peak_update: int
    epochs: int
    curve: list[float]


@dataclass
class Lab:
    """``backprop lab`` run in-process: its stdout and, per dataset, the outcome."""

    output: str
    folder: Path
    seed: int
    preset: str = "default"
    outcome: dict[str, LabOutcome] = field(default_factory=dict)
    history: dict = field(default_factory=dict)  # dataset → train.History


@dataclass
class Context:
    """What the text is written from."""

    results: dict[str, Result]
    figures: dict[str, Path]  # key → SVG
    lab: Lab  # the default network's lab run
    extra: dict  # the figures and what was measured drawing them
    version: str
    handout: Lab | None = None  # the handout network's lab run

    @property
    def seeds(self) -> int:
        return len(self.results["lr"].experiment.seeds)

    @property
    def datasets(self) -> tuple[str, ...]:
        return self.results["lr"].experiment.datasets

    def stats(self, experiment: str, label: str, data: str) -> SettingStats:
        return self.results[experiment].stats(label, data)

    def both(self, experiment: str, label: str, fmt: Callable[[SettingStats], str]) -> str:
        """``fmt`` of a setting's statistics on every dataset: "linear 10/10, XOR 3/10"."""
        return ", ".join(
            f"{DATA[d]} {fmt(self.stats(experiment, label, d))}" for d in self.datasets
        )

    def group(self, experiment: str, group: str) -> list:
        return [s for s in self.results[experiment].experiment.settings if s.group == group]

    def all_at_100(self, experiment: str, label: str, share: float = 1.0) -> bool:
        """At least ``share`` of the seeds end at 100 % on every dataset."""
        return all(
            st.at_100 >= share * st.seeds
            for st in (self.stats(experiment, label, d) for d in self.datasets)
        )

    def speed(self, experiment: str, label: str) -> float:
        """Median epochs to 100 %, summed over the datasets (inf if any is never)."""
        return sum(self.stats(experiment, label, d).median_epochs_to_100 for d in self.datasets)

    def fastest(self, experiment: str, settings: list) -> object:
        """FASTEST_RULE: the fewest summed median epochs among the settings with every seed
        at 100 % on every dataset (among all settings if none is)."""
        good = [s for s in settings if self.all_at_100(experiment, s.label)] or settings
        return min(good, key=lambda s: self.speed(experiment, s.label))

    def epochs(self, experiment: str, label: str, data: str) -> np.ndarray:
        """Epochs to 100 % of every seed, with the seeds not at 100 % as inf."""
        outcomes = self.results[experiment].outcomes(label, data)
        e = np.array([r.epochs_to_100 for r in outcomes], float)
        return np.where(e < 0, np.inf, e)

    def clearly_faster(self, experiment: str, a: str, b: str, data: str) -> bool:
        """CLEAR_RULE: ``a``'s upper quartile of epochs to 100 % is below ``b``'s lower one."""
        big = np.finfo(float).max / 4  # "never", finite so that quartiles interpolate
        qa = np.percentile(np.minimum(self.epochs(experiment, a, data), big), 75)
        qb = np.percentile(np.minimum(self.epochs(experiment, b, data), big), 25)
        return bool(qa < qb)


FASTEST_RULE = "the fewest median epochs to 100 % summed over both datasets among those"


CLEAR_RULE = (
    "its upper quartile of epochs to 100 % over the seeds lies below the other's lower quartile"
)


def verdicts(names: list[str], clear: list[bool]) -> str:
    """CLEAR_RULE's verdict on each of ``names``: "each of them clearly so", ..."""
    yes = [n for n, c in zip(names, clear) if c]
    no = [n for n, c in zip(names, clear) if not c]
    if not no:
        return "each of them clearly so"
    if not yes:
        return "none of them clearly so"
    return f"{listing(yes)} clearly so, {listing(no)} not clearly"


def pct(a: float) -> str:
    """0.524 → "52.4 %", 1.0 → "100 %"; below 1 never "100": 0.9996 → "99.9 %"."""
    return "100 %" if a >= 1 else f"{min(100 * a, 99.9):.1f} %"


def fmt_epochs(e: float) -> str:
    """Epochs to 100 %: a median ("never" by ``never_rule``, ``inf``) or
    one run's count ("never" for −1, ``train.epochs_to_100``'s run that ends below)."""
    return "never" if not np.isfinite(e) or e < 0 else f"{e:g}"


def lab_accuracies(nets: dict, datasets, both: str = "Both networks") -> str:
    """The lab runs' accuracies said once: "Both networks reach 100 % on both datasets",
    or each network's per dataset when one does not. ``nets``: name → Lab."""
    if all(lab.outcome[d].accuracy >= 1 for lab in nets.values() for d in datasets):
        return f"{both} reach 100 % on both datasets"
    text = "; ".join(
        f"the {name} network reaches "
        + " and ".join(f"{pct(lab.outcome[d].accuracy)} on {DATA[d]}" for d in datasets)
        for name, lab in nets.items()
    )
    return text[:1].upper() + text[1:]


def seeds_at_100(st: SettingStats) -> str:
    return f"{st.at_100}/{st.seeds}"


def stats_cells(st: SettingStats) -> list[str]:
    """A table's two cells for one dataset: seeds at 100 % and the median epochs."""
    return [seeds_at_100(st), fmt_epochs(st.median_epochs_to_100)]


def stats_head(datasets: list[str] | tuple[str, ...]) -> list[str]:
    """The header cells that go with ``stats_cells``, for each dataset."""
    return [h for d in datasets for h in (f"{DATA[d]}\nat 100 %", f"{DATA[d]}\nmedian epochs")]


def accuracy_text(st: SettingStats) -> str:
    return pct(st.mean_accuracy)


def epochs_text(st: SettingStats) -> str:
    return fmt_epochs(st.median_epochs_to_100)


def loss_text(st: SettingStats) -> str:
    return loss_str(st.median_final_loss)


def loss_str(x: float) -> str:
    return "diverged" if not np.isfinite(x) else f"{x:.2g}" if x < 0.01 else f"{x:.3f}"


def median_phrase(e: float, seeds: int) -> str:
    """The phrase "a median of 8 epochs", or what 'never' means (``never_rule``)."""
    return (
        f"a median of {e:g} epochs" if np.isfinite(e) else f"no finite median ({never_rule(seeds)})"
    )


def listing(values) -> str:
    """[0.3, 1, 3] → "0.3, 1 and 3"."""
    values = [f"{v:g}" if isinstance(v, float | int) else str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def seed_sentence(datasets) -> str:
    """What a seed changes on each dataset, from ``sweep.seed_draws_data``."""
    drawn = [DATA[d] for d in datasets if seed_draws_data(d)]
    fixed = [DATA[d] for d in datasets if not seed_draws_data(d)]
    text = "Seed s draws the initial weights"
    if drawn:
        text += f" and the {listing(drawn)} points"
    if fixed:
        text += f"; the {listing(fixed)} points are the same for every seed"
    return text + "."


def seeds_of(n: int, datasets) -> str:
    """ "1000 seeds (1000 linear datasets and initialisations and 1000 initialisations on
    the fixed XOR data)"; one seed in the singular (``--convergence-seeds 1``)."""
    s = "" if n == 1 else "s"
    parts = [
        f"{n} {DATA[d]} dataset{s} and initialisation{s}"
        if seed_draws_data(d)
        else f"{n} initialisation{s} on the fixed {DATA[d]} data"
        for d in datasets
    ]
    return f"{plural(n, 'seed', sep='')} ({listing(parts)})"


def never_from(seeds: int) -> int:
    """The fewest of ``seeds`` seeds not at 100 % that make results.median_epochs 'never'."""
    return next(
        k for k in range(seeds + 1) if not np.isfinite(median_epochs([0] * (seeds - k) + [-1] * k))
    )


def never_rule(seeds: int) -> str:
    """When a median of epochs to 100 % is 'never', read from results.median_epochs: the
    one wording the definitions and every caption use."""
    k = never_from(seeds)
    share = "at least half" if k == math.ceil(seeds / 2) else f"at least {k}"
    return f"{share} of the seeds ({k} or more of {seeds}) do not end at 100 %"


def definitions(seeds: int) -> str:
    """The definitions paragraph."""
    return (
        "An epoch is one full-batch update. Epochs to 100 % counts the updates after which "
        "the accuracy is 100 % to the end; a run 'at 100 %' ends there. A median of it is "
        f"'never' when {never_rule(seeds)}."
    )
