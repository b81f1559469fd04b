"""Training and testing: ``fit`` returns a ``History``; ``test`` prints the handout's lines."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from .activations import sigmoid
from .losses import Loss
from .module import Module
from .optim import Optimizer
from .schedule import CosineAnnealingLR


class DivergedError(FloatingPointError):
    """The loss became NaN or infinite; the message names the learning rate."""


@dataclass
class History:
    """Loss and accuracy before each update: ``(epochs,)``, or ``(epochs, M)`` for a stack."""

    loss: np.ndarray
    accuracy: np.ndarray
    config: dict = field(default_factory=dict)

    @property
    def epochs_to_100(self) -> np.ndarray | int:
        """First epoch (1-based) at which accuracy is 100 %, or -1 if never; per model."""
        hit = self.accuracy >= 1.0
        first = np.where(hit.any(axis=0), hit.argmax(axis=0) + 1, -1)
        return int(first) if first.ndim == 0 else first

    def to_dict(self) -> dict:
        return {
            "loss": self.loss.tolist(),
            "accuracy": self.accuracy.tolist(),
            "epochs_to_100": np.asarray(self.epochs_to_100).tolist(),
            "config": self.config,
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> History:
        d = json.loads(Path(path).read_text())
        return cls(np.array(d["loss"]), np.array(d["accuracy"]), d.get("config", {}))


def accuracy(pred: np.ndarray, target: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Fraction of ``pred > threshold`` equal to ``target``, per model (0 for logits)."""
    return ((pred > threshold) == (target > 0.5)).mean(axis=(-2, -1))


def check_xy(x: np.ndarray, y: np.ndarray) -> None:
    """``y`` is ``(N, K)`` or ``(M, N, K)``; ``X`` holds ``N`` samples on axis -2 (features
    last, ``(N, F)`` or ``(M, N, F)``) or on axis 0 (channels-first images ``(N, C, ...)``)."""
    n = y.shape[-2] if y.ndim in (2, 3) else None
    if n is None or x.ndim < 2 or n not in (x.shape[-2], x.shape[0]):
        raise ValueError(
            f"X has shape {x.shape} and y has shape {y.shape}; expected X (N, features) "
            "and y (N, outputs) with the same N (or a stack (M, N, ...))"
        )


def fit(
    model: Module,
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss,
    optimizer: Optimizer,
    epochs: int,
    log_every: int = 0,
    scheduler: CosineAnnealingLR | None = None,
    on_nonfinite: str = "raise",
    file: TextIO | None = None,
) -> History:
    """Full-batch training: forward, loss, backward, ``optimizer.step()``, ``epochs`` times.

    ``scheduler.step()`` (if given) runs after each update. Prints
    ``epoch {e} loss : {loss}`` every ``log_every`` epochs (the mean over a stack).
    A non-finite loss raises ``DivergedError`` unless ``on_nonfinite`` is
    ``"continue"`` (sweeps, where one diverging model must not stop the others).
    """
    check_xy(X, y)
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    file = sys.stdout if file is None else file
    threshold = 0.0 if loss.takes_logits else 0.5
    lr = optimizer.lr  # as given, before any schedule changes it
    losses, accs = [], []
    with np.errstate(all="ignore"):
        for epoch in range(1, epochs + 1):
            pred = model.forward(X)
            value, grad = loss(pred, y)
            losses.append(value)
            accs.append(accuracy(pred, y, threshold))
            if on_nonfinite == "raise" and not np.isfinite(value).all():
                raise DivergedError(
                    f"the loss became {np.asarray(value).max()} at epoch {epoch}: the learning "
                    f"rate (lr={lr}) is probably too large, try a smaller one"
                )
            optimizer.zero_grad()
            model.backward(grad)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            if log_every and epoch % log_every == 0:
                print(f"epoch {epoch} loss : {float(np.mean(value))}", file=file)
    return History(np.array(losses), np.array(accs))


def test(
    model: Module, X: np.ndarray, y: np.ndarray, loss: Loss, file: TextIO | None = None
) -> tuple[float, float]:
    """Print each prediction (a probability) and ``loss=... accuracy=...%`` as the handout does."""
    check_xy(X, y)
    file = sys.stdout if file is None else file
    with np.errstate(all="ignore"):
        out = model.forward(X)
    value = float(loss(out, y)[0])
    pred = sigmoid(out) if loss.takes_logits else out
    acc = float(accuracy(pred, y))
    for i, (t, p) in enumerate(zip(y[:, 0], pred[:, 0])):
        print(f"Iter{i}\tGround truth: {t:.1f}\tprediction: {p:.5f}", file=file)
    print(f"loss={value:.5f} accuracy={acc * 100:.2f}%", file=file)
    return value, acc
