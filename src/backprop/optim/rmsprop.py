"""RMSprop (Hinton, 2012), as ``torch.optim.RMSprop``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..nn.module import Parameter
from .optimizer import Optimizer, _check, _ema, _scalars


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012), as ``torch.optim.RMSprop``.

    .. code-block:: text

        input: γ, α (alpha), ε, λ (weight_decay), μ (momentum), centered
        v_0 ← 0, ḡ_0 ← 0, b_0 ← 0
        for t = 1, 2, ...:
            g_t ← ∇L(θ_{t-1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            v_t ← α v_{t-1} + (1 − α) g_t²
            ṽ_t ← v_t
            if centered:
                ḡ_t ← α ḡ_{t-1} + (1 − α) g_t
                ṽ_t ← ṽ_t − ḡ_t²
            if μ > 0:
                b_t ← μ b_{t-1} + g_t / (√ṽ_t + ε)
                θ_t ← θ_{t-1} − γ b_t
            else:
                θ_t ← θ_{t-1} − γ g_t / (√ṽ_t + ε)
    """

    OPTIONS = ("alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float | np.ndarray = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
        )

    def _check_options(self, o: dict) -> None:
        _check("alpha", o["alpha"], 1.0)
        for name in ("eps", "weight_decay", "momentum"):
            _check(name, o[name])

    def _update(self, param, grad, state, lr):
        g, s, a = self._decayed(param, grad, state), state["s"], self.alpha
        if "v" not in state:
            state["v"] = np.zeros_like(param)
            if self.centered:
                state["g_avg"] = np.zeros_like(param)
            if self.momentum:
                state["b"] = np.zeros_like(param)
        v, (a_, c) = state["v"], _scalars(param.dtype, a, 1.0 - a)
        _ema(v, a_, c, np.multiply(g, g, out=s), s)
        if self.centered:
            g_avg = state["g_avg"]
            _ema(g_avg, a_, c, g, s)
            np.multiply(g_avg, g_avg, out=s)
            np.subtract(v, s, out=s)
            # v ≥ ḡ² exactly, but not once rounded: a constant gradient drives v - ḡ² to
            # rounding noise around 0 (below it after ~1200 float32 steps), and √ of a
            # negative is NaN. Clip at 0, which changes nothing where v - ḡ² ≥ 0.
            np.maximum(s, 0.0, out=s)
            np.sqrt(s, out=s)
        else:
            np.sqrt(v, out=s)
        s += self.eps
        np.divide(g, s, out=s)
        if self.momentum:
            b = state["b"]
            b *= self.momentum
            b += s
            np.multiply(b, lr, out=s)
        else:
            s *= lr
        param -= s
