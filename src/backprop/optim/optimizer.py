"""The ``Optimizer`` base class and the helpers its update rules share.

An optimizer sees only ``(data, grad)`` array pairs and owns a state dict per pair.
``step()`` updates its parameters' arrays in place; ``apply`` runs the same rule on
arrays a caller owns (``fit``'s fused path). It never rebinds ``p.data`` or ``p.grad``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence

import numpy as np

from ..checks import real
from ..nn.module import Parameter


def _check_lr(lr: float | np.ndarray) -> float | np.ndarray:
    if type(lr) in (float, int) and 0 < lr < math.inf:  # not a bool
        return float(lr)  # the schedule's case, once per epoch: no array round trip
    arr = np.asarray(lr, dtype=float)
    if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"Invalid learning rate: {lr} (must be a positive number or 1-D array)")
    return float(arr) if arr.ndim == 0 else arr


def _check(name: str, value: float, high: float = math.inf) -> None:
    """Torch's boundary check, finite too: ``0 ≤ value ≤ high``, else ``Invalid <name> value``."""
    real(name, value, 0.0, high, message=f"Invalid {name} value: {{value}}")


@functools.cache
def _scalars(dtype: np.dtype, *values: float) -> tuple[np.ndarray, ...]:
    """0-d arrays of ``dtype``, which a ufunc takes faster than a Python float
    (``docs/numerics.md``)."""
    return tuple(np.full((), v, dtype) for v in values)


def _ema(avg: np.ndarray, b: np.ndarray, c: np.ndarray, x: np.ndarray, scratch: np.ndarray) -> None:
    """``avg ← β avg + (1 − β) x`` in place, given ``b = β`` and ``c = 1 − β`` from
    ``_scalars``; ``scratch`` may be ``x`` itself."""
    np.multiply(avg, b, avg)
    np.multiply(x, c, scratch)
    np.add(avg, scratch, avg)


class Optimizer:
    """Base class: ``step()`` applies the rule ``_update(data, grad, state, lr)`` to each
    parameter. ``t`` counts steps; ``state[i]`` holds parameter ``i``'s buffers.

    A subclass lists its hyperparameters besides ``lr`` in ``OPTIONS`` and checks them
    in ``_check_options``; ``options`` reads them and ``set_options`` changes them.
    """

    OPTIONS: tuple[str, ...] = ()
    weight_decay: float = 0.0

    def __init__(self, params: Iterable[Parameter], lr: float | np.ndarray, **options) -> None:
        if isinstance(params, np.ndarray | Parameter):
            raise TypeError("params must be a list of Parameters, e.g. model.parameters()")
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list; pass model.parameters()")
        bad = [p for p in self.params if not isinstance(p, Parameter)]
        if bad:
            raise TypeError(
                f"params must be Parameters, e.g. model.parameters(), got {type(bad[0]).__name__}"
            )
        self._check_options(options)
        self.__dict__.update(options)
        self.lr = lr
        self.reset_state()

    @property
    def options(self) -> dict[str, object]:
        """The hyperparameters besides ``lr``, by name."""
        return {k: getattr(self, k) for k in self.OPTIONS}

    def set_options(self, **options: object) -> None:
        """Change hyperparameters, checked as the constructor checks them. The state
        (moments, step count) is kept; ``reset_state()`` drops it."""
        unknown = [k for k in options if k not in self.OPTIONS]
        if unknown:
            raise ValueError(
                f"{type(self).__name__} has no option {unknown[0]!r}; "
                f"its options are {', '.join(self.OPTIONS)}"
            )
        merged = {**self.options, **options}
        self._check_options(merged)
        self.__dict__.update(merged)

    def reset_state(self) -> None:
        """Forget every buffer (momentum, moments) and start counting steps from 0."""
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        self.t = 0

    def _check_options(self, options: dict) -> None:
        """Raise ``ValueError`` naming a bad hyperparameter."""

    @property
    def lr(self) -> float | np.ndarray:
        """A positive rate, or one per model ``(M,)`` for a stack (stack axis first)."""
        return self._lr

    @lr.setter
    def lr(self, value: float | np.ndarray) -> None:
        self._lr = _check_lr(value)
        self._shaped: dict = {}
        if isinstance(self._lr, np.ndarray):
            m = len(self._lr)
            for p in self.params:
                if p.data.ndim == 0 or p.data.shape[0] != m:
                    raise ValueError(
                        f"lr has {m} values but a parameter has shape {p.data.shape}; "
                        "per-model learning rates need the stack axis first"
                    )

    def _lr_for(self, data: np.ndarray) -> np.ndarray:
        """The rates per model as a column ``(M, 1, …)`` for ``data``, in its dtype."""
        key = (data.ndim, data.dtype)
        lr = self._shaped.get(key)
        if lr is None:
            shape = (len(self._lr),) + (1,) * (data.ndim - 1)
            lr = self._shaped[key] = self._lr.reshape(shape).astype(data.dtype)
        return lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad.fill(0.0)

    def step(self) -> None:
        """One update of every parameter: ``θ ← rule(θ, ∇θ)``, in place."""
        self.apply([(p.data, p.grad) for p in self.params], self.state)

    def apply(self, pairs: Sequence[tuple[np.ndarray, np.ndarray]], states: list[dict]) -> None:
        """One step of the rule on arrays a caller owns: ``pairs`` of ``(data, grad)``
        and their ``states`` (aligned lists; a rule fills an empty state on first use)."""
        self.t += 1
        lr = self._lr
        for (data, grad), state in zip(pairs, states):
            if not state:
                state["s"] = np.empty_like(data)  # scratch for the update's temporaries
            self._update(data, grad, state, lr if type(lr) is float else self._lr_for(data))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, lr) -> None:
        raise NotImplementedError

    def _decayed(self, param: np.ndarray, grad: np.ndarray, state: dict) -> np.ndarray:
        """``g + λθ`` (L2 penalty) in a buffer of its own, or ``grad`` itself if λ = 0."""
        if not self.weight_decay:
            return grad
        g = state.get("g")
        if g is None:
            g = state["g"] = np.empty_like(param)
        np.multiply(param, self.weight_decay, out=g)
        g += grad
        return g

    def __repr__(self) -> str:
        hp = "".join(f", {k}={v}" for k, v in self.options.items())
        return f"{type(self).__name__}(lr={self._lr}{hp})"
