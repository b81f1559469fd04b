"""Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..nn.module import Parameter
from .optimizer import Optimizer, _check, _ema, _scalars


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta``.

    .. code-block:: text

        input: γ, ρ (rho), ε, λ (weight_decay)
        v_0 ← 0, u_0 ← 0
        for t = 1, 2, ...:
            g_t ← ∇L(θ_{t-1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            v_t ← ρ v_{t-1} + (1 − ρ) g_t²
            Δx_t ← √(u_{t-1} + ε) / √(v_t + ε) · g_t
            u_t ← ρ u_{t-1} + (1 − ρ) Δx_t²
            θ_t ← θ_{t-1} − γ Δx_t
    """

    OPTIONS = ("rho", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float | np.ndarray = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, rho=rho, eps=eps, weight_decay=weight_decay)

    def _check_options(self, o: dict) -> None:
        _check("rho", o["rho"], 1.0)
        _check("eps", o["eps"])
        _check("weight_decay", o["weight_decay"])

    def _update(self, param, grad, state, lr):
        g, s, rho = self._decayed(param, grad, state), state["s"], self.rho
        if "v" not in state:
            state["v"], state["u"] = np.zeros_like(param), np.zeros_like(param)
            state["dx"] = np.empty_like(param)
        v, u, dx = state["v"], state["u"], state["dx"]
        b, c = _scalars(param.dtype, rho, 1.0 - rho)
        _ema(v, b, c, np.multiply(g, g, out=s), s)
        np.add(u, self.eps, out=dx)
        np.sqrt(dx, out=dx)
        np.add(v, self.eps, out=s)
        np.sqrt(s, out=s)
        dx /= s
        dx *= g
        _ema(u, b, c, np.multiply(dx, dx, out=s), s)
        np.multiply(dx, lr, out=s)
        param -= s
