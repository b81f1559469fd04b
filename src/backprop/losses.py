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

import numpy as np

from .activations import sigmoid


class Loss:
    """Base class: ``__call__(pred, target) -> (value, grad)``."""

    takes_logits = False  # True: pred is a logit z and P(class 1) = σ(z)

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


def _check(pred: np.ndarray, target: np.ndarray) -> tuple[int, np.dtype]:
    """Refuse a target that would broadcast silently; return n = N·K and the float dtype
    of ``pred``, which the gradient keeps (integer labels must not promote float32)."""
    if pred.ndim < 2 or target.shape not in (pred.shape, pred.shape[-2:]):
        raise ValueError(
            f"target has shape {target.shape} and pred has shape {pred.shape}; expected "
            "pred (N, K) or (M, N, K) and target (N, K) or pred's shape"
        )
    dtype = pred.dtype if pred.dtype.kind == "f" else np.dtype(np.float64)
    return pred.shape[-2] * pred.shape[-1], dtype


# Per-model sums over the last two axes. ``mean(axis=(-2, -1))`` costs ~4 µs on a
# (100, 1) array; these cost ~1 µs, which matters at one call per epoch.


def _sum(a: np.ndarray) -> np.ndarray:
    """Σ a over the last two axes: a scalar for ``(N, K)``, ``(M,)`` for a stack."""
    return np.add.reduce(a.reshape(*a.shape[:-2], -1), axis=-1)


def _sum_sq(d: np.ndarray) -> np.ndarray:
    """Σ d² over the last two axes, as one dot product per model (no d² temporary)."""
    if d.ndim == 2:
        return np.vdot(d, d)
    rows = d.reshape(*d.shape[:-2], 1, -1)
    return np.matmul(rows, np.swapaxes(rows, -1, -2))[..., 0, 0]


class MSELoss(Loss):
    """L = mean (p - y)²;  dL/dp = 2 (p - y) / n."""

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, dtype = _check(pred, target)
        diff = np.subtract(pred, target, dtype=dtype)
        value = _sum_sq(diff) / n
        diff *= 2.0 / n
        return value, diff


class BCELoss(Loss):
    """L = -mean y ln p + (1-y) ln(1-p);  dL/dp = (p - y) / (p (1-p) n).

    ``p`` is clipped to [eps, 1 - eps] in both, eps at least the dtype's machine
    epsilon (so that 1 - eps < 1 in float32 too).
    """

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = eps

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, dtype = _check(pred, target)
        eps = max(self.eps, float(np.finfo(dtype).eps))
        p = np.clip(pred, eps, 1.0 - eps, dtype=dtype)
        # y ln p + (1-y) ln(1-p) = ln(1-p) + y (ln p - ln(1-p)): two fresh arrays, not six.
        log_q = np.negative(p)
        np.log1p(log_q, out=log_q)
        term = np.log(p)
        term -= log_q
        term *= target
        term += log_q
        grad = np.subtract(p, target, dtype=dtype)
        denom = np.subtract(1.0, p, out=log_q)  # log_q is no longer needed
        denom *= p
        denom *= n
        grad /= denom
        return _sum(term) / -n, grad

    def extra_repr(self) -> str:
        return "" if self.eps == 1e-12 else f"eps={self.eps!r}"


class BCEWithLogitsLoss(Loss):
    """BCE of σ(z) from logits z, fused and stable.

    L = mean max(z, 0) - z y + ln(1 + e^{-|z|});  dL/dz = (σ(z) - y) / n.
    """

    takes_logits = True

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, dtype = _check(pred, target)
        with np.errstate(under="ignore"):  # e^{-|z|} rounding to 0 is the right answer
            soft = np.abs(pred, dtype=dtype)
            np.negative(soft, out=soft)
            np.exp(soft, out=soft)
            np.log1p(soft, out=soft)
            soft += np.maximum(pred, 0.0)
            soft -= pred * target
            value = _sum(soft) / n
        grad = sigmoid(pred)
        grad -= target
        grad /= n
        return value, grad


LOSSES: dict[str, type[Loss]] = {"mse": MSELoss, "bce": BCELoss, "bce-logits": BCEWithLogitsLoss}
