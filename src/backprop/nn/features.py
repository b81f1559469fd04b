"""Input features of the lab's 2-D points, as TensorFlow Playground offers them.

``Features(names)`` maps points ``(…, N, 2)`` to ``(…, N, k)``, one column per name:

=========  ==========  ====================
name       feature     (∂/∂x1, ∂/∂x2)
=========  ==========  ====================
``x1``     x1          (1, 0)
``x2``     x2          (0, 1)
``x1sq``   x1²         (2 x1, 0)
``x2sq``   x2²         (0, 2 x2)
``x1x2``   x1 · x2     (x2, x1)
``sinx1``  sin x1      (cos x1, 0)
``sinx2``  sin x2      (0, cos x2)
=========  ==========  ====================

Backward, with ``G = dL/dY`` ``(…, N, k)``: ``dL/dx_i = Σ_k G_k ∂f_k/∂x_i``. No
parameters; as the first layer its backward is not needed for training, but it is exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .module import Module

# name → (f(x1, x2), (∂f/∂x1, ∂f/∂x2)) on the columns of the points
FEATURES = {
    "x1": (lambda a, b: a, lambda a, b: (1.0, 0.0)),
    "x2": (lambda a, b: b, lambda a, b: (0.0, 1.0)),
    "x1sq": (lambda a, b: a * a, lambda a, b: (2.0 * a, 0.0)),
    "x2sq": (lambda a, b: b * b, lambda a, b: (0.0, 2.0 * b)),
    "x1x2": (lambda a, b: a * b, lambda a, b: (b, a)),
    "sinx1": (lambda a, b: np.sin(a), lambda a, b: (np.cos(a), 0.0)),
    "sinx2": (lambda a, b: np.sin(b), lambda a, b: (0.0, np.cos(b))),
}
PLAIN = ("x1", "x2")  # the lab's inputs as they are: no Features module at all


def check_features(names: object) -> tuple[str, ...]:
    """``names`` as a tuple of 1 to 7 distinct names of ``FEATURES``, else ``ValueError``."""
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise ValueError(f"features must be a list of names from {', '.join(FEATURES)}")
    for name in names:
        if not isinstance(name, str) or name not in FEATURES:
            raise ValueError(f"unknown feature {name!r}; choose from {', '.join(FEATURES)}")
    if len(set(names)) != len(names):
        raise ValueError(f"features are listed twice in {' '.join(names)}; name each once")
    return tuple(names)


class Features(Module):
    """Points ``(…, N, 2)`` → features ``(…, N, k)``, ``k = len(names)`` (see the module)."""

    def __init__(self, names: Sequence[str] = PLAIN) -> None:
        self.names = check_features(names)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.shape[-1] != 2:
            raise ValueError(f"Features takes points (..., N, 2), got {x.shape}")
        self._x = x
        a, b = x[..., 0], x[..., 1]
        return np.stack([FEATURES[n][0](a, b) for n in self.names], axis=-1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        a, b = self._x[..., 0], self._x[..., 1]
        grad = np.zeros(np.broadcast_shapes(grad_out.shape[:-1], a.shape) + (2,), grad_out.dtype)
        for k, name in enumerate(self.names):
            d1, d2 = FEATURES[name][1](a, b)
            grad[..., 0] += grad_out[..., k] * d1
            grad[..., 1] += grad_out[..., k] * d2
        return grad

    def extra_repr(self) -> str:
        return repr(self.names)
