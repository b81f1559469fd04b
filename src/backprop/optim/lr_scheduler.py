"""Learning-rate schedules: ``step()`` once per epoch, after ``optimizer.step()``."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer

MIN_FACTOR = 1e-6  # the schedule's floor, as a share of ρ_0 - ρ_min (see ``step``)


class CosineAnnealingLR:
    r"""Cosine annealing, as ``torch.optim.lr_scheduler.CosineAnnealingLR`` (no restarts).

    .. code-block:: text

        ρ_t = ρ_min + (ρ_0 − ρ_min) (1 + cos(π t / T_max)) / 2,   t = 0, 1, ..., T_max

    ``ρ_0`` is the optimizer's learning rate when the schedule is made (a scalar or
    one per model); the rate falls smoothly to ``eta_min`` at ``t = T_max``.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        if T_max < 1:
            raise ValueError(f"Invalid T_max: {T_max}")
        self.optimizer, self.T_max, self.eta_min = optimizer, T_max, eta_min
        self.base_lr, self.t = optimizer.lr, 0

    def step(self) -> None:
        """Advance ``t`` by one epoch and set the optimizer's rate to ``ρ_t``."""
        self.t = min(self.t + 1, self.T_max)
        self._set()

    def rebase(self, lr: float | np.ndarray) -> None:
        """Make ``lr`` the starting rate ``ρ_0`` and set ``ρ_t`` for the current ``t``."""
        self.base_lr = lr
        self._set()

    def _set(self) -> None:
        factor = 0.5 * (1.0 + math.cos(math.pi * self.t / self.T_max))
        # Optimizers reject lr <= 0, and a rate of 0 changes nothing: keep a sliver.
        self.optimizer.lr = self.eta_min + (self.base_lr - self.eta_min) * max(factor, MIN_FACTOR)

    def __repr__(self) -> str:
        return f"CosineAnnealingLR(T_max={self.T_max}, eta_min={self.eta_min})"


SCHEDULES = ("constant", "cosine")
