"""Element-wise activations, with PyTorch's formulas and defaults.

Each module caches what its backward needs in ``forward``; ``backward(G)``
returns ``dL/dx = G ⊙ f'(x)``. Shapes are free and unchanged: ``(N, F)``, a
stack ``(M, N, F)``, images ``(N, C, H, W)``, ...; the dtype is kept.

===============  =======================================  ===============================
module           forward  y = f(x)                        backward  f'(x)
===============  =======================================  ===============================
``Sigmoid``      σ(x) = 1 / (1 + e^{-x})                  y (1 - y)
``Tanh``         tanh x                                   1 - y²
``ReLU``         max(x, 0)                                [x > 0]
``LeakyReLU``    max(x, 0) + s min(x, 0)                  [x > 0] + s [x ≤ 0]
``ELU``          x if x > 0 else α (e^x - 1)              1 if x > 0 else y + α
``GELU``         ½ x (1 + t),  t = tanh u,                ½ (1 + t) + ½ x (1 - t²) u'
                 u = √(2/π) (x + 0.044715 x³)             u' = √(2/π) (1 + 3·0.044715 x²)
``SiLU``         x σ(x)                                   σ(x) (1 + x (1 - σ(x)))
``Softplus``     ln(1 + e^{βx}) / β,  x if βx > threshold  σ(βx),  1 if βx > threshold
``Identity``     x                                        1
===============  =======================================  ===============================

The σ and tanh arithmetic is in ``kernels.py``; the numerical contract every
kernel keeps is ``docs/numerics.md``.
"""

from __future__ import annotations

import math

import numpy as np

from .kernels import (
    run,
    sigmoid_backward_steps,
    sigmoid_into,
    sigmoid_of_half_into,
    tanh_backward_steps,
)
from .module import Module


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1+e^{-x}) in a fresh float array, without overflow warnings."""
    out = np.empty(np.shape(x), np.result_type(x, np.float16))
    with np.errstate(over="ignore", under="ignore"):
        return sigmoid_into(x, out)


def _changed(module: Module, **defaults: object) -> str:
    """``name=value`` for each hyperparameter that differs from its default."""
    return ", ".join(
        f"{k}={getattr(module, k)!r}" for k, d in defaults.items() if getattr(module, k) != d
    )


class Sigmoid(Module):
    """y = σ(x) = 1/(1 + e^{-x});  dL/dx = G y (1 - y).  Any shape."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = sigmoid(x)
        return self._y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        out = np.empty_like(self._y)
        run(sigmoid_backward_steps(self._y, grad_out, out))
        return out


class Tanh(Module):
    """y = tanh x;  dL/dx = G (1 - y²).  Any shape."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        out = np.empty_like(self._y)
        run(tanh_backward_steps(self._y, grad_out, out))
        return out


class ReLU(Module):
    """y = max(x, 0);  dL/dx = G [x > 0] (0 at x = 0, as in PyTorch).  Any shape."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = np.maximum(x, 0.0)
        return self._y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return np.where(self._y > 0, grad_out, 0.0)


class LeakyReLU(Module):
    """y = max(x, 0) + s min(x, 0);  dL/dx = G if x > 0 else s G.  Any shape."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = float(negative_slope)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        y = x * self.negative_slope
        # y = max(x, s x) when s ≤ 1 and min(x, s x) when s ≥ 1, for either sign of x.
        (np.maximum if self.negative_slope <= 1.0 else np.minimum)(x, y, out=y)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        d = grad_out * self.negative_slope
        np.copyto(d, grad_out, where=self._x > 0)
        return d

    def extra_repr(self) -> str:
        return _changed(self, negative_slope=0.01)


class ELU(Module):
    """y = x if x > 0 else α (e^x - 1);  dL/dx = G if x > 0 else G (y + α).  Any shape."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._pos = x > 0
        # expm1 of min(x, 0) never overflows, and tends to -1 without underflowing.
        y = np.minimum(x, 0.0)
        np.expm1(y, out=y)
        y *= self.alpha
        np.copyto(y, x, where=self._pos)
        self._y = y
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        d = self._y + self.alpha  # α e^x where x ≤ 0
        np.copyto(d, 1.0, where=self._pos)
        d *= grad_out
        return d

    def extra_repr(self) -> str:
        return _changed(self, alpha=1.0)


