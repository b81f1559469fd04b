"""The lab: the handout's data, presets and ``Config``, ``build(config)`` (the one recipe
from a Config to a ``Run``), the CNN, plots and ``pack``. Imports nn, optim, train;
never experiments, report or cli."""

from .config import Run, build

__all__ = ["Run", "build"]
