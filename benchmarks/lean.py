"""The floor: lean hand-written NumPy training loops with the maths of backprop's presets.

Each loop does what ``backprop.fit`` does in an epoch (forward, loss value and
gradient, backward, update, and the loss and accuracy recorded) with every trick a
careful hand-writer would use: feature-major arrays ``(F, N)``, all buffers
preallocated and written with ``out=``, parameters (and for the default network the
biases, folded into a row of ones) in one flat buffer so that the update is a few
calls, constants as 0-d arrays of the dtype (a ufunc converts a Python float on every
call, ~250 ns) and functions bound to locals. The loops start from given weights:
``suite.py`` gives them seed 0's weights, which ``fit`` starts from too, so both time
the same run.

* ``handout``: ``Z₁ = σ(X W₁)``, ``Z₂ = σ(Z₁ W₂)``, ``ŷ = σ(Z₂ W₃)``, no bias, MSE,
  ``θ ← θ − ρ ∇L``.
* ``default``: ``Normalize``, ``tanh``, ``tanh``, ``σ`` with biases, BCE, Adam with
  cosine decay (``backprop.DEFAULT``).
"""

from __future__ import annotations

import math

import numpy as np


def _consts(dtype: np.dtype, *values: float) -> list[np.ndarray]:
    return [np.full((), v, dtype) for v in values]


def _sigmoid(dtype: np.dtype):
    """σ in place, with the formula backprop uses for the dtype (fastest in NumPy)."""
    half, one, minus_one = _consts(dtype, 0.5, 1.0, -1.0)
    mul, add, div, tanh, exp = np.multiply, np.add, np.divide, np.tanh, np.exp
    if dtype == np.float32:

        def sig(z: np.ndarray) -> None:
            mul(z, half, z)
            tanh(z, z)
            mul(z, half, z)
            add(z, half, z)

    else:

        def sig(z: np.ndarray) -> None:
            mul(z, minus_one, z)
            exp(z, z)
            add(z, one, z)
            div(one, z, z)

    return sig


