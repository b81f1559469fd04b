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

    OPTIONS = ("momentum", "dampening", "nesterov", "weight_decay")

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float | np.ndarray,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            lr,
            momentum=momentum,
            dampening=dampening,
            nesterov=nesterov,
            weight_decay=weight_decay,
        )

    def _check_options(self, o: dict) -> None:
        _check("momentum", o["momentum"])
        _check("dampening", o["dampening"], 1.0)
        _check("weight_decay", o["weight_decay"])
        if o["nesterov"] and (o["momentum"] <= 0 or o["dampening"] != 0):
            raise ValueError(
                f"Invalid nesterov setting: Nesterov momentum requires momentum > 0 and "
                f"dampening = 0, got momentum={o['momentum']}, dampening={o['dampening']}"
            )

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
        np.multiply(g, lr, s)
        param -= s
