"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..checks import real
from ..nn.module import Parameter
from .optimizer import Optimizer, _check, _ema, _scalars


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    .. code-block:: text

        input: γ, β1, β2 (betas), ε, λ (weight_decay), amsgrad
        m_0 ← 0, v_0 ← 0, v_0^max ← 0
        for t = 1, 2, ...:
            g_t ← ∇L(θ_{t-1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            m_t ← β1 m_{t-1} + (1 − β1) g_t
            v_t ← β2 v_{t-1} + (1 − β2) g_t²
            m̂_t ← m_t / (1 − β1^t)
            if amsgrad:
                v_t^max ← max(v_{t-1}^max, v_t)
                v̂_t ← v_t^max / (1 − β2^t)
            else:
                v̂_t ← v_t / (1 − β2^t)
            θ_t ← θ_{t-1} − γ m̂_t / (√v̂_t + ε)
    """

    OPTIONS = ("betas", "eps", "weight_decay", "amsgrad")
    _decoupled = False

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float | np.ndarray = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(
            params, lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad
        )

    def _check_options(self, o: dict) -> None:
        if len(o["betas"]) != 2:
            raise ValueError(f"Invalid betas: {o['betas']}; pass two numbers (beta1, beta2)")
        o["betas"] = tuple(o["betas"])
        for i, beta in enumerate(o["betas"]):
            real("betas", beta, message=f"Invalid beta parameter at index {i}: {{value}}")
            if not 0.0 <= beta < 1.0:  # also NaN
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        _check("eps", o["eps"])
        _check("weight_decay", o["weight_decay"])

    def _update(self, param, grad, state, lr):
        b1, b2 = self.betas
        if self._decoupled:
            if self.weight_decay:
                param *= 1.0 - lr * self.weight_decay
            g = grad
        else:
            g = self._decayed(param, grad, state)
        s = state["s"]
        if "m" not in state:
            state["m"], state["v"] = np.zeros_like(param), np.zeros_like(param)
            if self.amsgrad:
                state["v_max"] = np.zeros_like(param)
        m, v = state["m"], state["v"]
        b1_, c1, b2_, c2, eps = _scalars(param.dtype, b1, 1.0 - b1, b2, 1.0 - b2, self.eps)
        _ema(m, b1_, c1, g, s)
        _ema(v, b2_, c2, np.multiply(g, g, out=s), s)
        if self.amsgrad:
            v = np.maximum(state["v_max"], v, out=state["v_max"])
        np.sqrt(v, s)
        s /= math.sqrt(1.0 - b2**self.t)
        np.add(s, eps, s)
        np.divide(m, s, s)
        s *= lr / (1.0 - b1**self.t)
        param -= s


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    .. code-block:: text

        input: γ, β1, β2 (betas), ε, λ (weight_decay), amsgrad
        for t = 1, 2, ...:
            g_t ← ∇L(θ_{t-1})
            θ_{t-1} ← θ_{t-1} − γ λ θ_{t-1}
            then Adam's update with λ = 0
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float | np.ndarray = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
