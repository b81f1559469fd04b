"""Every optimizer on 2-D test surfaces, after Alec Radford's animations.

A surface is ``f(xy) -> (value, gradient)``, ``xy`` ``(..., 2)``, the gradient ``(..., 2)``;
``optimizer_paths`` lets each optimizer take ``steps`` steps on one ``Parameter`` ``(2,)``,
at a rate chosen per surface. ``trajectories_plot`` draws the paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..nn.module import Parameter
from ..optim import OPTIMIZERS


def saddle(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f = x² − y²,  ∇f = (2x, −2y): a saddle point at the origin."""
    x, y = xy[..., 0], xy[..., 1]
    return x**2 - y**2, np.stack([2 * x, -2 * y], axis=-1)


def beale(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f = Σ_k (c_k − x + x yᵏ)², c = (1.5, 2.25, 2.625); minimum 0 at (3, 0.5).

    ∂f/∂x = Σ_k 2 r_k (yᵏ − 1),   ∂f/∂y = Σ_k 2 r_k k x yᵏ⁻¹,   r_k = c_k − x + x yᵏ.
    """
    x, y = xy[..., 0], xy[..., 1]
    value, gx, gy = 0.0, 0.0, 0.0
    for k, c in enumerate((1.5, 2.25, 2.625), start=1):
        r = c - x + x * y**k
        value = value + r**2
        gx = gx + 2 * r * (y**k - 1)
        gy = gy + 2 * r * k * x * y ** (k - 1)
    return value, np.stack([gx, gy], axis=-1)


def rosenbrock(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f = (1 − x)² + 100 (y − x²)²; minimum 0 at (1, 1) at the end of a curved valley.

    ∇f = (−2 (1 − x) − 400 x (y − x²),  200 (y − x²)).
    """
    x, y = xy[..., 0], xy[..., 1]
    d = y - x**2
    grad = np.stack([-2 * (1 - x) - 400 * x * d, 200 * d], axis=-1)
    return (1 - x) ** 2 + 100 * d**2, grad


@dataclass(frozen=True)
class Surface:
    """A test function, where to start on it, what to show and each optimizer's lr."""

    name: str
    formula: str
    f: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    start: tuple[float, float]
    target: tuple[float, float]
    target_label: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    steps: int
    lrs: dict[str, float] = field(default_factory=dict)


# Learning rates picked by eye: each optimizer makes visible progress and stays on screen
# (except on the saddle, which the paths must leave). The saddle's start is just off the
# ridge y = 0; exactly on it the gradient has no y part and no method could escape.
SURFACES: dict[str, Surface] = {
    "saddle": Surface(
        "saddle",
        r"Saddle $f = x^2 - y^2$",
        saddle,
        start=(1.4, 0.01),
        target=(0.0, 0.0),
        target_label="saddle point (0, 0)",
        xlim=(-1.5, 1.5),
        ylim=(-1.5, 1.5),
        steps=80,
        lrs={
            "sgd": 0.04,
            "momentum": 0.01,
            "nesterov": 0.01,
            "adagrad": 0.5,
            "rmsprop": 0.01,
            "adam": 0.05,
            "adamw": 0.05,
            "adadelta": 5.0,
        },
    ),
    "beale": Surface(
        "beale",
        "Beale's function",
        beale,
        start=(1.0, 1.5),
        target=(3.0, 0.5),
        target_label="minimum (3, 0.5)",
        xlim=(-0.5, 4.5),
        ylim=(-1.5, 2.0),
        steps=300,
        lrs={
            "sgd": 0.01,
            "momentum": 0.002,
            "nesterov": 0.002,
            "adagrad": 0.5,
            "rmsprop": 0.01,
            "adam": 0.05,
            "adamw": 0.05,
            "adadelta": 10.0,
        },
    ),
    "rosenbrock": Surface(
        "rosenbrock",
        "Rosenbrock's function",
        rosenbrock,
        start=(-1.2, 1.0),
        target=(1.0, 1.0),
        target_label="minimum (1, 1)",
        xlim=(-1.6, 1.6),
        ylim=(-0.6, 2.2),
        steps=500,
        lrs={
            "sgd": 2e-3,
            "momentum": 3e-4,
            "nesterov": 3e-4,
            "adagrad": 1.0,
            "rmsprop": 0.01,
            "adam": 0.1,
            "adamw": 0.1,
            "adadelta": 1.0,
        },
    ),
}


def as_surface(surface: str | Surface) -> Surface:
    """The ``Surface`` named ``surface`` (or ``surface`` itself), with a clear error."""
    if isinstance(surface, Surface):
        return surface
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}; choose one of {', '.join(SURFACES)}")
    return SURFACES[surface]


def optimizer_paths(
    surface: str | Surface,
    steps: int | None = None,
    start: Sequence[float] | None = None,
    lrs: dict[str, float] | None = None,
) -> dict[str, np.ndarray]:
    """Each optimizer's path ``(steps + 1, 2)`` from the same start, keyed by CLI name.

    ``lrs`` overrides the surface's learning rates; optimizers not in it keep theirs.
    """
    s = as_surface(surface)
    steps = s.steps if steps is None else steps
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    start = np.array(s.start if start is None else start, dtype=float)
    lrs = {**s.lrs, **(lrs or {})}
    paths = {}
    with np.errstate(all="ignore"):  # a path that diverges is part of the picture
        for name, make in OPTIMIZERS.items():
            p = Parameter(start.copy())
            opt = make([p], lrs[name])
            path = np.empty((steps + 1, 2))
            path[0] = p.data
            for t in range(1, steps + 1):
                p.grad[...] = s.f(p.data)[1]
                opt.step()
                path[t] = p.data
            paths[name] = path
    return paths
