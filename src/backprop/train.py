"""Training and evaluation: ``fit`` returns a ``History``; ``evaluate`` prints the handout's
test lines (``test``, the handout's word, is the same function)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import TextIO

import numpy as np

from ._fused import BatchStep, ModuleStep, plan
from .checks import whole
from .history import History, epochs_to_100, saturation
from .limits import check_epochs
from .nn import Linear, Normalize
from .nn.activations import sigmoid
from .nn.losses import Loss
from .nn.module import Module, Sequential
from .nn.penalty import Penalty
from .optim import Optimizer
from .optim.lr_scheduler import CosineAnnealingLR

__all__ = [
    "DivergedError",
    "History",
    "accuracy",
    "epochs_to_100",
    "evaluate",
    "fit",
    "saturation",
    "test",
]


class DivergedError(FloatingPointError):
    """The loss became ``value`` (NaN or infinite) at ``epoch``; the message names the
    learning rate. ``retold`` says it again for another epoch count and rate (the page's)."""

    def __init__(self, value: float, epoch: int, lr: object) -> None:
        self.value, self.epoch, self.lr = value, epoch, lr
        super().__init__(
            f"the loss became {value} at epoch {epoch}: the learning rate "
            f"(lr={lr}) is probably too large, try a smaller one"
        )

    def __reduce__(self) -> tuple:  # pickled across a process pool by its fields
        return DivergedError, (self.value, self.epoch, self.lr)

    def retold(self, epoch: int, lr: object) -> DivergedError:
        return DivergedError(self.value, epoch, lr)


def accuracy(pred: np.ndarray, target: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Fraction of ``pred > threshold`` equal to ``target``, per model (0 for logits)."""
    return ((pred > threshold) == (target > 0.5)).mean(axis=(-2, -1))


class _Accuracies:
    """``accuracy`` of every epoch at one NumPy call an epoch: ``record`` stores
    ``pred > threshold`` into a block of bool maps, ``flush`` scores the block at once."""

    def __init__(self, out: np.ndarray, target: np.ndarray, threshold: float, pred) -> None:
        self.out, self.truth = out, target > 0.5
        self.threshold = np.full((), threshold, pred.dtype)
        rows = max(1, min(len(out), (1 << 22) // max(pred.size, 1)))  # ~4 MB of maps
        self.block = np.empty((rows, *pred.shape), bool)
        self.rows = list(self.block)
        self.done = self.used = 0

    def record(self, pred: np.ndarray) -> None:
        np.greater(pred, self.threshold, self.rows[self.used])
        self.used += 1
        if self.used == len(self.rows):
            self.flush()

    def flush(self) -> None:
        if not self.used:
            return
        hits = np.equal(self.block[: self.used], self.truth, self.block[: self.used])
        hits = hits.reshape(*hits.shape[:-2], -1)
        # Counting bytes is half the cost of ``mean`` on bools (which converts to float).
        count = np.add.reduce(hits.view(np.uint8), axis=-1, dtype=np.int32)
        np.divide(count, hits.shape[-1], out=self.out[self.done : self.done + self.used])
        self.done, self.used = self.done + self.used, 0


def check_xy(x: np.ndarray, y: np.ndarray) -> None:
    """``y`` is ``(N, K)`` or ``(M, N, K)``; ``X`` holds ``N`` samples on axis -2 (features
    last, ``(N, F)`` or ``(M, N, F)``) or on axis 0 (channels-first images ``(N, C, ...)``)."""
    n = y.shape[-2] if y.ndim in (2, 3) else None
    if n is None or x.ndim < 2 or n not in (x.shape[-2], x.shape[0]):
        raise ValueError(
            f"X has shape {x.shape} and y has shape {y.shape}; expected X (N, features) "
            "and y (N, outputs) with the same N (or a stack (M, N, ...))"
        )


def as_model_dtype(model: Module, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays as the float dtype of ``model``'s parameters (float64 if it has none)."""
    dtype = next((p.data.dtype for p in model.parameters()), np.dtype(np.float64))
    return [np.asarray(a, dtype) for a in arrays]


def check_data(X: np.ndarray, y: np.ndarray) -> None:
    """``X`` and ``y`` are finite real numbers (``TypeError``/``ValueError`` otherwise)."""
    for name, a in (("X", X), ("y", y)):
        if not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf":
            kind = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
            raise TypeError(
                f"{name} must be a NumPy array of real numbers (float or int), got {kind}; "
                "convert it with np.asarray(..., dtype=float)"
            )
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"{name} holds NaN or infinite values; remove or fill them first")


def _check_sizes(model: Module, X: np.ndarray, y: np.ndarray) -> None:
    """An MLP's first ``Linear`` takes ``X``'s features, its last gives ``y``'s, and a
    stack's ``models`` match a stacked ``X`` or ``y``: said here, not as a matmul error."""
    if not isinstance(model, Sequential):
        return
    mods = [m for m in model.modules if not isinstance(m, Normalize)]
    linears = [m for m in mods if isinstance(m, Linear)]
    if not linears or not all(isinstance(m, Linear) or not m.parameters() for m in mods):
        return  # not a plain MLP (e.g. a CNN): its layers check their own inputs
    first, last = linears[0], linears[-1]
    if mods[0] is first and X.shape[-1] != first.in_features:
        raise ValueError(
            f"X has {X.shape[-1]} features but the first Linear takes {first.in_features}; "
            f"build it as Linear({X.shape[-1]}, ...)"
        )
    if y.shape[-1] != last.out_features:
        raise ValueError(
            f"y has {y.shape[-1]} outputs per sample but the last Linear gives "
            f"{last.out_features}; reshape y to (N, {last.out_features})"
        )
    for name, a in (("X", X), ("y", y)):
        if a.ndim == 3 and first.models is not None and a.shape[0] != first.models:
            raise ValueError(
                f"{name} is a stack of {a.shape[0]} but the model one of {first.models}; "
                "pass one (N, ...) array for all models or one per model"
            )


def _check_fit_args(model, X, y, loss, optimizer, epochs, log_every, on_nonfinite, fused) -> None:
    """``fit``'s arguments, each with a message that says what to pass instead."""
    for name, value, kind, example in (
        ("model", model, Module, "a Module such as Sequential(Linear(2, 1), Sigmoid())"),
        ("loss", loss, Loss, "a Loss such as BCELoss()"),
        ("optimizer", optimizer, Optimizer, "an Optimizer such as SGD(model.parameters(), 0.1)"),
    ):
        if not isinstance(value, kind):
            raise TypeError(f"{name} must be {example}, got {value!r}")
    check_data(X, y)
    check_xy(X, y)
    _check_sizes(model, X, y)
    check_epochs(epochs)
    if isinstance(log_every, bool) or not isinstance(log_every, int) or log_every < 0:
        raise ValueError(f"log_every must be a whole number ≥ 0 (0: silent), got {log_every!r}")
    if on_nonfinite not in ("raise", "continue"):
        raise ValueError(f"on_nonfinite must be 'raise' or 'continue', got {on_nonfinite!r}")
    if fused not in (None, True, False):
        raise ValueError(f"fused must be None (automatic), True or False, got {fused!r}")


def _check_extras(model, test, batch_size, rng, penalty) -> None:
    """``fit``'s generalization options: a test set, mini-batches, a penalty."""
    if test is not None:
        if not isinstance(test, tuple | list) or len(test) != 2:
            raise TypeError("test must be a pair (X_test, y_test)")
        check_data(*test)
        check_xy(*test)
        _check_sizes(model, *test)
    if batch_size is not None:
        whole("batch_size", batch_size, 1)
        if not isinstance(rng, np.random.Generator):
            raise TypeError("batch_size needs rng=np.random.default_rng(seed) to shuffle with")
    if penalty is not None and not isinstance(penalty, Penalty):
        raise TypeError(f"penalty must be a Penalty such as Penalty(l2=1e-3), got {penalty!r}")


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
    callback: Callable[[int, np.ndarray], object] | None = None,
    fused: bool | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
    penalty: Penalty | None = None,
) -> History:
    """Training, ``epochs`` times: forward, loss (plus ``penalty``'s value), backward,
    ``optimizer.step()``, then ``scheduler.step()`` and ``callback(epoch, loss)`` (from 1;
    the loss before the update, ``(M,)`` for a stack).

    Full batch by default; ``batch_size=B`` (below the sample count) makes an epoch one
    pass over a shuffle by ``rng`` in steps of ``B`` samples, a stack's models sharing it.
    ``test=(X_test, y_test)`` records the test loss and accuracy per epoch. Fused or not,
    logging, divergence: ``docs/architecture.md``; the options: ``docs/generalization.md``."""
    _check_fit_args(model, X, y, loss, optimizer, epochs, log_every, on_nonfinite, fused)
    _check_extras(model, test, batch_size, rng, penalty)
    X, y = as_model_dtype(model, X, y)
    file = sys.stdout if file is None else file
    lr = optimizer.lr  # as given, before any schedule changes it
    penalty = penalty if penalty else None
    batches = batch_size is not None and batch_size < y.shape[-2]
    simple = not batches and test is None  # what the fused path does
    step = None if fused is False or not simple else plan(model, X, y, loss, optimizer, penalty)
    if fused and step is None:
        raise ValueError(
            f"fused=True, but {type(model).__name__} has no fused path (it takes a Sequential "
            "of Normalize, Features, Linear, Sigmoid, Tanh, Identity trained by an optimizer "
            "of all their parameters, full batch, no test set); pass fused=None or False"
        )
    if batches:
        step = BatchStep(model, X, y, loss, optimizer, penalty, batch_size=batch_size, rng=rng)
    step = step or ModuleStep(model, X, y, loss, optimizer, penalty)
    tester = None if test is None else _Tester(model, loss, *as_model_dtype(model, *test), epochs)
    check = on_nonfinite == "raise"
    losses = record = finite = terms = None
    with np.errstate(all="ignore"):
        try:
            for epoch in range(1, epochs + 1):
                value, pred = step.grad()
                if penalty is not None:
                    term = penalty.value(step.weights(), np.ndim(value) == 1)
                    value = value + term
                if losses is None:
                    losses = np.empty((epochs, *np.shape(value)), np.result_type(value))
                    record = _Accuracies(np.empty(losses.shape), y, loss.threshold, pred)
                    finite = math.isfinite if losses.ndim == 1 else _all_finite
                    terms = None if penalty is None else np.empty(losses.shape)
                losses[epoch - 1] = value
                record.record(pred)
                if terms is not None:
                    terms[epoch - 1] = term
                if tester is not None:
                    tester.record(epoch - 1)
                if check and not finite(value):
                    raise DivergedError(np.asarray(value).max(), epoch, lr)
                step.update()
                if scheduler is not None:
                    scheduler.step()
                if callback is not None:
                    callback(epoch, losses[epoch - 1])
                if log_every and epoch % log_every == 0:
                    shown = "" if tester is None else f"  test loss : {tester.mean(epoch - 1)}"
                    print(f"epoch {epoch} loss : {float(np.mean(value))}{shown}", file=file)
            record.flush()
            pred = step.forward()  # the model after the last update
            final_loss = np.asarray(loss(pred, y)[0], dtype=float)
            if penalty is not None:
                final_loss = final_loss + penalty.value(step.weights(), final_loss.ndim == 1)
        finally:
            step.close()
        if tester is not None:
            tester.record(epochs)
    final_accuracy = np.asarray(accuracy(pred, y, loss.threshold), dtype=float)
    return History(
        losses,
        record.out,
        final_loss=final_loss,
        final_accuracy=final_accuracy,
        penalty=terms,
        test_loss=None if tester is None else tester.loss,
        test_accuracy=None if tester is None else tester.accuracy,
    )


