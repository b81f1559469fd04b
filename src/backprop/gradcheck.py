"""Central finite differences for modules and losses (used by the tests).

For a module ``f`` and a random upstream gradient ``G``, the scalar
``s = Σ G ⊙ f(x)`` has ``ds/dx = f.backward(G)`` and ``ds/dθ = θ.grad``; each
is compared with ``(s(v + h) - s(v - h)) / 2h`` entry by entry; ``check_penalised`` does
the same for a loss plus an L1/L2 penalty. The error is
``max|analytic - numeric| / max(max|analytic|, max|numeric|, 1e-12)``.
"""

from __future__ import annotations

import numpy as np

from .nn.losses import Loss
from .nn.module import Module
from .nn.penalty import Penalty, weights


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = max(np.abs(analytic).max(initial=0), np.abs(numeric).max(initial=0), 1e-12)
    return float(np.abs(analytic - numeric).max(initial=0) / scale)


def numeric_grad(f, v: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d f() / d v by central differences, perturbing ``v`` in place."""
    grad = np.zeros_like(v)
    for i in np.ndindex(v.shape):
        old = v[i]
        v[i] = old + h
        up = f()
        v[i] = old - h
        down = f()
        v[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def check_module(
    module: Module, x: np.ndarray, rng: np.random.Generator | None = None, h: float = 1e-6
) -> dict[str, float]:
    """Relative error of ``module``'s backward for the input and each parameter."""
    rng = np.random.default_rng(0) if rng is None else rng
    x = np.array(x, dtype=float)
    upstream = rng.standard_normal(module.forward(x).shape)

    def s() -> float:
        return float(np.sum(upstream * module.forward(x)))

    module.zero_grad()
    module.forward(x)
    grad_x = module.backward(upstream)
    errors = {"input": relative_error(grad_x, numeric_grad(s, x, h))}
    for name, p in module.named_parameters():
        errors[name] = relative_error(p.grad, numeric_grad(s, p.data, h))
    return errors


def check_loss(loss: Loss, pred: np.ndarray, target: np.ndarray, h: float = 1e-6) -> float:
    """Relative error of ``loss``'s gradient (of the sum over a stack) w.r.t. ``pred``."""
    pred = np.array(pred, dtype=float)
    _, grad = loss(pred, target)
    return relative_error(grad, numeric_grad(lambda: float(np.sum(loss(pred, target)[0])), pred, h))


def check_penalised(
    model: Module, loss: Loss, penalty: Penalty, x: np.ndarray, y: np.ndarray, h: float = 1e-6
) -> dict[str, float]:
    """Relative error, per parameter, of the gradient of the penalised loss
    ``Σ loss(model(x), y) + penalty(weights)`` (summed over a stack) that backward and
    ``penalty.backward`` give."""
    ws = weights(model)

    def objective() -> float:
        value = np.sum(loss(model.forward(x), y)[0])
        return float(value + penalty.value([(p.data, p.grad) for p in ws], False))

    model.zero_grad()
    model.backward(loss(model.forward(x), y)[1])
    penalty.backward([(p.data, p.grad) for p in ws])
    return {
        name: relative_error(p.grad, numeric_grad(objective, p.data, h))
        for name, p in model.named_parameters()
    }
