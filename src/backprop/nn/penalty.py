"""L1 and L2 penalties on a model's weights (not its biases), added to the loss.

For the weights ``W`` of every layer (parameters named ``weight``)::

    P = λ1 Σ|W| + (λ2 / 2) Σ W²        dP/dW = λ1 sign(W) + λ2 W

(``sign(0) = 0``: the subgradient that leaves a zero weight at zero.) ``λ2 / 2`` is
TensorFlow Playground's convention: the gradient is ``λ2 W``. Unlike an optimizer's
``weight_decay`` (which decays biases too and is not part of the loss), the penalty is a
term of the objective: ``fit`` records it in the loss.
"""

from __future__ import annotations

import numpy as np

from ..checks import real
from .module import Module, Parameter


def weights(model: Module) -> list[Parameter]:
    """The parameters of ``model`` named ``weight`` (Linear's, Conv's): the penalised ones."""
    return [p for name, p in model.named_parameters() if name.rsplit(".", 1)[-1] == "weight"]


class Penalty:
    """``λ1 Σ|W| + (λ2/2) Σ W²`` over a list of weight arrays (see the module)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = real("l1", l1, 0), real("l2", l2, 0)

    def __bool__(self) -> bool:
        return bool(self.l1 or self.l2)

    def value(self, pairs: list[tuple[np.ndarray, np.ndarray]], stacked: bool) -> np.ndarray:
        """``P`` of the ``(W, grad)`` pairs' weights: a scalar, or ``(M,)`` for a stack
        (``stacked``: each ``W`` ``(M, ...)``)."""
        total = 0.0
        for w, _ in pairs:
            axis = tuple(range(1, w.ndim)) if stacked else None
            if self.l1:
                total = total + self.l1 * np.abs(w).sum(axis=axis)
            if self.l2:
                total = total + 0.5 * self.l2 * (w * w).sum(axis=axis)
        return np.asarray(total)

    def backward(self, pairs: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Add ``dP/dW`` into each ``grad`` of the ``(W, grad)`` pairs."""
        for w, grad in pairs:
            if self.l1:
                grad += self.l1 * np.sign(w)
            if self.l2:
                grad += self.l2 * w

    def __repr__(self) -> str:
        return f"Penalty(l1={self.l1:g}, l2={self.l2:g})"