class _Tester:
    """The test loss and accuracy of ``model`` after ``0 … epochs`` epochs."""

    def __init__(self, model: Module, loss: Loss, X: np.ndarray, y: np.ndarray, epochs: int):
        self.model, self.lossfn, self.X, self.y = model, loss, X, y
        self.loss = self.accuracy = None
        self.rows = epochs + 1

    def record(self, k: int) -> None:
        pred = self.model.forward(self.X)
        value = self.lossfn(pred, self.y)[0]
        if self.loss is None:
            self.loss = np.empty((self.rows, *np.shape(value)))
            self.accuracy = np.empty_like(self.loss)
        self.loss[k] = value
        self.accuracy[k] = accuracy(pred, self.y, self.lossfn.threshold)

    def mean(self, k: int) -> float:
        return float(np.mean(self.loss[k]))


def _all_finite(value: np.ndarray) -> bool:
    return bool(np.isfinite(value).all())


def evaluate(
    model: Module, X: np.ndarray, y: np.ndarray, loss: Loss, file: TextIO | None = None
) -> tuple[float, float]:
    """Print each prediction (a probability) and ``loss=... accuracy=...%`` as the handout does."""
    check_xy(X, y)
    X, y = as_model_dtype(model, X, y)
    file = sys.stdout if file is None else file
    with np.errstate(all="ignore"):
        out = model.forward(X)
    if out.ndim != 2:
        raise ValueError(f"evaluate prints one model's predictions; the model returned {out.shape}")
    value = float(loss(out, y)[0])
    pred = sigmoid(out) if loss.takes_logits else out
    acc = float(accuracy(pred, y))
    for i, (t, p) in enumerate(zip(y[:, 0], pred[:, 0])):
        print(f"Iter{i}\tGround truth: {t:.1f}\tprediction: {p:.5f}", file=file)
    print(f"loss={value:.5f} accuracy={acc * 100:.2f}%", file=file)
    return value, acc


test = evaluate  # the handout's name for it
