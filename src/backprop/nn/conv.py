"""Convolution and pooling: ``Conv1d``, ``Conv2d``, ``MaxPool2d``, ``AvgPool2d``,
with the pure ``conv_forward``/``conv_backward`` kernels they call (im2col via
strided ``windows``, ``col2im`` for the backward).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from .init import Init, draw
from .linear import _check_init, _counts
from .module import Module, Parameter


# --- Convolution and pooling (single model, channels first) -----------------------------
#
# A window view ``(N, C, *out, *k)`` of the input (no copy) is the im2col matrix
# before its one reshape; its adjoint, col2im, adds each kernel offset's slice back.
def _tuple(value: int | Sequence[int], d: int, name: str, least: int = 1) -> tuple[int, ...]:
    t = (value,) * d if isinstance(value, numbers.Integral) else value
    if (
        not isinstance(t, Sequence)
        or len(t) != d
        or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in t)
        or any(v < least for v in t)
    ):
        raise ValueError(f"{name} must be an int or {d} ints, each at least {least}, got {value}")
    return tuple(int(v) for v in t)


def _spatial(ndim: int, d: int) -> tuple[int, ...]:
    return tuple(range(ndim - d, ndim))


def windows(x: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...]) -> np.ndarray:
    """View ``(N, C, *out, *k)`` of ``x`` ``(N, C, *size)``: ``out = (size - k) // s + 1``."""
    d = len(kernel)
    view = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=_spatial(x.ndim, d))
    return view[(..., *(slice(None, None, s) for s in stride), *(slice(None),) * d)]


def col2im(
    cols: np.ndarray, size: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...]
) -> np.ndarray:
    """Adjoint of ``windows``: ``(N, C, *out, *k) → (N, C, *size)``, overlaps summed."""
    d = len(kernel)
    out = cols.shape[2 : 2 + d]
    x = np.zeros((*cols.shape[:2], *size), cols.dtype)
    # One strided slice per kernel offset: k_h·k_w additions, none per output position.
    for off in np.ndindex(*kernel):
        where = tuple(slice(o, o + s * (n - 1) + 1, s) for o, s, n in zip(off, stride, out))
        x[(..., *where)] += cols[(..., *off)]
    return x


def _pad(x: np.ndarray, padding: tuple[int, ...]) -> np.ndarray:
    if not any(padding):
        return x
    return np.pad(x, ((0, 0), (0, 0), *((p, p) for p in padding)))


def _unpad(x: np.ndarray, padding: tuple[int, ...]) -> np.ndarray:
    return x[(..., *(slice(p, x.shape[-len(padding) + i] - p) for i, p in enumerate(padding)))]


def conv_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride, padding
) -> tuple[np.ndarray, np.ndarray]:
    """``y (N, O, *out)`` and the im2col matrix ``(C·K, N·P)`` the backward needs."""
    d = w.ndim - 2
    win = windows(_pad(x, padding), w.shape[2:], stride)
    out = win.shape[2 : 2 + d]
    # Rows (c, *offset), columns (n, *position): the copy runs along output rows,
    # several times faster than (n, *position)-major rows whose inner run is one kernel row.
    cols = win.transpose(1, *range(2 + d, 2 + 2 * d), 0, *range(2, 2 + d)).reshape(w[0].size, -1)
    y = w.reshape(len(w), -1) @ cols
    if b is not None:
        y += b[:, None]
    return y.reshape(len(w), len(x), *out).swapaxes(0, 1), cols


