"""What an experiment is: ``Setting``s (a label and the ``Config`` it trains) over seeds
and datasets, with the x axis its figures draw them on, and the cache key of all that."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..lab.config import Config
from ..lab.data import DATASETS


def _code_hash() -> str:
    """Hash of the package's own source, so that a code change (same version) recomputes."""
    digest = hashlib.sha256()
    root = Path(__file__).parents[1]
    # everything the numbers depend on: editing the report or the CLI keeps the cache
    skip = {"report", "cli.py", "__main__.py"}
    paths = [p for p in root.rglob("*.py") if p.relative_to(root).parts[0] not in skip]
    for path in sorted(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Setting:
    """One line of a sweep: ``config`` trained over the experiment's seeds (or ``seeds``)."""

    label: str
    config: Config
    group: str = ""  # settings of one group are one line in the summary figure
    x: float | str = ""  # position on the setting axis
    seeds: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Axis:
    """The settings' axis in the figures: ``log_base`` None draws the x values as
    categories; ``ticks_at_settings`` labels each setting's x instead of the powers."""

    label: str = ""
    log_base: int | None = None
    ticks_at_settings: bool = False


@dataclass(frozen=True)
class Experiment:
    """One named sweep: its settings (each a config and an x value), datasets and seeds."""

    name: str
    title: str
    axis: Axis
    settings: tuple[Setting, ...]
    seeds: tuple[int, ...]
    datasets: tuple[str, ...] = DATASETS
    tune: bool = False  # pick each group's best setting (the tuned optimizer table)
    note: str = ""

    def seeds_of(self, s: Setting) -> tuple[int, ...]:
        return self.seeds if s.seeds is None else s.seeds

    def key(self) -> str:
        """Hash of everything that decides the numbers, and the package version."""
        spec = {
            "version": __version__,
            "code": _code_hash(),
            "datasets": self.datasets,
            "settings": [
                [s.label, s.group, s.x, s.config.to_dict(), self.seeds_of(s)] for s in self.settings
            ],
        }
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
