"""``fit``'s two implementations of one training step: ``ModuleStep``, the reference, and
``FusedStep``, the same maths for a plain MLP as a fixed list of NumPy calls with ``out=``
on buffers it owns (``docs/architecture.md``, ``docs/speed.md``).

Shapes, with ``M`` models (``M = 1`` for a single model), ``N`` samples::

    X       (N, F_0) or (M, N, F_0)   → stored (F_0 [+ 1], N) or (M, F_0 [+ 1], N)
    Z_l     (M, F_l, N)               the output of layer l after its activation
    G_l     (M, F_l, N)               dL/dZ_l;  T_l the same, after the activation
    pred    (M, F_L, N), seen by the loss as (M, N, F_L)
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .nn import Features, Linear, Normalize
from .nn.activations import Identity, Sigmoid, Tanh
from .nn.kernels import (
    scalars,
    sigmoid_backward_consuming_y_steps,
    sigmoid_backward_steps,
    sigmoid_of_scaled_steps,
    tanh_backward_consuming_y_steps,
    tanh_backward_steps,
    tanh_steps,
)
from .nn.losses import Loss, bound
from .nn.module import Module, Sequential
from .nn.penalty import Penalty, weights
from .optim import Optimizer

# Activation type → kernels ``(forward(x, out), backward(y, G, out), consuming(y, G, out))``,
# each returning its NumPy calls; the last writes into G and uses y as scratch (a hidden Z
# is not needed once its backward starts: one buffer fewer per layer keeps more models in
# cache). σ's forward takes ``s = c x`` in place of x: see PRESCALED.
KERNELS = {
    Sigmoid: (
        sigmoid_of_scaled_steps,
        sigmoid_backward_steps,
        sigmoid_backward_consuming_y_steps,
    ),
    Tanh: (tanh_steps, tanh_backward_steps, tanh_backward_consuming_y_steps),
}

# Activations whose forward kernel takes ``s = c x`` (``c = scalars(dtype).prescale``, a power
# of two): the forward GEMM reads ``c Wᵀ``, so s comes out of it exactly and σ takes 3 passes.
PRESCALED = {Sigmoid}

# Bytes of buffers per chunk of a stack: chunks that fit in L2 are fastest (speed.md).
CHUNK_BYTES = 1 << 21

# A stack's outer product ``W D`` goes through einsum from this many models on.
EINSUM_MODELS = 64


def _t(a: np.ndarray) -> np.ndarray:
    return a.swapaxes(-1, -2)


class ModuleStep:
    """The reference step: the model's own forward and backward (plus the ``penalty``'s
    gradient on the weights), ``optimizer.step()``."""

    def __init__(
        self, model: Module, X, y, loss: Loss, optimizer: Optimizer, penalty: Penalty | None = None
    ) -> None:
        self.model, self.X, self.y, self.loss, self.optimizer = model, X, y, loss, optimizer
        self.penalty = penalty

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(W, dL/dW)`` of every weight (not bias): what the penalty acts on."""
        return [(p.data, p.grad) for p in weights(self.model)]

    def grad(self) -> tuple[np.ndarray, np.ndarray]:
        """Forward, loss and backward: every ``.grad`` holds this epoch's gradient; the
        loss returned is the data's (``fit`` adds the penalty's value)."""
        return self._grad(self.X, self.y)

    def _grad(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pred = self.model.forward(X)
        value, grad = self.loss(pred, y)
        self.optimizer.zero_grad()
        self.model.backward(grad)
        if self.penalty:
            self.penalty.backward(self.weights())
        return value, pred

    def update(self) -> None:
        self.optimizer.step()

    def forward(self) -> np.ndarray:
        return self.model.forward(self.X)

    def close(self) -> None:
        pass


class BatchStep(ModuleStep):
    """Mini-batches: ``grad`` only evaluates the loss on all the data (what ``fit``
    records); ``update`` is one epoch, a pass over a shuffle of the samples by ``rng``
    in batches of ``batch_size`` (the last may be smaller), one step each. A stack's
    models share the shuffle, so each one trains as it would alone."""

    def __init__(self, *args, batch_size: int, rng: np.random.Generator, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batch_size, self.rng = batch_size, rng

    def grad(self) -> tuple[np.ndarray, np.ndarray]:
        pred = self.model.forward(self.X)
        return self.loss(pred, self.y)[0], pred

    def update(self) -> None:
        order = self.rng.permutation(self.y.shape[-2])
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            self._grad(self.X[..., batch, :], self.y[..., batch, :])
            self.optimizer.step()


def _ops(layers: list, sl, x: np.ndarray, bufs: list, ones: np.ndarray) -> tuple[list, list]:
    """The forward and backward of one chunk as fixed NumPy calls on fixed buffers.

    Layer ``l`` (``A`` its input ``(m, in [+ 1], N)``; ``Z``, ``T``, ``G`` ``(m, out, N)``)::

        forward   Z ← f(c [W; b]ᵀ [A; 1])
        backward  D ← G ⊙ f'  (in T; D = G for Identity)
                  d[W; b] ← [A; 1] Dᵀ    G_{l-1} ← W D  (not for l = 0)

    A layer that does not ``fold`` takes ``A`` without the row of ones and adds ``c bᵀ``
    and ``db = 1ᵀ Dᵀ`` in calls of their own.
    """
    fwd, bwd = [], []
    a = x
    for i, ((lin, act, w, wg, cw, folds), (zf, t, g)) in enumerate(zip(layers, bufs)):
        z = zf[..., : lin.out_features, :]  # zf has a row of ones if the next layer folds
        k = lin.in_features
        kf, kb, kb_consuming = KERNELS.get(act, (None, None, None))
        biased = lin.bias is not None and not folds
        wt = _t(cw[sl])
        fwd.append(partial(np.matmul, wt[..., :k] if biased else wt, a, z))
        if biased:
            fwd.append(partial(np.add, z, wt[..., k:], z))
        if kf is not None:
            fwd += kf(z, z)
        layer = []
        d = g
        if kb is not None and i < len(layers) - 1:
            layer += kb_consuming(z, g, g)  # Z_l is scratch now: d = G in place
        elif kb is not None:
            layer += kb(z, g, t)  # the last Z is pred, which fit still reads
            d = t
        layer.append(partial(np.matmul, a, _t(d), wg[sl][..., :k, :] if biased else wg[sl]))
        if biased:
            layer.append(partial(np.matmul, ones, _t(d), wg[sl][..., k:, :]))
        if i:
            layer.append(_w_times_d(w[sl][..., : lin.in_features, :], d, bufs[i - 1][2]))
        bwd[:0] = layer
        a = zf
    return fwd, bwd


def _w_times_d(w: np.ndarray, d: np.ndarray, out: np.ndarray) -> partial:
    """``out ← W D``; with one output an outer product (einsum for a large stack)."""
    if w.shape[-1] != 1:
        return partial(np.matmul, w, d, out)
    if w.ndim == 3 and len(w) >= EINSUM_MODELS:
        return partial(np.einsum, "mio,mon->min", w, d, out=out)
    return partial(np.multiply, w, d, out)


def _with_ones(shape: tuple[int, ...], ones_row: bool, dtype) -> np.ndarray:
    """An empty ``(…, F, N)`` buffer, or ``(…, F + 1, N)`` whose last row is ones."""
    buf = np.empty((*shape[:-2], shape[-2] + ones_row, shape[-1]), dtype)
    buf[..., shape[-2] :, :] = 1.0
    return buf


def chunk_bounds(models: int, size: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of ``ceil(models / size)`` chunks of near-equal size (≤ ``size``)."""
    n = -(-models // size)
    cuts = [models * i // n for i in range(n + 1)]
    return list(zip(cuts, cuts[1:]))


class FusedStep:
    """The step of one MLP (or stack) on one ``(x, y)``, on parameter buffers it owns."""

    def __init__(
        self, linears: list, x: np.ndarray, y: np.ndarray, loss: Loss, models, optimizer, penalty
    ) -> None:
        self.optimizer, self.penalty = optimizer, penalty
        n, dtype = x.shape[-2], x.dtype
        lead = () if models is None else (models,)
        m = 1 if models is None else models
        # Every layer's [W; b] as one (…, in [+ 1], out) view of a flat (…, P) buffer.
        rows = [lin.in_features + (lin.bias is not None) for lin, _ in linears]
        sizes = [r * lin.out_features for r, (lin, _) in zip(rows, linears)]
        self.data, self.grads = (np.empty((*lead, sum(sizes)), dtype) for _ in range(2))
        cuts = np.cumsum([0, *sizes])
        self.views: list[tuple] = []  # (Parameter, its data view, its grad view)
        self.weight_views: list[tuple] = []  # (W, dL/dW): what the penalty acts on
        layers = []
        for (lin, act), r, a, b in zip(linears, rows, cuts, cuts[1:]):
            shape = (*lead, r, lin.out_features)
            w, wg = self.data[..., a:b].reshape(shape), self.grads[..., a:b].reshape(shape)
            k = lin.in_features
            self.views.append((lin.weight, w[..., :k, :], wg[..., :k, :]))
            self.weight_views.append(self.views[-1][1:])
            if lin.bias is not None:
                self.views.append((lin.bias, w[..., k:, :], wg[..., k:, :]))
            # c [W; b], refreshed each step, for a σ layer; else [W; b] itself
            c = scalars(dtype).prescale if act in PRESCALED else None
            layers.append((lin, act, w, wg, w if c is None else np.empty_like(w), c))
        for p, data, _ in self.views:
            data[...] = p.data
        index = {id(p): i for i, p in enumerate(optimizer.params)}
        self.order = [index[id(p)] for p, _, _ in self.views]
        self.state = self._gather([optimizer.state[i] for i in self.order])

        # A stack's hidden Z with a row of ones below would not be contiguous, which costs
        # its activation more than a separate bias costs: there, only layer 0 folds.
        folds = [
            lin.bias is not None and (i == 0 or models is None)
            for i, (lin, _) in enumerate(linears)
        ]
        ones = np.ones((1, n), dtype)
        xt = _t(x)
        x = _with_ones(xt.shape, folds[0], dtype)
        x[..., : xt.shape[-2], :] = xt
        widths = [lin.out_features for lin, _ in linears]
        per_model = n * dtype.itemsize * (2 * sum(widths) + widths[-1])  # Z, G; T for the last
        bounds = chunk_bounds(m, max(1, min(m, CHUNK_BYTES // per_model)))
        size = max(stop - start for start, stop in bounds)
        pred = np.empty((m, widths[-1], n), dtype)  # spans the stack: accuracy reads it
        self.value = None if models is None else np.empty(m, dtype)
        bufs = [
            [_with_ones((size, f, n), ones_row, dtype), None, np.empty((size, f, n), dtype)]
            for f, ones_row in zip(widths, [*folds[1:], False])
        ]
        bufs[-1][1] = np.empty_like(bufs[-1][2])
        ops = [(*layer[:5], f) for layer, f in zip(layers, folds)]
        self.chunks = []
        for start, stop in bounds:
            bufs[-1][0] = pred[start:stop]
            views = [[b if b is None else b[: stop - start] for b in ztg] for ztg in bufs]
            sl = slice(start, stop)
            if models is None:
                sl, views = (), [[b if b is None else b[0] for b in v] for v in views]
            xs = x[sl] if x.ndim == 3 else x
            ys = y[sl] if y.ndim == 3 else y
            fwd, bwd = _ops(ops, sl, xs, views, ones)
            before = [
                partial(np.multiply, w[sl], c, cw[sl])
                for _, _, w, _, cw, c in layers
                if c is not None
            ]
            last_z, _, last_g = views[-1]
            self.chunks.append((sl, before + fwd, bound(loss, _t(last_z), ys, _t(last_g)), bwd))
        self.pred = _t(pred if models else pred[0])
        # update(): one optimizer step on the owned buffers, bound here as the epoch's calls are
        self.update = partial(optimizer.apply, ((self.data, self.grads),), (self.state,))

    def _gather(self, states: list[dict]) -> dict:
        """The optimizer's per-parameter state laid out like ``self.data``."""
        if not any(states):
            return {}
        flat = {}
        for key in states[0]:
            flat[key] = np.empty_like(self.data)
            for (_, data, _), state in zip(self.views, states):
                self._view(flat[key], data)[...] = state[key]
        return flat

    def _view(self, flat: np.ndarray, data: np.ndarray) -> np.ndarray:
        """The view of ``flat`` where ``data`` sits in ``self.data``."""
        offset = data.__array_interface__["data"][0] - self.data.__array_interface__["data"][0]
        return np.ndarray(data.shape, flat.dtype, flat, offset, data.strides)

    def grad(self) -> tuple[np.ndarray, np.ndarray]:
        """Forward, loss and backward over every chunk; the loss (a scalar or ``(M,)``)
        and pred ``(M, N, K)``."""
        value = None
        for sl, fwd, loss, bwd in self.chunks:
            for op in fwd:
                op()
            value = loss()
            for op in bwd:
                op()
            if self.value is not None:
                self.value[sl] = value
        if self.penalty:
            self.penalty.backward(self.weight_views)
        return (value if self.value is None else self.value), self.pred

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return self.weight_views

    def forward(self) -> np.ndarray:
        """The prediction ``(M, N, K)`` of the current parameters."""
        for _, fwd, _, _ in self.chunks:
            for op in fwd:
                op()
        return self.pred

    def close(self) -> None:
        """Write the parameters, their gradients and the optimizer's state back."""
        for p, data, grad in self.views:
            p.data[...] = data
            p.grad[...] = grad
        for i, (_, data, _) in zip(self.order, self.views):
            self.optimizer.state[i] = {k: self._view(v, data).copy() for k, v in self.state.items()}


def plan(
    model: Module,
    x: np.ndarray,
    y: np.ndarray,
    loss: Loss,
    optimizer: Optimizer,
    penalty: Penalty | None = None,
):
    """The fused step for ``model`` on ``(x, y)``, or ``None`` if it does not apply.

    Leading parameter-free input layers (``Normalize``, ``Features``) are applied to ``x``
    once, here."""
    if type(model) is not Sequential or x.ndim not in (2, 3) or x.dtype.kind != "f":
        return None
    written = type(loss).into is not Loss.into or type(loss).bind is not Loss.bind
    if not written or type(loss).__call__ is not Loss.__call__:
        return None  # a loss written as __call__ only
    modules = list(model.modules)
    while modules and type(modules[0]) in (Normalize, Features):
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
    params = [p for lin, _ in linears for p in lin.parameters()]
    if sorted(map(id, params)) != sorted(map(id, optimizer.params)):
        return None  # the optimizer trains other parameters, or a part of these
    stacks = {lin.models for lin, _ in linears}
    dtypes = {a.dtype for p in params for a in (p.data, p.grad)}
    if len(stacks) != 1 or dtypes != {x.dtype} or y.dtype != x.dtype:
        return None
    models = stacks.pop()
    lead = () if models is None else (models,)
    if x.shape[:-2] not in ((), lead) or y.shape[:-2] not in ((), lead):
        return None
    return FusedStep(linears, x, y, loss, models, optimizer, penalty)