def handout(
    X: np.ndarray, y: np.ndarray, weights: list[np.ndarray], lr: float, epochs: int
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Train the handout's 2-h₁-h₂-1 network; ``weights`` are ``(in, out)`` as in backprop.

    Returns the final weights ``(in, out)``, the loss and the accuracy of each epoch.
    """
    if len(weights) != 3:
        raise ValueError("the handout's network has three weight matrices")
    dtype, n = weights[0].dtype, len(X)
    sizes = [w.size for w in weights]
    theta, grad, step = (np.empty(sum(sizes), dtype) for _ in range(3))
    Ws, Gs, start = [], [], 0
    for w, size in zip(weights, sizes):  # each stored transposed, (out, in)
        Ws.append(theta[start : start + size].reshape(w.shape[::-1]))
        Gs.append(grad[start : start + size].reshape(w.shape[::-1]))
        Ws[-1][...] = w.T
        start += size
    (W1, W2, W3), (G1, G2, G3) = Ws, Gs
    Xt, Yt = np.ascontiguousarray(X.T, dtype), np.ascontiguousarray(y.T, dtype)
    truth = Yt > 0.5
    Z1, Z2, Z3 = (np.empty((w.shape[1], n), dtype) for w in weights)
    D1, D2, D3, T1, T2, T3 = (np.empty_like(z) for z in (Z1, Z2, Z3, Z1, Z2, Z3))
    hit = np.empty((1, n), bool)
    losses, correct = np.empty(epochs, dtype), np.empty(epochs, np.int64)
    XtT, Z1T, Z2T, W2T, W3T = Xt.T, Z1.T, Z2.T, W2.T, W3.T
    mm, mul, sub, vdot, gt, eq, nz = (
        np.matmul,
        np.multiply,
        np.subtract,
        np.vdot,
        np.greater,
        np.equal,
        np.count_nonzero,
    )
    sig = _sigmoid(dtype)
    half, one, scale, rate = _consts(dtype, 0.5, 1.0, 2.0 / n, lr)
    for e in range(epochs):
        mm(W1, Xt, out=Z1)
        sig(Z1)
        mm(W2, Z1, out=Z2)
        sig(Z2)
        mm(W3, Z2, out=Z3)
        sig(Z3)
        sub(Z3, Yt, out=D3)
        losses[e] = vdot(D3, D3)
        gt(Z3, half, out=hit)
        eq(hit, truth, out=hit)
        correct[e] = nz(hit)
        mul(D3, scale, out=D3)
        sub(one, Z3, out=T3)
        mul(T3, Z3, out=T3)
        mul(T3, D3, out=T3)
        mm(T3, Z2T, out=G3)
        mul(W3T, T3, out=D2)  # outer product
        sub(one, Z2, out=T2)
        mul(T2, Z2, out=T2)
        mul(T2, D2, out=T2)
        mm(T2, Z1T, out=G2)
        mm(W2T, T2, out=D1)
        sub(one, Z1, out=T1)
        mul(T1, Z1, out=T1)
        mul(T1, D1, out=T1)
        mm(T1, XtT, out=G1)
        mul(grad, rate, out=step)
        sub(theta, step, out=theta)
    return [w.T.copy() for w in Ws], losses / n, correct / n


def default(
    X: np.ndarray,
    y: np.ndarray,
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    lr: float,
    epochs: int,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    bce_eps: float = 1e-12,
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Train ``backprop.DEFAULT``'s network (Normalize, tanh, tanh, σ; BCE; Adam, cosine).

    ``weights`` ``(in, out)`` and ``biases`` ``(1, out)`` as in backprop; each layer is
    stored as one ``(out, in + 1)`` block acting on its input with a row of ones
    appended. Returns the final weights and biases (interleaved), loss and accuracy.
    """
    dtype, n = weights[0].dtype, len(X)
    sizes = [w.size + b.size for w, b in zip(weights, biases)]
    theta, grad, m, v, s = (np.zeros(sum(sizes), dtype) for _ in range(5))
    Ws, Gs, start = [], [], 0
    for w, b, size in zip(weights, biases, sizes):
        shape = (w.shape[1], w.shape[0] + 1)
        Ws.append(theta[start : start + size].reshape(shape))
        Gs.append(grad[start : start + size].reshape(shape))
        Ws[-1][:, :-1], Ws[-1][:, -1] = w.T, b[0]
        start += size
    (W1, W2, W3), (G1, G2, G3) = Ws, Gs
    A0 = np.ones((3, n), dtype)
    A0[:2] = ((X.astype(dtype) - 0.5) * 4.0).T  # Normalize: (X - 0.5) / 0.25
    A1, A2 = (np.ones((w.shape[1] + 1, n), dtype) for w in weights[:2])
    Z1, Z2 = A1[:-1], A2[:-1]
    P = np.empty((1, n), dtype)
    Yt = np.ascontiguousarray(y.T, dtype)
    truth = Yt > 0.5
    hit = np.empty((1, n), bool)
    D1, D2, T1, T2 = np.empty_like(Z1), np.empty_like(Z2), np.empty_like(Z1), np.empty_like(Z2)
    p, lq, term, D3, T3 = (np.empty((1, n), dtype) for _ in range(5))
    losses, correct = np.empty(epochs, dtype), np.empty(epochs, np.int64)
    A0T, A1T, A2T = A0.T, A1.T, A2.T
    W2T, W3T = W2[:, :-1].T, W3[:, :-1].T
    b1, b2 = betas
    lo = max(bce_eps, float(np.finfo(dtype).eps))
    lo0, hi0, half, one, minus_one, n0 = _consts(dtype, lo, 1.0 - lo, 0.5, 1.0, -1.0, n)
    b1_, b2_, c1, c2, eps0 = _consts(dtype, b1, b2, 1.0 - b1, 1.0 - b2, eps)
    mm, mul, sub, tanh, log, log1p = (
        np.matmul,
        np.multiply,
        np.subtract,
        np.tanh,
        np.log,
        np.log1p,
    )
    sig, reduce, sqrt, div = _sigmoid(dtype), np.add.reduce, np.sqrt, np.divide
    for e in range(epochs):
        mm(W1, A0, out=Z1)
        tanh(Z1, out=Z1)
        mm(W2, A1, out=Z2)
        tanh(Z2, out=Z2)
        mm(W3, A2, out=P)
        sig(P)
        # BCE as backprop computes it: clipped p, two logs, gradient (p - y) / (p (1-p) n).
        np.maximum(P, lo0, out=p)  # clip, as two ufuncs
        np.minimum(p, hi0, out=p)
        mul(p, minus_one, out=lq)
        log1p(lq, out=lq)
        log(p, out=term)
        term -= lq
        term *= Yt
        term += lq
        losses[e] = reduce(term, axis=None)
        np.greater(P, half, out=hit)
        np.equal(hit, truth, out=hit)
        correct[e] = np.count_nonzero(hit)
        sub(p, Yt, out=D3)
        sub(one, p, out=lq)
        lq *= p
        lq *= n0
        D3 /= lq
        sub(one, P, out=T3)
        mul(T3, P, out=T3)
        mul(T3, D3, out=T3)
        mm(T3, A2T, out=G3)
        mul(W3T, T3, out=D2)  # outer product
        mul(Z2, Z2, out=T2)
        sub(one, T2, out=T2)
        mul(T2, D2, out=T2)
        mm(T2, A1T, out=G2)
        mm(W2T, T2, out=D1)
        mul(Z1, Z1, out=T1)
        sub(one, T1, out=T1)
        mul(T1, D1, out=T1)
        mm(T1, A0T, out=G1)
        # Adam (torch's rule) on the flat buffer, then the cosine schedule's next rate.
        t = e + 1
        m *= b1_
        mul(grad, c1, out=s)
        m += s
        v *= b2_
        mul(grad, grad, out=s)
        s *= c2
        v += s
        sqrt(v, out=s)
        s /= math.sqrt(1.0 - b2**t)
        s += eps0
        div(m, s, out=s)
        rate = lr * max(0.5 * (1.0 + math.cos(math.pi * e / epochs)), 1e-6)
        s *= rate / (1.0 - b1**t)
        theta -= s
    out = []
    for W in Ws:
        out += [W[:, :-1].T.copy(), W[:, -1:].T.copy()]
    return out, losses / -n, correct / n
