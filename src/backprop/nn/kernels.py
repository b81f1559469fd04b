"""The σ and tanh kernels: the NumPy calls of each, on buffers the caller owns.

``<what>_steps(inputs…, out)`` returns the calls, bound to their arrays, that write the
result into ``out`` (its last argument); ``run(steps)`` makes them. ``fit``'s fused path
binds them once and makes them every epoch; the modules make them at once, and
``sigmoid_into(x, out)`` is σ made at once. They write no other array, except that a
``…_consuming_y_steps`` kernel uses its input ``y`` as scratch; ``out`` may be an input
only where the docstring says so. Why these formulas: ``docs/numerics.md``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import numpy as np

Steps = tuple[Callable[[], object], ...]


class Scalars(NamedTuple):
    """The kernels' constants as 0-d arrays of one dtype, so that float32 stays float32."""

    half: np.ndarray
    one: np.ndarray
    minus_one: np.ndarray
    tanh_sigmoid: bool  # σ through tanh (float32)
    prescale: np.ndarray  # c of ``sigmoid_of_scaled_steps``: ½ with tanh, else -1


@functools.cache
def scalars(dtype: np.dtype) -> Scalars:
    half, one, minus_one = (np.full((), v, dtype) for v in (0.5, 1.0, -1.0))
    tanh_sigmoid = dtype == np.float32
    return Scalars(half, one, minus_one, tanh_sigmoid, half if tanh_sigmoid else minus_one)


def run(steps: Steps) -> None:
    """Make the calls of ``steps`` in turn."""
    for step in steps:
        step()


def sigmoid_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out ← σ(x)``: ½ (1 + tanh(x/2)) in float32, else 1 / (1 + e^{-x}); ``out`` may be
    ``x``. e^{-x} overflows to inf below x ≈ -709 (σ = 0): the caller silences it."""
    np.multiply(x, scalars(out.dtype).prescale, out)
    run(sigmoid_of_scaled_steps(out, out))
    return out


def sigmoid_of_scaled_steps(s: np.ndarray, out: np.ndarray) -> Steps:
    """``out ← σ(x)`` from ``s = c x``, ``c = scalars(dtype).prescale``: ½ + ½ tanh s
    (``c = ½``) or 1 / (1 + e^s) (``c = -1``); ``out`` may be ``s``."""
    c = scalars(out.dtype)
    if c.tanh_sigmoid:
        return (
            partial(np.tanh, s, out),
            partial(np.multiply, out, c.half, out),
            partial(np.add, out, c.half, out),
        )
    return (
        partial(np.exp, s, out),
        partial(np.add, out, c.one, out),
        partial(np.divide, c.one, out, out),
    )


def sigmoid_of_half_into(h: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out ← σ(2h) = ½ (1 + tanh h)`` in every dtype; ``out`` may be ``h``."""
    np.tanh(h, out)
    out *= 0.5
    out += 0.5
    return out


def sigmoid_backward_steps(y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> Steps:
    """``out ← G ⊙ y (1 - y)`` with ``y = σ(x)``; ``out`` is neither ``y`` nor ``G``."""
    return (
        partial(np.subtract, scalars(out.dtype).one, y, out),
        partial(np.multiply, out, y, out),
        partial(np.multiply, out, grad, out),
    )


def sigmoid_backward_consuming_y_steps(y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> Steps:
    """``out ← G ⊙ y (1 - y)``, ``y`` overwritten as scratch; ``out`` may be ``G``."""
    return (
        partial(np.multiply, grad, y, out),
        partial(np.subtract, scalars(y.dtype).one, y, y),
        partial(np.multiply, out, y, out),
    )


def tanh_steps(x: np.ndarray, out: np.ndarray) -> Steps:
    """``out ← tanh x``; ``out`` may be ``x``."""
    return (partial(np.tanh, x, out),)


def tanh_backward_steps(y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> Steps:
    """``out ← G ⊙ (1 - y²)`` with ``y = tanh x``; ``out`` is not ``G``."""
    return (
        partial(np.multiply, y, y, out),
        partial(np.subtract, scalars(out.dtype).one, out, out),
        partial(np.multiply, out, grad, out),
    )


def tanh_backward_consuming_y_steps(y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> Steps:
    """``out ← G ⊙ (1 - y²)``, ``y`` overwritten as scratch; ``out`` may be ``G``."""
    return (
        partial(np.multiply, y, y, y),
        partial(np.subtract, scalars(y.dtype).one, y, y),
        partial(np.multiply, grad, y, out),
    )
