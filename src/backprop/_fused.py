"""``fit``'s fused path: an MLP trained on preallocated, feature-major buffers.

(Past 300 lines: the step is one fixed list of NumPy calls, written out so that each
buffer's reuse is visible, plus the chunking that ``workers`` splits across threads.)

``fit`` takes this path by itself whenever the model is a ``Sequential`` of an
optional leading ``Normalize``, then ``Linear`` layers, each followed by at most
one ``Sigmoid``, ``Tanh`` or ``Identity``, all with the same stack size and float
dtype. It computes what ``model.forward``, ``loss`` and ``model.backward`` compute
(the tests train both ways and compare the parameters), arranged for NumPy's cost of
~0.5 µs per call on arrays this small:

* Activations are stored feature-major, ``A (M, F, N)``, so layer ``l`` is
  ``Z = Wᵀ A + b`` (``Wᵀ`` a contiguous copy, made once a step). It is the same sum of
  products; OpenBLAS runs these tiny GEMMs 1.5× faster in this orientation than as
  ``(M, N, F) @ W``.
* Every array is allocated once; activations and their backward run in place.
  ``dL/dW = A Gᵀ`` and ``dL/db = Gᵀ 1`` are written into ``Parameter.grad``, which
  ``fit`` would have zeroed anyway, and the first layer's input gradient, which
  nothing uses, is never computed.
* A stack is trained in chunks of models whose buffers fit in the L2 cache; the
  models never mix, so chunking changes nothing but the speed. The chunks depend only
  on the stack's shapes and dtype, and ``workers`` threads each run a contiguous run of
  them on buffers of their own (NumPy releases the GIL inside its GEMMs and ufuncs):
  every model's arithmetic is the same calls on the same chunk whatever ``workers`` is.

Shapes, with ``M`` models (``M = 1`` for a single model), ``N`` samples::

    X       (N, F_0) or (M, N, F_0)   → stored (F_0, N) or (M, F_0, N)
    Z_l     (M, F_l, N)               the output of layer l after its activation
    G_l     (M, F_l, N)               dL/dZ_l;  T_l the same, after the activation
    pred    (M, F_L, N), seen by the loss as (M, N, F_L)
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .nn import Linear, Normalize
from .nn.activations import (
    Identity,
    Sigmoid,
    Tanh,
    scalars,
    sigmoid_,
    sigmoid_backward,
    sigmoid_backward_,
    sigmoid_of_scaled_,
    tanh_,
    tanh_backward,
    tanh_backward_,
)
from .nn.losses import Loss
from .nn.module import Module, Sequential

# Activation type → kernels ``(forward(x, out), backward(y, G, out), backward_(y, G))``;
# the last works in G and uses y as scratch: a hidden layer's Z is not needed once its
# backward starts, and one buffer fewer per layer keeps more models in cache.
KERNELS = {
    Sigmoid: (sigmoid_, sigmoid_backward, sigmoid_backward_),
    Tanh: (tanh_, tanh_backward, tanh_backward_),
}

# Activation type → its kernel of ``s = c x`` (``c = scalars(dtype).prescale``, a power of
# two): the forward GEMM reads ``c Wᵀ``, so s comes out of it exactly and σ takes 3 passes.
PRESCALED = {Sigmoid: sigmoid_of_scaled_}

# Bytes of buffers per chunk of a stack. Measured at 2-4-4-1 on 100 points, K = 1000
# (1 MB L2), one step in float64: 256 KB chunks pay the per-call cost too often (3.9 µs
# per model-epoch), 16 MB ones miss the cache (3.5 µs); 2-4 MB are fastest (2.8 µs).
CHUNK_BYTES = 1 << 21


# Chunks of at least this many models take an outer product ``W D`` through einsum (see
# ``_w_times_d``); below it einsum's ~1 µs more per call outweighs its faster loop.
EINSUM_MODELS = 64


def _t(a: np.ndarray) -> np.ndarray:
    return a.swapaxes(-1, -2)


def _augmented(w: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``[W; b]`` ``(…, in + 1, out)`` as one view, when ``b`` is stored right after ``W``
    (as the optimizer's flat buffer lays a ``Linear`` out); else ``None``."""
    row = w.shape[-1] * w.itemsize
    if (
        w.strides[-2:] != (row, w.itemsize)
        or b.strides[-1] != w.itemsize
        or b.strides[:-2] != w.strides[:-2]
        or b.ctypes.data != w.ctypes.data + w.shape[-2] * row
    ):
        return None
    shape = (*w.shape[:-2], w.shape[-2] + 1, w.shape[-1])
    return np.lib.stride_tricks.as_strided(w, shape, w.strides)


