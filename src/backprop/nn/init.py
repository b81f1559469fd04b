"""Weight initialisers. Each takes an explicit ``numpy.random.Generator``.

All return an array of ``shape`` whose last two axes are ``(fan_in, fan_out)``:

=================  ==========================================
``xavier_uniform``  U(-a, a),  a = gain * sqrt(6 / (fan_in + fan_out))
``xavier_normal``   N(0, s²),  s = gain * sqrt(2 / (fan_in + fan_out))
``he_uniform``      U(-a, a),  a = gain * sqrt(6 / fan_in)
``he_normal``       N(0, s²),  s = gain * sqrt(2 / fan_in)
``uniform``         gain * U(0, 1), the common choice in public solutions of the lab
``normal``          gain * N(0, 1)
=================  ==========================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Init = Callable[[np.random.Generator, tuple[int, ...], float], np.ndarray]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    return shape[-2], shape[-1]


def xavier_uniform(
    rng: np.random.Generator, shape: tuple[int, ...], gain: float = 1.0
) -> np.ndarray:
    fan_in, fan_out = _fans(shape)
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, shape)


def xavier_normal(
    rng: np.random.Generator, shape: tuple[int, ...], gain: float = 1.0
) -> np.ndarray:
    fan_in, fan_out = _fans(shape)
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), shape)


def he_uniform(rng: np.random.Generator, shape: tuple[int, ...], gain: float = 1.0) -> np.ndarray:
    a = gain * np.sqrt(6.0 / _fans(shape)[0])
    return rng.uniform(-a, a, shape)


def he_normal(rng: np.random.Generator, shape: tuple[int, ...], gain: float = 1.0) -> np.ndarray:
    return rng.normal(0.0, gain * np.sqrt(2.0 / _fans(shape)[0]), shape)


def uniform(rng: np.random.Generator, shape: tuple[int, ...], gain: float = 1.0) -> np.ndarray:
    return gain * rng.uniform(0.0, 1.0, shape)


def normal(rng: np.random.Generator, shape: tuple[int, ...], gain: float = 1.0) -> np.ndarray:
    return gain * rng.normal(0.0, 1.0, shape)


INITS: dict[str, Init] = {
    f.__name__: f for f in (xavier_uniform, xavier_normal, he_uniform, he_normal, uniform, normal)
}


def draw(
    init: str | Init,
    rng: np.random.Generator | Sequence[np.random.Generator] | None,
    shape: tuple[int, ...],
    models: int | None = None,
    gain: float = 1.0,
) -> np.ndarray:
    """One array of ``shape``, or ``(models, *shape)`` for a stack; with one ``rng`` per
    model, model ``m`` gets exactly the weights a single model built with ``rngs[m]`` gets."""
    if isinstance(init, str) and init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
    if len(shape) < 2:
        raise ValueError(f"shape must end in (fan_in, fan_out), got {shape}")
    fn = INITS[init] if isinstance(init, str) else init
    if isinstance(rng, Sequence):
        if models is None or len(rng) != models:
            raise ValueError(f"got {len(rng)} generators for models={models}")
        return np.stack([fn(r, shape, gain) for r in rng])
    rng = np.random.default_rng() if rng is None else rng
    return fn(rng, shape if models is None else (models, *shape), gain)
