"""A convolutional network for the lab's 2-D points: each point becomes an image of a
Gaussian bump (``PointsToImage``), so the CNN takes the MLP's ``(N, 2)`` input and ``fit``,
``test`` and the plots work on it unchanged; the encoding's exact backward lets it be
gradient-checked end to end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..nn import Conv2d, Flatten, Linear, MaxPool2d
from ..nn.activations import ACTIVATIONS, Sigmoid
from ..nn.module import Module, Sequential

# The defaults of ``build_cnn`` and of its training run (``backprop train --model cnn``).
CNN_SIZE = 16
CNN_SIGMA = 0.1
CNN_CHANNELS = (4, 8)
CNN_ACTIVATION = "relu"
CNN_OPTIMIZER = "adam"
CNN_LR = 0.02
CNN_EPOCHS = 150


class PointsToImage(Module):
    """``(N, 2)`` points → ``(N, 1, size, size)`` images of a Gaussian bump.

    With pixel centres ``c_k = (k + ½) / size`` (row ``i`` follows ``x2``, column
    ``j`` follows ``x1``; show with ``origin="lower"``)::

        I[n, 0, i, j] = exp(-((x1 - c_j)² + (x2 - c_i)²) / 2σ²) = gy[n, i] · gx[n, j]

    Backward, with ``G = dL/dI``::

        dL/dx1[n] = Σ_{i,j} G[n, 0, i, j] · I[n, 0, i, j] · (c_j - x1[n]) / σ²
        dL/dx2[n] = Σ_{i,j} G[n, 0, i, j] · I[n, 0, i, j] · (c_i - x2[n]) / σ²

    No parameters: the bump's width ``sigma`` is in units of the square's side.
    """

    def __init__(self, size: int = CNN_SIZE, sigma: float = CNN_SIGMA) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        if not sigma > 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        self.size, self.sigma = size, sigma
        self.centres = (np.arange(size) + 0.5) / size

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"PointsToImage expects points (N, 2), got {x.shape}")
        # (N, 2, size): offsets of each coordinate from every pixel centre, over σ².
        self._d = (self.centres - x[:, :, None]) / self.sigma**2
        self._g = np.exp(-0.5 * self.sigma**2 * self._d * self._d)
        gx, gy = self._g[:, 0], self._g[:, 1]
        return (gy[:, :, None] * gx[:, None, :])[:, None]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        g = grad_out[:, 0]
        gx, gy = self._g[:, 0], self._g[:, 1]
        # Separable bump: contract G with one factor, then the other's derivative.
        dgx = self._d[:, 0] * gx  # d gx / d x1
        dgy = self._d[:, 1] * gy
        d1 = np.einsum("nij,ni,nj->n", g, gy, dgx)
        d2 = np.einsum("nij,ni,nj->n", g, dgy, gx)
        return np.stack([d1, d2], axis=1)

    def extra_repr(self) -> str:
        return f"size={self.size}, sigma={self.sigma}"


def build_cnn(
    rng: np.random.Generator | None = None,
    channels: Sequence[int] = CNN_CHANNELS,
    *,
    size: int = CNN_SIZE,
    sigma: float = CNN_SIGMA,
    activation: str = CNN_ACTIVATION,
) -> Sequential:
    """``(N, 2) → (N, 1)`` probabilities: image, [conv 3×3 → act → maxpool 2]×len(channels),
    flatten, linear, sigmoid. ``size`` must be divisible by ``2 ** len(channels)``."""
    if not channels or min(channels) < 1:
        raise ValueError(f"channels must be one or more sizes of at least 1, got {channels}")
    if size % 2 ** len(channels):
        raise ValueError(
            f"size={size} is not divisible by 2**{len(channels)}; each block halves the image"
        )
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
        )
    act = ACTIVATIONS[activation]
    init = "he_uniform" if activation == "relu" else "xavier_uniform"
    layers: list[Module] = [PointsToImage(size, sigma)]
    for c_in, c_out in zip((1, *channels), channels):
        layers += [Conv2d(c_in, c_out, 3, padding=1, rng=rng, init=init), act(), MaxPool2d(2)]
    side = size // 2 ** len(channels)
    layers += [Flatten(), Linear(channels[-1] * side * side, 1, rng=rng), Sigmoid()]
    return Sequential(*layers)