def _ops(linears: list, sl, x: np.ndarray, bufs: list, ones: np.ndarray) -> tuple[list, list]:
    """The forward and backward of one chunk as fixed NumPy calls on fixed buffers.

    Layer ``l`` (``W`` ``(m, in, out)``, ``A`` its input ``(m, in, N)``, ``Z``, ``T``,
    ``G`` its buffers ``(m, out, N)``, ``G`` holding dL/dZ when its backward starts)::

        forward   Z ← f(Wᵀ A + b)
        backward  D ← G ⊙ f'  (in T; D = G for Identity)
                  dL/dW ← A Dᵀ    dL/db ← 1ᵀ Dᵀ    G_{l-1} ← W D  (not for l = 0)

    The forward reads the copies ``c Wᵀ``, ``c bᵀ`` of ``Fused._forward_weights``; a
    ``PRESCALED`` activation gets ``c (Wᵀ A + b)``. A layer whose ``[W; b]`` is one array
    (``folds``) takes ``A`` with a row of ones appended instead: ``Z = [W; b]ᵀ [A; 1]``
    and ``d[W; b] = [A; 1] Dᵀ``, one GEMM each and no bias call.
    """
    fwd, bwd = [], []
    a = x
    for i, ((lin, act, folds, wt, bt), (zf, t, g)) in enumerate(zip(linears, bufs)):
        w, b = lin.weight, lin.bias
        z = zf[..., : lin.out_features, :]  # zf has a row of ones if the next layer folds
        kf, kb, kb_ = KERNELS.get(act, (None, None, None))
        fwd.append(partial(np.matmul, wt[sl], a, z))
        if bt is not None:
            fwd.append(partial(np.add, z, bt[sl], z))
        if act in PRESCALED:
            fwd.append(partial(PRESCALED[act], z, z))
        elif kf is not None:
            fwd.append(partial(kf, z, z))
        layer = []
        d = g
        if kb is not None and i < len(linears) - 1:
            layer.append(partial(kb_, z, g))  # Z_l is scratch now: d = G in place
        elif kb is not None:
            layer.append(partial(kb, z, g, t))  # the last Z is pred, which fit still reads
            d = t
        if folds:
            layer.append(partial(np.matmul, a, _t(d), _augmented(w.grad, b.grad)[sl]))
        else:
            layer.append(partial(np.matmul, a, _t(d), w.grad[sl]))
            if b is not None:
                layer.append(partial(np.matmul, ones, _t(d), b.grad[sl]))
        if i:
            layer.append(_w_times_d(w.data[sl], d, bufs[i - 1][2]))
        bwd[:0] = layer
        a = zf
    return fwd, bwd


def _w_times_d(w: np.ndarray, d: np.ndarray, out: np.ndarray) -> partial:
    """``out ← W D``. With one output it is an outer product, not a GEMM: a broadcast
    multiply for one model, ``einsum`` for a stack, whose loop over ``(m, in)`` rows of
    ``N`` costs 0.17 µs a model where the multiply's costs 0.23 (float64, 4 × 100)."""
    if w.shape[-1] != 1:
        return partial(np.matmul, w, d, out)
    if w.ndim == 3 and len(w) >= EINSUM_MODELS:
        return partial(np.einsum, "mio,mon->min", w, d, out=out)
    return partial(np.multiply, w, d, out)


