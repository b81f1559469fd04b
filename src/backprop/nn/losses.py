"""Losses. ``loss(pred, target)`` returns ``(value, grad)``, grad = dL/dpred.

``pred`` is ``(N, K)`` or a stack ``(M, N, K)``; ``target`` is ``(N, K)`` (shared
by the stack) or the same shape as ``pred``. The value is the mean over the
last two axes, so a stack gets one loss per model, shape ``(M,)``, and the
gradient of model ``m`` depends on model ``m`` only; ``grad`` has ``pred``'s shape.

=====================  =========================================  ======================
loss                   L (mean over n = N·K entries)              dL/dp
=====================  =========================================  ======================
``MSELoss``            mean (p - y)²                              2 (p - y) / n
``BCELoss``            -mean y ln p + (1-y) ln(1-p)               (p - y) / (p (1-p) n)
``BCEWithLogitsLoss``  mean max(z, 0) - z y + ln(1 + e^{-|z|})    (σ(z) - y) / n
=====================  =========================================  ======================

``BCEWithLogitsLoss`` takes logits z (no sigmoid before it) and equals
``BCELoss`` of σ(z), written so that it is finite for any finite z.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial

import numpy as np

from .kernels import scalars, sigmoid_into


class Loss:
    """Base class: ``__call__(pred, target) -> (value, grad)``.

    Subclasses write ``into(pred, target, grad) -> value``, which fills a given ``grad``
    buffer, or ``bind(pred, target, grad)``, which returns that work as a call on those
    arrays (``fit``'s fused path binds its buffers once and calls it every epoch).
    """

    takes_logits = False  # True: pred is a logit z and P(class 1) = σ(z)
    threshold = 0.5  # pred > threshold is class 1

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grad = np.empty(pred.shape, _check(pred, target))
        return self.into(pred, target, grad), grad

    def into(self, pred: np.ndarray, target: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The value; dL/dpred written into ``grad`` (``pred``'s shape, a float dtype)."""
        if type(self).bind is Loss.bind:
            raise NotImplementedError(f"{type(self).__name__} must define into or bind")
        return self.bind(pred, target, grad)()

    def bind(
        self, pred: np.ndarray, target: np.ndarray, grad: np.ndarray
    ) -> Callable[[], np.ndarray]:
        """``into(pred, target, grad)`` as a call that reads the arrays' values when made.
        Constants and scratch buffers may be set up here, once; the arrays (views, perhaps
        not contiguous) are kept as they are, never reshaped or copied."""
        return partial(self.into, pred, target, grad)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


def _check(pred: np.ndarray, target: np.ndarray) -> np.dtype:
    """Refuse a target that would broadcast silently; return the float dtype of ``pred``,
    which the gradient keeps (integer labels must not promote float32)."""
    if pred.ndim < 2 or target.shape not in (pred.shape, pred.shape[-2:]):
        raise ValueError(
            f"target has shape {target.shape} and pred has shape {pred.shape}; expected "
            "pred (N, K) or (M, N, K) and target (N, K) or pred's shape"
        )
    return pred.dtype if pred.dtype.kind == "f" else np.dtype(np.float64)


def bound(
    loss: Loss, pred: np.ndarray, target: np.ndarray, grad: np.ndarray
) -> Callable[[], np.ndarray]:
    """``loss.bind(pred, target, grad)``, or its ``into`` as it is when a subclass overrides
    ``into`` below the class that wrote ``bind`` (an ``MSELoss`` with an ``into`` of its own)."""
    owner = next(c for c in type(loss).__mro__ if "bind" in vars(c) or "into" in vars(c))
    if "bind" in vars(owner):
        return loss.bind(pred, target, grad)
    return partial(loss.into, pred, target, grad)


# Per-model sums over the last two axes: ``np.add.reduce`` of a view ``(…, N·K)`` or one
# dot product per model, ~1 µs where ``mean(axis=(-2, -1))`` costs ~4 µs on (100, 1).


def _sum_sq(d: np.ndarray) -> np.ndarray:
    """Σ d² per model of a stack ``(M, N, K)``, as one dot product each (no d² temporary)."""
    rows = d.reshape(*d.shape[:-2], 1, -1)
    return np.matmul(rows, np.swapaxes(rows, -1, -2))[..., 0, 0]


class MSELoss(Loss):
    """L = mean (p - y)²;  dL/dp = 2 (p - y) / n."""

    def bind(
        self, pred: np.ndarray, target: np.ndarray, grad: np.ndarray
    ) -> Callable[[], np.ndarray]:
        n, dtype = pred.shape[-2] * pred.shape[-1], grad.dtype
        scale = np.array(2.0 / n, dtype)
        sum_sq = partial(np.vdot, grad, grad) if grad.ndim == 2 else partial(_sum_sq, grad)

        def call() -> np.ndarray:
            np.subtract(pred, target, grad, dtype=dtype)
            total = sum_sq()
            np.multiply(grad, scale, grad)
            return total / n

        return call


@functools.cache
def _clip_bounds(eps: float, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """``(eps, 1 - eps)`` as 0-d arrays of ``dtype``, eps at least its machine epsilon."""
    eps = max(eps, float(np.finfo(dtype).eps))
    return np.full((), eps, dtype), np.full((), 1.0 - eps, dtype)


class BCELoss(Loss):
    """L = -mean y ln p + (1-y) ln(1-p);  dL/dp = (p - y) / (p (1-p) n).

    ``p`` is clipped to [eps, 1 - eps] in both, eps at least the dtype's machine
    epsilon (so that 1 - eps < 1 in float32 too).
    """

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = eps

    def bind(
        self, pred: np.ndarray, target: np.ndarray, grad: np.ndarray
    ) -> Callable[[], np.ndarray]:
        n, dtype = pred.shape[-2] * pred.shape[-1], grad.dtype
        lo, hi = _clip_bounds(self.eps, dtype)
        one, n_ = scalars(dtype).one, np.array(n, dtype)
        p, log_q, term = (np.empty(pred.shape, dtype) for _ in range(3))
        terms = term.reshape(*term.shape[:-2], -1)  # a view: term is contiguous

        def call() -> np.ndarray:
            # min(max(p, lo), hi) is np.clip without its ~2 µs of Python wrappers.
            np.maximum(pred, lo, out=p, dtype=dtype)
            np.minimum(p, hi, out=p)
            # y ln p + (1-y) ln(1-p) = ln(1-p) + y (ln p - ln(1-p)): two buffers, not six.
            np.negative(p, log_q)
            np.log1p(log_q, log_q)
            np.log(p, term)
            np.subtract(term, log_q, term)
            np.multiply(term, target, term)
            np.add(term, log_q, term)
            np.subtract(p, target, grad, dtype=dtype)
            denom = np.subtract(one, p, log_q)  # log_q is no longer needed
            np.multiply(denom, p, denom)
            np.multiply(denom, n_, denom)
            np.divide(grad, denom, grad)
            return np.add.reduce(terms, axis=-1) / -n

        return call

    def extra_repr(self) -> str:
        return "" if self.eps == 1e-12 else f"eps={self.eps!r}"


class BCEWithLogitsLoss(Loss):
    """BCE of σ(z) from logits z, fused and stable.

    L = mean max(z, 0) - z y + ln(1 + e^{-|z|});  dL/dz = (σ(z) - y) / n.
    """

    takes_logits = True
    threshold = 0.0  # σ(0) = 0.5

    def bind(
        self, pred: np.ndarray, target: np.ndarray, grad: np.ndarray
    ) -> Callable[[], np.ndarray]:
        n, dtype = pred.shape[-2] * pred.shape[-1], grad.dtype
        zero, n_ = np.zeros((), dtype), np.array(n, dtype)
        loss, soft = np.empty(pred.shape, dtype), np.empty(pred.shape, dtype)
        losses = loss.reshape(*loss.shape[:-2], -1)  # a view: loss is contiguous

        def call() -> np.ndarray:
            # max(z, 0) - z y first: it is exactly 0 for a right hard label, to which the
            # small ln(1 + e^{-|z|}) then adds without being rounded away against |z|.
            np.multiply(pred, target, soft, dtype=dtype)
            np.maximum(pred, zero, out=loss, dtype=dtype)
            np.subtract(loss, soft, loss)
            np.abs(pred, soft, dtype=dtype)
            np.negative(soft, soft)
            # e^{-|z|} rounding to 0 and σ's e^{-z} overflowing to inf: the right answers.
            with np.errstate(over="ignore", under="ignore"):
                np.exp(soft, soft)
                np.log1p(soft, soft)
                np.add(loss, soft, loss)
                value = np.add.reduce(losses, axis=-1) / n
                sigmoid_into(pred, grad)
            np.subtract(grad, target, grad)
            np.divide(grad, n_, grad)
            return value

        return call


LOSSES: dict[str, type[Loss]] = {"mse": MSELoss, "bce": BCELoss, "bce-logits": BCEWithLogitsLoss}
