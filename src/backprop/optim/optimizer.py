"""The ``Optimizer`` base class: parameters in one flat buffer, one ``_update``
per step; the argument checks and the moving-average helper the rules share.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterable, Sequence

import numpy as np

from ..nn.module import Parameter


def _check_lr(lr: float | np.ndarray) -> float | np.ndarray:
    if isinstance(lr, float | int) and math.isfinite(lr) and lr > 0:
        return float(lr)  # the schedule's case, once per epoch: no array round trip
    arr = np.asarray(lr, dtype=float)
    if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"Invalid learning rate: {lr} (must be a positive number or 1-D array)")
    return float(arr) if arr.ndim == 0 else arr


def _check(name: str, value: float, high: float = np.inf) -> None:
    """Torch's boundary check, and finite: ``0 ≤ value ≤ high``, ``value < ∞``, else
    ``Invalid <name> value: <value>``."""
    if isinstance(value, bool) or not isinstance(value, float | int | np.number):
        raise TypeError(f"Invalid {name} value: {value!r}; pass a number")
    if not (0.0 <= value <= high and math.isfinite(value)):  # also rejects NaN
        raise ValueError(f"Invalid {name} value: {value} (must be finite, 0 ≤ {name} ≤ {high})")


@functools.cache
def _scalars(dtype: np.dtype, *values: float) -> tuple[np.ndarray, ...]:
    """0-d arrays of ``dtype``: a ufunc takes one ~250 ns faster than a Python float."""
    return tuple(np.full((), v, dtype) for v in values)


def _ema(avg: np.ndarray, beta: float, x: np.ndarray, scratch: np.ndarray) -> None:
    """``avg ← β avg + (1 − β) x`` in place (``scratch`` may be ``x`` itself)."""
    b, c = _scalars(avg.dtype, beta, 1.0 - beta)
    np.multiply(avg, b, avg)
    np.multiply(x, c, scratch)
    np.add(avg, scratch, avg)


def _pack(params: list[Parameter]) -> tuple[np.ndarray, np.ndarray] | None:
    """One ``(data, grad)`` buffer pair holding every parameter, each rebound to views
    of it; ``None`` (parameters left alone) if their dtypes differ."""
    dtypes = {p.data.dtype for p in params} | {p.grad.dtype for p in params}
    if len(dtypes) != 1:
        return None
    lead = {p.data.shape[:1] for p in params}
    rows = lead.pop()[0] if len(lead) == 1 and params[0].data.ndim else 1
    widths, dtype = [p.data.size // rows for p in params], dtypes.pop()
    data, grad = (np.empty((rows, sum(widths)), dtype) for _ in range(2))
    start = 0
    for p, width in zip(params, widths):
        for flat, name in ((data, "data"), (grad, "grad")):
            view = flat[:, start : start + width].reshape(p.data.shape)
            view[...] = getattr(p, name)
            setattr(p, name, view)
        start += width
    return (data, grad) if rows > 1 else (data[0], grad[0])


_DATA, _GRAD = operator.attrgetter("data"), operator.attrgetter("grad")


def _rows(lr: float | np.ndarray, rows: slice) -> float | np.ndarray:
    """The rates of the models ``rows`` (one rate: itself)."""
    return lr[rows] if isinstance(lr, np.ndarray) and lr.ndim else lr


class Optimizer:
    """Base class: ``step()`` applies ``_update(param, grad, state, lr)`` to each group.

    A group is the flat buffer of all parameters (or, if their dtypes differ, one
    parameter). ``t`` is the number of steps taken; ``state[i]`` holds group ``i``'s
    buffers.
    """

    _hparams: tuple[str, ...] = ()
    weight_decay: float = 0.0

    def __init__(self, params: Iterable[Parameter], lr: float | np.ndarray) -> None:
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
        flat = _pack(self.params)
        self._groups = [flat] if flat else [(p.data, p.grad) for p in self.params]
        self._views = self._bound()
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self._groups]
        self.lr = lr
        self.t = 0
        self._stacked = all(p.ndim == 2 for p, _ in self._groups)  # (models, values) each
        self._made = None  # the hyperparameters of the last whole step (see ``parallel``)

    def _bound(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return list(map(_DATA, self.params)), list(map(_GRAD, self.params))

    def _rebind(self) -> None:
        """Copy parameters rebound since the last step back into the groups' buffers."""
        for i, (p, data, grad) in enumerate(zip(self.params, *self._views)):
            for old, name in ((data, "data"), (grad, "grad")):
                new = getattr(p, name)
                if new is not old:
                    if new.shape != old.shape or new.dtype != old.dtype:
                        raise ValueError(
                            f"parameter {i}'s {name} changed from {old.shape} {old.dtype} to "
                            f"{new.shape} {new.dtype} after the optimizer was made; "
                            "make a new optimizer"
                        )
                    old[...] = new
                    setattr(p, name, old)

    @property
    def lr(self) -> float | np.ndarray:
        return self._lr

    @lr.setter
    def lr(self, value: float | np.ndarray) -> None:
        self._lr = _check_lr(value)
        if isinstance(self._lr, float):
            self._lrs = [self._lr] * len(self._groups)
            return
        m = len(self._lr)
        for p in self.params:
            if p.data.ndim == 0 or p.data.shape[0] != m:
                raise ValueError(
                    f"lr has {m} values but a parameter has shape {p.data.shape}; "
                    "per-model learning rates need the stack axis first"
                )
        # One column of rates per group, in its dtype, broadcasting over the model's axes.
        self._lrs = [
            self._lr.reshape(m, *(1,) * (d.ndim - 1)).astype(d.dtype) for d, _ in self._groups
        ]

    def zero_grad(self) -> None:
        for _, grad in self._groups:
            grad.fill(0.0)

    def step(self) -> None:
        """One update of every parameter (a rule makes its state on the first)."""
        self.begin()
        self.update()

    def begin(self) -> None:
        """Count the step and ``rebind``: the start of ``step``, or of a step whose slices
        of models are updated apart (``update``)."""
        self.t += 1
        self.rebind()

    def rebind(self) -> None:
        """Take in the parameters rebound since the last step (``p.data = ...``): their
        values go into the flat buffer, and they are views of it again."""
        data, grad = self._views
        if not (
            all(map(operator.is_, map(_DATA, self.params), data))
            and all(map(operator.is_, map(_GRAD, self.params), grad))
        ):
            self._rebind()

    def _settings(self) -> str:
        """The hyperparameters, as text (a pair given as an array compares too)."""
        return repr([getattr(self, k) for k in self._hparams])

    def parallel(self, rows: Sequence[slice]) -> bool:
        """Can the slices ``rows`` of a stack's models be updated apart, each by
        ``update`` on a thread of its own? Yes if there are several, every group is a
        stack, and a whole ``step`` has run since the hyperparameters last changed (a rule
        makes its state there, e.g. momentum's buffer). Every rule is element-wise: the
        numbers are those of ``step``."""
        return len(rows) > 1 and self._stacked and self._made == self._settings()

    def update(self, rows: slice | None = None) -> None:
        """The update after ``begin``: of every model (``rows=None``; a rule makes its
        state on the first), or of the models ``rows`` only, on any thread (``parallel``)."""
        if rows is None:
            for (param, grad), state, lr in zip(self._groups, self.state, self._lrs):
                if not state:
                    state["s"] = np.empty_like(param)  # scratch for the update's temporaries
                self._update(param, grad, state, lr)
            if self._stacked:
                self._made = self._settings()
            return
        for (param, grad), state, lr in zip(self._groups, self.state, self._lrs):
            self._update(
                param[rows], grad[rows], {k: v[rows] for k, v in state.items()}, _rows(lr, rows)
            )

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
        hp = "".join(f", {k}={getattr(self, k)}" for k in self._hparams)
        return f"{type(self).__name__}(lr={self._lr}{hp})"
