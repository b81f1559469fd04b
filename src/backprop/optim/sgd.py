"""Gradient descent, optionally with momentum (``torch.optim.SGD``)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..nn.module import Parameter
from .optimizer import Optimizer, _check


class SGD(Optimizer):
    r"""Gradient descent, optionally with momentum (``torch.optim.SGD``).

    .. code-block:: text

        input: γ, λ (weight_decay), μ (momentum), τ (dampening), nesterov
        for t = 1, 2, ...:
            g_t ← ∇L(θ_{t-1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            if μ ≠ 0:
                b_t ← g_t                          if t = 1
                b_t ← μ b_{t-1} + (1 − τ) g_t      otherwise
                g_t ← g_t + μ b_t   if nesterov,   else g_t ← b_t
            θ_t ← θ_{t-1} − γ g_t

    With μ = λ = 0 this is the handout's θ_t = θ_{t-1} − ρ ∇L(θ_{t-1}).
    """

    _hparams = ("momentum", "dampening", "nesterov", "weight_decay")

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float | np.ndarray,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        _check("momentum", momentum)
        _check("dampening", dampening, 1.0)
        _check("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"Invalid nesterov setting: Nesterov momentum requires momentum > 0 and "
                f"dampening = 0, got momentum={momentum}, dampening={dampening}"
            )
        super().__init__(params, lr)
        self.momentum, self.dampening = momentum, dampening
        self.nesterov, self.weight_decay = nesterov, weight_decay

    def _update(self, param, grad, state, lr):
        g, s, mu = self._decayed(param, grad, state), state["s"], self.momentum
        if mu:
            b = state.get("b")
            if b is None:
                b = state["b"] = g.copy()
            else:
                b *= mu
                np.multiply(g, 1.0 - self.dampening, out=s)
                b += s
            if self.nesterov:
                np.multiply(b, mu, out=s)
                s += g
                g = s
            else:
                g = b
        np.multiply(g, lr, out=s)
        param -= s
