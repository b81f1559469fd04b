"""Dense layers: ``Linear``, ``Normalize``, ``Flatten``.

``Linear.weight`` is ``(in, out)``, not PyTorch's ``(out, in)``, so the forward
is the handout's ``Z = XW`` (plus a bias row).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .init import INITS, Init, draw
from .module import Module, Parameter


def _counts(**values: object) -> None:
    """Each value a whole number ≥ 1 (``TypeError``/``ValueError`` naming it)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be a whole number, got {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")


def _check_init(init: str | Init, gain: float) -> None:
    if isinstance(init, str) and init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
    if not callable(init) and not isinstance(init, str):
        raise TypeError(f"init must be a name ({', '.join(INITS)}) or a function, got {init!r}")
    if not np.isfinite(gain):
        raise ValueError(f"gain must be a finite number, got {gain}")


class Linear(Module):
    """Affine map ``Y = X W + b``.

    Shapes (single model / stack of ``M``)::

        X  (N, in)          (N, in) or (M, N, in)
        W  (in, out)        (M, in, out)
        b  (1, out)         (M, 1, out)
        Y  (N, out)         (M, N, out)

    Backward, with ``G = dL/dY``::

        dL/dW = Xᵀ G      dL/db = 1ᵀ G      dL/dX = G Wᵀ

    ``dtype`` (float64 or float32) is the parameters' dtype; inputs of another float
    dtype are promoted by NumPy as usual (``fit`` casts them to the model's).
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
        dtype: npt.DTypeLike = np.float64,
    ) -> None:
        _counts(in_features=in_features, out_features=out_features)
        if models is not None:
            _counts(models=models)
        _check_init(init, gain)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"dtype must be a float type such as float32, got {dtype}")
        self.in_features, self.out_features, self.models = in_features, out_features, models
        # Drawn in float64 and rounded, so a float32 model starts where the float64 one does.
        w = draw(init, rng, (in_features, out_features), models, gain)
        self.weight = Parameter(w.astype(dtype, copy=False))
        lead = () if models is None else (models,)
        self.bias = Parameter(np.zeros((*lead, 1, out_features), dtype)) if bias else None
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
        w_t = np.swapaxes(self.weight.data, -1, -2)
        # G Wᵀ with one output is an outer product: a broadcast multiply, not a k = 1 GEMM.
        grad_in = grad_out * w_t if self.out_features == 1 else grad_out @ w_t
        # An input shared by a stack was broadcast over the models: its gradient sums them.
        return grad_in.sum(axis=0) if grad_in.ndim > x.ndim else grad_in

    def extra_repr(self) -> str:
        stack = "" if self.models is None else f", models={self.models}"
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}{stack}"
        )


class Flatten(Module):
    """``(N, d1, d2, ...) → (N, d1·d2·...)`` (axes ``start_dim..end_dim`` merged).

    Backward reshapes ``dL/dy`` back to the input's shape.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._shape = x.shape
        start, end = self.start_dim % x.ndim, self.end_dim % x.ndim
        return x.reshape(*x.shape[:start], -1, *x.shape[end + 1 :])

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out.reshape(self._shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Normalize(Module):
    """Fixed input scaling ``Y = (X - mean) / std``, dL/dX = G / std (no parameters). The
    default maps [0, 1]² to [-2, 2]², so that small first-layer weights draw a sharp
    boundary (the linear data has points within 1e-6 of the diagonal)."""

    def __init__(self, mean: float = 0.5, std: float = 0.25) -> None:
        if not 0 < std < np.inf or not np.isfinite(mean):
            raise ValueError(f"std must be positive and mean finite, got mean={mean}, std={std}")
        self.mean, self.std = mean, std

    def forward(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) * (1.0 / self.std)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * (1.0 / self.std)

    def extra_repr(self) -> str:
        return f"mean={self.mean}, std={self.std}"
