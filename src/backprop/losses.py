"""Losses. ``loss(pred, target)`` returns ``(value, grad)``, grad = dL/dpred.

``pred`` is ``(N, K)`` or a stack ``(M, N, K)``; ``target`` is ``(N, K)`` (shared
by the stack) or the same shape as ``pred``. The value is the mean over the
last two axes, so a stack gets one loss per model, shape ``(M,)``, and the
gradient of model ``m`` depends on model ``m`` only.

=====================  ==============================  ======================
loss                   L (mean over n = N·K entries)   dL/dp
=====================  ==============================  ======================
``MSELoss``            mean (p - y)²                   2 (p - y) / n
``BCELoss``            -mean y ln p + (1-y) ln(1-p)    (p - y) / (p (1-p) n)
=====================  ==============================  ======================
"""

from __future__ import annotations

import numpy as np


class Loss:
    def __call__(self, pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _mean(a: np.ndarray) -> np.ndarray:
    return a.mean(axis=(-2, -1))


class MSELoss(Loss):
    def __call__(self, pred, target):
        diff = pred - target
        return _mean(diff * diff), diff * (2.0 / (diff.shape[-2] * diff.shape[-1]))


class BCELoss(Loss):
    """Binary cross-entropy on probabilities, clipped to [eps, 1 - eps]."""

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = eps

    def __call__(self, pred, target):
        p = np.clip(pred, self.eps, 1.0 - self.eps)
        n = p.shape[-2] * p.shape[-1]
        value = -_mean(target * np.log(p) + (1.0 - target) * np.log1p(-p))
        return value, (p - target) / (p * (1.0 - p) * n)


LOSSES: dict[str, type[Loss]] = {"mse": MSELoss, "bce": BCELoss}