def _folds(lin: Linear) -> bool:
    """Is ``[W; b]`` one array, data and grad (see ``_augmented``)?"""
    w, b = lin.weight, lin.bias
    return b is not None and all(
        _augmented(*pair) is not None for pair in ((w.data, b.data), (w.grad, b.grad))
    )


def _with_ones(shape: tuple[int, ...], ones_row: bool, dtype) -> np.ndarray:
    """An empty ``(…, F, N)`` buffer, or ``(…, F + 1, N)`` whose last row is ones."""
    buf = np.empty((*shape[:-2], shape[-2] + ones_row, shape[-1]), dtype)
    buf[..., shape[-2] :, :] = 1.0
    return buf


def chunk_bounds(models: int, size: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of ``ceil(models / size)`` chunks of near-equal size (at most
    ``size``): a short last chunk would leave a thread idle."""
    n = -(-models // size)
    cuts = [models * i // n for i in range(n + 1)]
    return list(zip(cuts, cuts[1:]))


class Fused:
    """The compiled training step of one model (or stack) on one ``(X, y)``; ``workers``
    threads split a stack's chunks (see ``step``)."""

    def __init__(
        self, linears: list, x: np.ndarray, y: np.ndarray, loss: Loss, models, workers: int = 1
    ) -> None:
        self.into = loss.into
        n, dtype = x.shape[-2], x.dtype
        ones = np.ones((1, n), dtype)  # 1ᵀ for the gradient of a bias that does not fold
        linears = [(lin, act, _folds(lin)) for lin, act in linears]
        needs_ones = [f for _, _, f in linears[1:]] + [False]  # layer l + 1 folds
        xt = _t(x)
        x = _with_ones(xt.shape, linears[0][2], dtype)
        x[..., : xt.shape[-2], :] = xt
        m = 1 if models is None else models
        widths = [lin.out_features for lin, _, _ in linears]
        per_model = n * dtype.itemsize * (2 * sum(widths) + widths[-1])  # Z, G; T for the last
        bounds = chunk_bounds(m, max(1, min(m, CHUNK_BYTES // per_model)))
        size = max(stop - start for start, stop in bounds)
        # Z of the last layer spans the stack (accuracy reads it); the rest is reused per chunk.
        pred = np.empty((m, widths[-1], n), dtype)
        self.value = None if models is None else np.empty(m, dtype)
        self._before: list = []  # (source, c, out) of ``out ← c · source``, sliced per chunk
        linears = [
            (lin, act, folds, *self._forward_weights(lin, act, folds, dtype))
            for lin, act, folds in linears
        ]
        # Thread t runs chunks parts[t] on buffers of its own; the chunks do not depend on it.
        workers = min(workers, len(bounds))
        self.parts: list[list] = []
        cuts = [len(bounds) * t // workers for t in range(workers + 1)]
        for part in (bounds[i:j] for i, j in zip(cuts, cuts[1:])):
            bufs = [
                [_with_ones((size, f, n), ones_row, dtype), None, np.empty((size, f, n), dtype)]
                for f, ones_row in zip(widths, needs_ones)
            ]
            bufs[-1][1] = np.empty_like(bufs[-1][2])
            chunks = []
            for start, stop in part:
                bufs[-1][0] = pred[start:stop]
                views = [[b if b is None else b[: stop - start] for b in ztg] for ztg in bufs]
                sl = slice(start, stop)
                if models is None:
                    sl, views = (), [[b if b is None else b[0] for b in v] for v in views]
                xs = x[sl] if x.ndim == 3 else x
                ys = y[sl] if y.ndim == 3 else y
                fwd, bwd = _ops(linears, sl, xs, views, ones)
                before = [partial(np.multiply, p[sl], c, q[sl]) for p, c, q in self._before]
                last_z, _, last_g = views[-1]
                chunks.append((sl, before + fwd, (_t(last_z), ys, _t(last_g)), bwd))
            self.parts.append(chunks)
        self.chunks = [c for part in self.parts for c in part]
        # the models of each part, for an optimizer that splits its update the same way
        self.rows = [slice(bounds[i][0], bounds[j - 1][1]) for i, j in zip(cuts, cuts[1:])]
        self.pred = _t(pred if models else pred[0])

    def _forward_weights(self, lin: Linear, act, folds: bool, dtype) -> tuple:
        """``c Wᵀ`` ``(…, out, in)`` (``c [W; b]ᵀ`` if the layer folds) and ``c bᵀ``
        ``(…, out, 1)`` or ``None``; each chunk refreshes its models' rows as it starts.

        ``c`` is 1, or a ``PRESCALED`` activation's power of two, so ``Z`` is exact. The
        copy costs one call per layer, chunk and step; a contiguous ``Wᵀ`` makes the
        forward GEMMs 10-25 % faster than a transposed view does.
        """
        c = scalars(dtype).prescale if act in PRESCALED else scalars(dtype).one
        w, b = lin.weight.data, None if lin.bias is None else lin.bias.data
        out = []
        for p in [_augmented(w, b), None] if folds else [w, b]:
            q = None if p is None else np.empty(_t(p).shape, dtype)
            if q is not None:
                self._before.append((_t(p), c, q))
            out.append(q)
        return tuple(out)

    def _run(self, t: int, backward: bool = True, after=None):
        """Forward, loss and (if ``backward``) backward of part ``t``'s chunks, one after
        another, then ``after(rows)`` of its models; returns the last chunk's loss (a
        stack's go to ``self.value`` too)."""
        value = None
        for sl, fwd, loss_args, bwd in self.parts[t]:
            for op in fwd:
                op()
            if backward:
                value = self.into(*loss_args)
                for op in bwd:
                    op()
                if self.value is not None:
                    self.value[sl] = value
        if after is not None:
            after(self.rows[t])
        return value

    def _map(self, pool, backward: bool, after=None):
        """``_run`` every part: part 0 on this thread, the others on ``pool``'s."""
        if len(self.parts) == 1:  # one model, or one thread
            return self._run(0, backward, after)
        if pool is None:
            return [self._run(t, backward, after) for t in range(len(self.parts))][-1]
        futures = [pool.submit(self._run, t, backward, after) for t in range(1, len(self.parts))]
        value = self._run(0, backward, after)
        for f in futures:
            f.result()
        return value

    def step(self, pool=None, after=None) -> tuple[np.ndarray, np.ndarray]:
        """Forward, loss and backward over every chunk: every ``.grad`` holds this epoch's
        gradient. Returns the loss (a scalar, or one per model) and pred ``(M, N, K)``.
        ``pool`` (a ``ThreadPoolExecutor`` of ``len(parts) - 1`` threads) runs the parts
        past the first; ``after(rows)`` (e.g. ``Optimizer.update``) runs on each part's
        thread once its gradients are in, so an epoch waits for the threads once."""
        value = self._map(pool, True, after)
        return (value if self.value is None else self.value), self.pred

    def forward(self, pool=None) -> np.ndarray:
        """The prediction ``(M, N, K)`` of the current parameters (no loss, no backward)."""
        self._map(pool, backward=False)
        return self.pred


def plan(model: Module, x: np.ndarray, y: np.ndarray, loss: Loss, workers: int = 1) -> Fused | None:
    """The fused step for ``model`` on ``(x, y)``, or ``None`` if it does not apply."""
    if type(model) is not Sequential or x.ndim not in (2, 3) or x.dtype.kind != "f":
        return None
    if type(loss).into is Loss.into or type(loss).__call__ is not Loss.__call__:
        return None  # a loss written as __call__ only
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
    dtypes = {a.dtype for lin, _ in linears for p in lin.parameters() for a in (p.data, p.grad)}
    if len(stacks) != 1 or dtypes != {x.dtype} or y.dtype != x.dtype:
        return None
    models = stacks.pop()
    lead = () if models is None else (models,)
    if x.shape[:-2] not in ((), lead) or y.shape[:-2] not in ((), lead):
        return None
    return Fused(linears, x, y, loss, models, workers)
