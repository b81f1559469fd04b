"""What ``fit`` returns: ``History``, per-epoch loss and accuracy (and the test set's and
the penalty's when there are some), and the two readings of it every caller shares:
``epochs_to_100`` and ``saturation``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# A probability this close to 0 or 1 has a sigmoid derivative below 1e-6: no gradient
# gets through it any more.
SATURATED = 1e-6


def saturation(history: History, prob: np.ndarray, lr: float | np.ndarray) -> str | None:
    """A warning if the run ended no lower than its first loss with most of ``prob``
    ``(N, K)`` within ``SATURATED`` of 0 or 1 (a rate so large the first steps threw the
    output to its asymptotes), else None; a run that learned ends below its first loss."""
    final = history.final_loss if history.final_loss is not None else history.loss[-1]
    if not np.all(np.asarray(final) >= history.loss[0]):
        return None
    p = np.asarray(prob, dtype=float)
    if np.mean(np.minimum(p, 1.0 - p) < SATURATED) < 0.5:
        return None
    return (
        f"the output saturated and the loss ended at {float(np.mean(final)):.4g}, no lower "
        f"than it started ({float(np.mean(history.loss[0])):.4g}): the learning rate "
        f"(lr={lr}) is probably too large, try a smaller one"
    )


def epochs_to_100(after: np.ndarray) -> np.ndarray | int:
    """The fewest updates after which the accuracy is 100 % and stays so to the end (0: from
    the start, -1: not at 100 % at the end); the one definition every caller uses.
    ``after``: ``(T + 1,)`` or ``(T + 1, M)``, the accuracy after ``0 … T`` updates."""
    after = np.asarray(after)
    ok = after >= 1.0
    # the last index that is not at 100 %, from the end; n = that index + 1
    last_miss = len(ok) - 1 - np.argmax(~ok[::-1], axis=0)
    held = np.where(ok.all(axis=0), 0, last_miss + 1)
    n = np.where(ok[-1], held, -1)
    return int(n) if n.ndim == 0 else n


@dataclass
class History:
    """Loss and accuracy on the training data before each epoch's update(s), ``(epochs,)``
    or ``(epochs, M)`` for a stack (entry ``k`` is after ``k`` epochs), and
    ``final_loss``/``final_accuracy`` after the last (``()`` or ``(M,)``; ``None`` when not
    recorded). With a penalty, ``loss`` includes it (the objective trained) and
    ``penalty`` holds that term alone (``loss - penalty`` is the data's loss); with a
    test set, ``test_loss``/``test_accuracy`` ``(epochs + 1, ...)`` after ``0 … epochs``
    epochs (no penalty: the test loss is the data's). ``None`` where there is none."""

    loss: np.ndarray
    accuracy: np.ndarray
    config: dict = field(default_factory=dict)
    final_loss: np.ndarray | None = None
    final_accuracy: np.ndarray | None = None
    penalty: np.ndarray | None = None
    test_loss: np.ndarray | None = None
    test_accuracy: np.ndarray | None = None

    @property
    def after_updates(self) -> np.ndarray:
        """Accuracy after ``0 … T`` updates ``(T + 1, ...)`` (``(T, ...)`` without a final)."""
        if self.final_accuracy is None:
            return self.accuracy
        return np.concatenate([self.accuracy, np.asarray(self.final_accuracy)[None]])

    @property
    def epochs_to_100(self) -> np.ndarray | int:
        """``epochs_to_100(self.after_updates)``, per model: see that function."""
        return epochs_to_100(self.after_updates)

    def to_dict(self) -> dict:
        """The fields as JSON; ``penalty`` and the test's only when there are some."""
        final = {
            k: None if v is None else np.asarray(v).tolist()
            for k, v in (("final_loss", self.final_loss), ("final_accuracy", self.final_accuracy))
        }
        extra = {k: getattr(self, k).tolist() for k in OPTIONAL if getattr(self, k) is not None}
        return {
            "loss": self.loss.tolist(),
            "accuracy": self.accuracy.tolist(),
            **final,
            **extra,
            "epochs_to_100": np.asarray(self.epochs_to_100).tolist(),
            "config": self.config,
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> History:
        d = json.loads(Path(path).read_text())
        final = [
            None if d.get(k) is None else np.array(d[k]) for k in ("final_loss", "final_accuracy")
        ]
        extra = {k: np.array(d[k]) for k in OPTIONAL if d.get(k) is not None}
        return cls(
            np.array(d["loss"]), np.array(d["accuracy"]), d.get("config", {}), *final, **extra
        )


OPTIONAL = ("penalty", "test_loss", "test_accuracy")  # History's fields that may be None