def conv_backward(
    g: np.ndarray, cols: np.ndarray, w: np.ndarray, x_shape: tuple[int, ...], stride, padding
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dL/dx, dL/dw, dL/db)`` from ``g = dL/dy`` ``(N, O, *out)``."""
    d = w.ndim - 2
    g2 = g.swapaxes(0, 1).reshape(len(w), -1)
    w2 = w.reshape(len(w), -1)
    dw = (g2 @ cols.T).reshape(w.shape)
    db = g2.sum(axis=1)
    # (C, *k, N, *out) → the (N, C, *out, *k) view col2im reads.
    dcols = (w2.T @ g2).reshape(*w.shape[1:], len(g), *g.shape[2:])
    dcols = dcols.transpose(d + 1, 0, *range(d + 2, 2 * d + 2), *range(1, d + 1))
    size = tuple(n + 2 * p for n, p in zip(x_shape[2:], padding))
    return _unpad(col2im(dcols, size, w.shape[2:], stride), padding), dw, db


def _draw_conv(init, rng, shape: tuple[int, ...], gain: float) -> np.ndarray:
    """``(out, in, *k)`` weights with ``fan_in = in·K``, ``fan_out = out·K`` (K = ∏k).

    The initialisers read their fans from the last two axes, so draw an i.i.d.
    ``(fan_in, fan_out)`` block at that scale and keep the first ``out·in·K`` entries.
    """
    receptive = int(np.prod(shape[2:]))
    block = draw(init, rng, (shape[1] * receptive, shape[0] * receptive), None, gain)
    return block.reshape(-1)[: int(np.prod(shape))].reshape(shape)


class _ConvNd(Module):
    d = 0

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        bias: bool = True,
        *,
        rng: np.random.Generator | None = None,
        init: str | Init = "xavier_uniform",
        gain: float = 1.0,
    ) -> None:
        _counts(in_channels=in_channels, out_channels=out_channels)
        _check_init(init, gain)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, self.d, "kernel_size")
        self.stride = _tuple(stride, self.d, "stride")
        self.padding = _tuple(padding, self.d, "padding", least=0)
        shape = (out_channels, in_channels, *self.kernel_size)
        self.weight = Parameter(_draw_conv(init, rng, shape, gain))
        self.bias = Parameter(np.zeros(out_channels)) if bias else None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 + self.d or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__} expects input (N, {self.in_channels}, "
                f"{('L', 'H, W')[self.d - 1]}), got {x.shape}"
            )
        for n, k, p in zip(x.shape[2:], self.kernel_size, self.padding):
            if n + 2 * p < k:
                raise ValueError(f"input size {x.shape[2:]} is smaller than the kernel")
        b = None if self.bias is None else self.bias.data
        y, self._cols = conv_forward(x, self.weight.data, b, self.stride, self.padding)
        self._x_shape = x.shape
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        dx, dw, db = conv_backward(
            grad_out, self._cols, self.weight.data, self._x_shape, self.stride, self.padding
        )
        self.weight.grad += dw
        if self.bias is not None:
            self.bias.grad += db
        return dx

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if any(self.padding):
            s += f", padding={self.padding}"
        return s + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """Cross-correlation over one axis, as ``torch.nn.Conv1d`` (no dilation, no groups).

    ``y[n, o, l] = b[o] + Σ_{c, k} w[o, c, k] · x̃[n, c, s·l + k]`` with ``x̃`` the
    input zero-padded by ``p`` on both ends. Backward, with ``G = dL/dy``::

        dL/dw[o, c, k] = Σ_{n, l} G[n, o, l] x̃[n, c, s·l + k]     dL/db[o] = Σ_{n, l} G[n, o, l]
        dL/dx̃[n, c, s·l + k] += Σ_o G[n, o, l] w[o, c, k]      (then the padding is cut off)

    Shapes: x ``(N, C_in, L)``, w ``(C_out, C_in, k)``, b ``(C_out,)``,
    y ``(N, C_out, (L + 2p - k) // s + 1)``.
    """

    d = 1


class Conv2d(_ConvNd):
    """Cross-correlation over two axes, as ``torch.nn.Conv2d`` (no dilation, no groups).

    ``y[n, o, i, j] = b[o] + Σ_{c, u, v} w[o, c, u, v] · x̃[n, c, s_h i + u, s_w j + v]``
    with ``x̃`` the zero-padded input. As one matmul: ``Y = W X_col + b`` with ``W``
    as ``(C_out, C_in·k_h·k_w)`` and each column of ``X_col`` ``(C_in·k_h·k_w,
    N·H_out·W_out)`` one window. Backward, with ``G`` ``(C_out, N·H_out·W_out)``::

        dL/dW = G X_colᵀ      dL/db = G 1      dL/dX_col = Wᵀ G

    and ``dL/dx`` is ``dL/dX_col`` added back into the windows it came from (col2im).

    Shapes: x ``(N, C_in, H, W)``, w ``(C_out, C_in, k_h, k_w)``, b ``(C_out,)``,
    y ``(N, C_out, (H + 2p_h - k_h) // s_h + 1, (W + 2p_w - k_w) // s_w + 1)``.
    """

    d = 2


class _Pool2d(Module):
    def __init__(
        self, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None
    ) -> None:
        # Kept as given for the repr, as PyTorch does; ``_k``, ``_s`` are the pairs used.
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self._k = _tuple(kernel_size, 2, "kernel_size")
        self._s = _tuple(self.stride, 2, "stride")

    def _windows(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 4 or any(n < k for n, k in zip(x.shape[2:], self._k)):
            raise ValueError(
                f"{type(self).__name__} expects input (N, C, H, W) of at least the "
                f"kernel's size {self._k}, got {x.shape}"
            )
        self._size = x.shape[2:]
        win = windows(x, self._k, self._s)
        return win.reshape(*win.shape[:4], -1)

    def _col2im(self, cols: np.ndarray) -> np.ndarray:
        return col2im(cols.reshape(*cols.shape[:4], *self._k), self._size, self._k, self._s)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class MaxPool2d(_Pool2d):
    """``y[n, c, i, j] = max_{u, v} x[n, c, s_h i + u, s_w j + v]`` (no padding).

    Backward: each ``G[n, c, i, j]`` goes to the window's arg-max (the first on
    ties), summed where windows overlap. Shapes: x ``(N, C, H, W)``,
    y ``(N, C, (H - k_h) // s_h + 1, (W - k_w) // s_w + 1)``.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        win = self._windows(x)
        self._arg = win.argmax(axis=-1)[..., None]
        return np.take_along_axis(win, self._arg, axis=-1)[..., 0]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        cols = np.zeros((*grad_out.shape, int(np.prod(self._k))), grad_out.dtype)
        np.put_along_axis(cols, self._arg, grad_out[..., None], axis=-1)
        return self._col2im(cols)


class AvgPool2d(_Pool2d):
    """``y[n, c, i, j] = mean_{u, v} x[n, c, s_h i + u, s_w j + v]`` (no padding).

    Backward: ``dL/dx`` gets ``G[n, c, i, j] / (k_h k_w)`` at every position of the
    window, summed where windows overlap. Shapes as ``MaxPool2d``.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self._windows(x).mean(axis=-1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        k = int(np.prod(self._k))
        cols = np.broadcast_to((grad_out / k)[..., None], (*grad_out.shape, k))
        return self._col2im(cols)
