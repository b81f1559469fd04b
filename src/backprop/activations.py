"""Element-wise activations. Each caches its output (or input) for backward.

=============  ============================  ==============================
module         forward  y = f(x)             backward  dL/dx = dL/dy · f'(x)
=============  ============================  ==============================
``Sigmoid``    1 / (1 + e^{-x})              y (1 - y)
``Tanh``       tanh x                        1 - y²
``ReLU``       max(x, 0)                     [x > 0]
``Identity``   x                             1
=============  ============================  ==============================

Shapes are free: ``(N, F)`` or a stack ``(M, N, F)``.
"""

from __future__ import annotations

import numpy as np

from .module import Module


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = ½ (1 + tanh(x/2)): the same function as 1/(1+e^{-x}), never overflows."""
    y = np.tanh(0.5 * x)
    y *= 0.5
    y += 0.5
    return y


class Sigmoid(Module):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = sigmoid(x)
        return self._y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        y = self._y
        return grad_out * y * (1.0 - y)


class Tanh(Module):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * (1.0 - self._y * self._y)


class ReLU(Module):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self._mask = x > 0
        return x * self._mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self._mask


class Identity(Module):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out


ACTIVATIONS: dict[str, type[Module]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "identity": Identity,
}
