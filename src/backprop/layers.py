"""Layers with parameters.

``Linear.weight`` is ``(in, out)``, not PyTorch's ``(out, in)``, so the forward
is the handout's ``Z = XW`` (plus a bias row).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .init import Init, draw
from .module import Module, Parameter


class Linear(Module):
    """Affine map ``Y = X W + b``.

    Shapes (single model / stack of ``M``)::

        X  (N, in)          (N, in) or (M, N, in)
        W  (in, out)        (M, in, out)
        b  (1, out)         (M, 1, out)
        Y  (N, out)         (M, N, out)

    Backward, with ``G = dL/dY``::

        dL/dW = Xᵀ G      dL/db = 1ᵀ G      dL/dX = G Wᵀ
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        bias: bool = True,
        models: int | None = None,
        rng: np.random.Generator | Sequence[np.random.Generator] | None = None,
        init: str | Init = "xavier_uniform",
        gain: float = 1.0,
    ) -> None:
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if models is not None and models < 1:
            raise ValueError(f"models must be at least 1, got {models}")
        self.in_features, self.out_features, self.models = in_features, out_features, models
        self.weight = Parameter(draw(init, rng, (in_features, out_features), models, gain))
        lead = () if models is None else (models,)
        self.bias = Parameter(np.zeros((*lead, 1, out_features))) if bias else None
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x = self._x
        self.weight.grad += np.swapaxes(x, -1, -2) @ grad_out
        if self.bias is not None:
            # 1ᵀG as a matmul: a column sum at a fraction of ``sum(axis=-2)``'s cost.
            self.bias.grad += np.ones((1, grad_out.shape[-2]), grad_out.dtype) @ grad_out
        return grad_out @ np.swapaxes(self.weight.data, -1, -2)

    def extra_repr(self) -> str:
        stack = "" if self.models is None else f", models={self.models}"
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}{stack}"
        )
