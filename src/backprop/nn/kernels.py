"""The σ and tanh kernels: pure functions that write into a buffer the caller owns.

One rule: ``<what>_into(inputs…, out)`` writes its result into ``out``, its last argument,
and returns it; it writes no other array, except that a ``…_consuming_y_into`` kernel uses
its input ``y`` as scratch. ``out`` may be an input only where the docstring says so.
Why these formulas, and who passes which buffers: ``docs/numerics.md``.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np


class Scalars(NamedTuple):
    """The kernels' constants as 0-d arrays of one dtype, so that float32 stays float32."""

    half: np.ndarray
    one: np.ndarray
    minus_one: np.ndarray
    tanh_sigmoid: bool  # σ through tanh (float32)
    prescale: np.ndarray  # c of ``sigmoid_of_scaled_into``: ½ with tanh, else -1


@functools.cache
def scalars(dtype: np.dtype) -> Scalars:
    half, one, minus_one = (np.full((), v, dtype) for v in (0.5, 1.0, -1.0))
    tanh_sigmoid = dtype == np.float32
    return Scalars(half, one, minus_one, tanh_sigmoid, half if tanh_sigmoid else minus_one)


def sigmoid_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out ← σ(x)``: ½ (1 + tanh(x/2)) in float32, else 1 / (1 + e^{-x}); ``out`` may be
    ``x``. e^{-x} overflows to inf below x ≈ -709 (σ = 0): the caller silences it."""
    np.multiply(x, scalars(out.dtype).prescale, out)
    return sigmoid_of_scaled_into(out, out)


def sigmoid_of_scaled_into(s: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out ← σ(x)`` from ``s = c x``, ``c = scalars(dtype).prescale``: ½ + ½ tanh s
    (``c = ½``) or 1 / (1 + e^s) (``c = -1``); ``out`` may be ``s``."""
    c = scalars(out.dtype)
    if c.tanh_sigmoid:
        np.tanh(s, out)
        np.multiply(out, c.half, out)
        return np.add(out, c.half, out)
    np.exp(s, out)
    np.add(out, c.one, out)
    return np.divide(c.one, out, out)


def sigmoid_of_half_into(h: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out ← σ(2h) = ½ (1 + tanh h)`` in every dtype; ``out`` may be ``h``."""
    np.tanh(h, out)
    out *= 0.5
    out += 0.5
    return out


def sigmoid_backward_into(y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out ← G ⊙ y (1 - y)`` with ``y = σ(x)``; ``out`` is neither ``y`` nor ``G``."""
    np.subtract(scalars(out.dtype).one, y, out)
    np.multiply(out, y, out)
    return np.multiply(out, grad, out)


def sigmoid_backward_consuming_y_into(
    y: np.ndarray, grad: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """``out ← G ⊙ y (1 - y)``, ``y`` overwritten as scratch; ``out`` may be ``G``."""
    np.multiply(grad, y, out)
    np.subtract(scalars(y.dtype).one, y, y)
    return np.multiply(out, y, out)


def tanh_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out ← tanh x``; ``out`` may be ``x``."""
    return np.tanh(x, out)


def tanh_backward_into(y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out ← G ⊙ (1 - y²)`` with ``y = tanh x``; ``out`` is not ``G``."""
    np.multiply(y, y, out)
    np.subtract(scalars(out.dtype).one, out, out)
    return np.multiply(out, grad, out)


def tanh_backward_consuming_y_into(y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out ← G ⊙ (1 - y²)``, ``y`` overwritten as scratch; ``out`` may be ``G``."""
    np.multiply(y, y, y)
    np.subtract(scalars(y.dtype).one, y, y)
    return np.multiply(grad, y, out)
