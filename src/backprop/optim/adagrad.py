"""Adagrad (Duchi et al., 2011), as ``torch.optim.Adagrad``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..nn.module import Parameter
from .optimizer import Optimizer, _check


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011), as ``torch.optim.Adagrad``.

    .. code-block:: text

        input: γ, λ (weight_decay), η (lr_decay), τ (initial_accumulator_value), ε
        sum_0 ← τ
        for t = 1, 2, ...:
            g_t ← ∇L(θ_{t-1})
            γ̃ ← γ / (1 + (t − 1) η)
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            sum_t ← sum_{t-1} + g_t²
            θ_t ← θ_{t-1} − γ̃ g_t / (√sum_t + ε)
    """

    OPTIONS = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float | np.ndarray = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(
            params,
            lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )

    def _check_options(self, o: dict) -> None:
        for name in self.OPTIONS:
            _check(name, o[name])

    def _update(self, param, grad, state, lr):
        g, s = self._decayed(param, grad, state), state["s"]
        total = state.get("sum")
        if total is None:
            total = state["sum"] = np.full_like(param, self.initial_accumulator_value)
        np.multiply(g, g, out=s)
        total += s
        np.sqrt(total, out=s)
        s += self.eps
        np.divide(g, s, out=s)
        s *= lr / (1.0 + (self.t - 1) * self.lr_decay)
        param -= s