_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_A = 0.044715


class GELU(Module):
    """GELU, tanh approximation (PyTorch's ``GELU(approximate="tanh")``).

    y = ½ x (1 + t),  t = tanh(√(2/π) (x + 0.044715 x³));
    dL/dx = G (1 + t) (½ + ½ x (1 - t) √(2/π) (1 + 3·0.044715 x²)).  Any shape.

    PyTorch's default, ``approximate="none"``, is x Φ(x) with the error function,
    which NumPy does not provide; the two differ by less than 5e-4.
    """

    def __init__(self, approximate: str = "tanh") -> None:
        if approximate != "tanh":
            raise ValueError(
                f"GELU supports only approximate='tanh' (NumPy has no erf), got {approximate!r}"
            )
        self.approximate = approximate

    def forward(self, x: np.ndarray) -> np.ndarray:
        # u and u' read x clipped to ±10: tanh u is ±1 exactly from |x| = 10 on (|u| > 43),
        # so no result changes, and x³ stays finite for every finite x.
        self._x = xc = np.minimum(x, 10.0)
        np.maximum(xc, -10.0, out=xc)
        t = xc * _GELU_A
        t *= xc
        t += 1.0
        t *= xc
        t *= _GELU_C
        np.tanh(t, out=t)
        self._t = t
        y = t + 1.0
        y *= 0.5  # before x, so that y cannot overflow: ½ (1 + t) ≤ 1
        y *= x
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x, t = self._x, self._t
        s = x * (3.0 * _GELU_A)
        s *= x
        s += 1.0
        s *= x
        s *= 0.5 * _GELU_C  # ½ x u'
        # ½(1 + t) + ½ x u' (1 - t)(1 + t), factored so that t = ±1 gives exact 0 or 1.
        d = 1.0 - t
        d *= s
        d += 0.5
        np.add(t, 1.0, out=s)
        d *= s
        d *= grad_out
        return d

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """y = x σ(x);  dL/dx = G σ(x) (1 + x (1 - σ(x))).  Any shape."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        self._s = sigmoid(x)
        return x * self._s

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        d = 1.0 - self._s
        d *= self._x
        d += 1.0
        d *= self._s
        d *= grad_out
        return d


class Softplus(Module):
    """y = ln(1 + e^{βx}) / β, or x where βx > threshold;  dL/dx = G σ(βx), or G there.

    Computed as (max(βx, 0) + ln(1 + e^{-|βx|})) / β, which cannot overflow.  Any shape.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        if not beta > 0:
            raise ValueError(f"Softplus beta must be positive, got {beta}")
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        bx = x * self.beta
        self._linear = bx > self.threshold
        y = np.abs(bx)
        np.negative(y, out=y)
        np.exp(y, out=y)  # underflows to 0 below βx ≈ -745 (-103 in float32): exact
        np.log1p(y, out=y)
        np.maximum(bx, 0.0, out=bx)
        y += bx
        if self.beta != 1.0:
            y /= self.beta
        np.copyto(y, x, where=self._linear)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        h = self._x * (0.5 * self.beta)
        d = sigmoid_of_half_into(h, h)
        np.copyto(d, 1.0, where=self._linear)
        d *= grad_out
        return d

    def extra_repr(self) -> str:
        return _changed(self, beta=1.0, threshold=20.0)


class Identity(Module):
    """y = x;  dL/dx = G.  Any shape."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out


ACTIVATIONS: dict[str, type[Module]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "gelu": GELU,
    "silu": SiLU,
    "softplus": Softplus,
    "identity": Identity,
}
