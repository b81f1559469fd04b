"""Optimizers. Each sees only aligned lists of parameters and owns its state.

``lr`` is a scalar, or one value per model for a stack of ``M`` models (shape
``(M,)``), in which case every parameter must carry the stack axis first.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .module import Parameter


def _check_lr(lr: float | np.ndarray) -> float | np.ndarray:
    arr = np.asarray(lr, dtype=float)
    if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"Invalid learning rate: {lr} (must be a positive number or 1-D array)")
    return float(arr) if arr.ndim == 0 else arr


class Optimizer:
    """Base class: ``step()`` applies ``_update(param, grad, state, lr)`` to each parameter."""

    def __init__(self, params: Iterable[Parameter], lr: float | np.ndarray) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        self.lr = lr

    @property
    def lr(self) -> float | np.ndarray:
        return self._lr

    @lr.setter
    def lr(self, value: float | np.ndarray) -> None:
        self._lr = _check_lr(value)
        if np.ndim(self._lr) == 0:
            self._lrs = [self._lr] * len(self.params)
            return
        m = len(self._lr)
        for p in self.params:
            if p.data.ndim == 0 or p.data.shape[0] != m:
                raise ValueError(
                    f"lr has {m} values but a parameter has shape {p.data.shape}; "
                    "per-model learning rates need the stack axis first"
                )
        # One column of rates per parameter, broadcasting over the model's own axes.
        self._lrs = [self._lr.reshape(m, *(1,) * (p.data.ndim - 1)) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad.fill(0.0)

    def step(self) -> None:
        for p, state, lr in zip(self.params, self.state, self._lrs):
            self._update(p.data, p.grad, state, lr)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, lr) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self._lr})"


class SGD(Optimizer):
    r"""Gradient descent, the handout's rule.

    .. code-block:: text

        for t = 1, 2, ...:
            θ_t ← θ_{t-1} − ρ ∇L(θ_{t-1})
    """

    def _update(self, param, grad, state, lr):
        param -= lr * grad


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam`` documents it.

    .. code-block:: text

        m_0 ← 0, v_0 ← 0
        for t = 1, 2, ...:
            g_t ← ∇L(θ_{t-1})
            m_t ← β1 m_{t-1} + (1 − β1) g_t
            v_t ← β2 v_{t-1} + (1 − β2) g_t²
            m̂_t ← m_t / (1 − β1^t),   v̂_t ← v_t / (1 − β2^t)
            θ_t ← θ_{t-1} − ρ m̂_t / (√v̂_t + ε)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.betas, self.eps, self.t = betas, eps, 0

    def step(self) -> None:
        self.t += 1
        super().step()

    def _update(self, param, grad, state, lr):
        b1, b2 = self.betas
        if not state:
            state["m"], state["v"] = np.zeros_like(param), np.zeros_like(param)
        m, v = state["m"], state["v"]
        m *= b1
        m += (1 - b1) * grad
        v *= b2
        v += (1 - b2) * grad * grad
        param -= (lr / (1 - b1**self.t)) * m / (np.sqrt(v / (1 - b2**self.t)) + self.eps)
