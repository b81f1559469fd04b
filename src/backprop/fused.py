"""``fit``'s fused path: an MLP trained on preallocated, feature-major buffers.

``fit`` takes this path by itself whenever the model is a ``Sequential`` of an
optional leading ``Normalize``, then ``Linear`` layers, each followed by at most
one ``Sigmoid``, ``Tanh`` or ``Identity``, all with the same stack size and float
dtype. It computes what ``model.forward``, ``loss`` and ``model.backward`` compute
(the tests train both ways and compare the parameters), arranged for NumPy's cost of
~0.5 µs per call on arrays this small:

* Activations are stored feature-major, ``A (M, F, N)``, so layer ``l`` is
  ``Z = Wᵀ A + b`` (``Wᵀ`` a view). It is the same sum of products; OpenBLAS runs
  these tiny GEMMs 1.5× faster in this orientation than as ``(M, N, F) @ W``.
* Every array is allocated once; activations and their backward run in place.
  ``dL/dW = A Gᵀ`` and ``dL/db = Gᵀ 1`` are written into ``Parameter.grad``, which
  ``fit`` would have zeroed anyway, and the first layer's input gradient, which
  nothing uses, is never computed.
* A stack is trained in chunks of models whose buffers fit in the L2 cache; the
  models never mix, so chunking changes nothing but the speed.

Shapes, with ``M`` models (``M = 1`` for a single model), ``N`` samples::

    X       (N, F_0) or (M, N, F_0)   → stored (F_0, N) or (M, F_0, N)
    Z_l     (M, F_l, N)               the output of layer l after its activation
    G_l     (M, F_l, N)               dL/dZ_l;  T_l the same, after the activation
    pred    (M, F_L, N), seen by the loss as (M, N, F_L)
"""

from __future__ import annotations

import numpy as np

from .activations import Identity, Sigmoid, Tanh, sigmoid_, sigmoid_backward, tanh_backward
from .layers import Linear, Normalize
from .losses import Loss
from .module import Module, Sequential


def _tanh_(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.tanh(x, out=out)


# Activation type → in-place kernels ``(forward(x, out), backward(y, G, out))``.
KERNELS = {Sigmoid: (sigmoid_, sigmoid_backward), Tanh: (_tanh_, tanh_backward)}

# Bytes of hidden-layer buffers per chunk of a stack: about half an L2 cache. At
# 2-4-4-1 on 100 points that is ~70 models; 32-256 are all within 5 % (benchmarks).
CHUNK_BYTES = 1 << 20


def _t(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class _Layer:
    """One ``Linear`` and its activation, seen through one chunk's views.

    ``z``: Z_l; ``t``: dL/d(pre-activation) (the activation's backward output);
    ``g``: dL/dZ_l, written by the next layer's backward. All ``(m, F_l, N)``.
    """

    def __init__(self, lin: Linear, act: type | None, sl, z, t, g) -> None:
        self.out_features = lin.out_features
        w, b = lin.weight, lin.bias
        self.w, self.gw = w.data[sl], w.grad[sl]
        self.wt = _t(self.w)
        self.bt = None if b is None else _t(b.data[sl])
        self.gb = None if b is None else b.grad[sl]
        self.fwd, self.bwd = KERNELS.get(act, (None, None))
        self.z, self.t, self.g = z, t, g


class Fused:
    """The compiled training step of one model (or stack) on one ``(X, y)``."""

    def __init__(self, linears: list, x: np.ndarray, y: np.ndarray, loss: Loss, models) -> None:
        self.loss = loss
        n, dtype = x.shape[-2], x.dtype
        self._ones = np.ones((1, n), dtype)  # 1ᵀ for the bias gradient
        self.x = np.ascontiguousarray(_t(x))
        m = 1 if models is None else models
        widths = [lin.out_features for lin, _ in linears]
        per_model = 3 * n * dtype.itemsize * sum(widths)
        size = max(1, min(m, CHUNK_BYTES // per_model))
        # Z of the last layer spans the stack (accuracy reads it); the rest is reused per chunk.
        pred = np.empty((m, widths[-1], n), dtype)
        bufs = [[np.empty((size, f, n), dtype) for _ in range(3)] for f in widths]
        self.value = None if models is None else np.empty(m, dtype)
        self.chunks = []
        for start in range(0, m, size):
            stop = min(start + size, m)
            bufs[-1][0] = pred[start:stop]
            views = [[b[: stop - start] for b in zt_g] for zt_g in bufs]
            if models is None:
                sl, views = (), [[b[0] for b in v] for v in views]
            else:
                sl = slice(start, stop)
            layers = [_Layer(lin, act, sl, *v) for (lin, act), v in zip(linears, views)]
            xs = self.x[sl] if self.x.ndim == 3 else self.x
            ys = y[sl] if y.ndim == 3 else y
            self.chunks.append((sl, xs, ys, layers))
        self.pred = _t(pred if models else pred[0])

    def step(self) -> tuple[np.ndarray, np.ndarray]:
        """Forward, loss and backward over every chunk; ``(loss value, pred (M, N, K))``."""
        for sl, x, y, layers in self.chunks:
            value = self._chunk(x, y, layers)
            if self.value is None:
                return value, self.pred
            self.value[sl] = value
        return self.value, self.pred

    def _chunk(self, x: np.ndarray, y: np.ndarray, layers: list[_Layer]) -> np.ndarray:
        a = x
        for L in layers:
            np.matmul(L.wt, a, out=L.z)
            if L.bt is not None:
                L.z += L.bt
            if L.fwd is not None:
                L.fwd(L.z, L.z)
            a = L.z
        value, grad = self.loss(_t(a), y)
        d = _t(grad)
        for i in range(len(layers) - 1, -1, -1):
            L = layers[i]
            if L.bwd is not None:
                d = L.bwd(L.z, d, L.t)
            a = layers[i - 1].z if i else x
            np.matmul(a, _t(d), out=L.gw)  # dL/dW = A Gᵀ, (in, N) @ (N, out)
            if L.gb is not None:
                np.matmul(self._ones, _t(d), out=L.gb)  # dL/db = 1ᵀ Gᵀ
            if i:
                g = layers[i - 1].g
                # W G with one output is an outer product: a broadcast multiply, not a GEMM.
                (np.multiply if L.out_features == 1 else np.matmul)(L.w, d, out=g)
                d = g
        return value


def plan(model: Module, x: np.ndarray, y: np.ndarray, loss: Loss) -> Fused | None:
    """The fused step for ``model`` on ``(x, y)``, or ``None`` if it does not apply."""
    if type(model) is not Sequential or x.ndim not in (2, 3) or x.dtype.kind != "f":
        return None
    modules = list(model.modules)
    if modules and type(modules[0]) is Normalize:
        x = modules.pop(0).forward(x)
    linears: list[list] = []
    for m in modules:
        if type(m) is Linear:
            linears.append([m, None])
        elif type(m) in (*KERNELS, Identity) and linears and linears[-1][1] is None:
            linears[-1][1] = type(m)
        else:
            return None
    if not linears:
        return None
    stacks = {lin.models for lin, _ in linears}
    dtypes = {p.data.dtype for lin, _ in linears for p in lin.parameters()}
    if len(stacks) != 1 or dtypes != {x.dtype}:
        return None
    models = stacks.pop()
    lead = () if models is None else (models,)
    if x.shape[:-2] not in ((), lead) or y.shape[:-2] not in ((), lead):
        return None
    return Fused(linears, x, y, loss, models)
