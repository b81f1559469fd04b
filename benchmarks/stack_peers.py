"""Stack peers: K models trained at once in JAX and in PyTorch, against backprop's stack.

Each peer trains the network of a backprop ``Config`` (the handout's 2-4-4-1 or
``DEFAULT``'s 2-16-16-1) as a stack of ``K`` models from the weights backprop draws
for seeds ``0 … K-1``, model ``k`` on the linear data of seed ``k`` (``N = 100``), full
batch, in the same dtype, recording every model's loss and accuracy each epoch as
``fit`` does. The maths is backprop's, step for step: MSE, or BCE on ``p`` clipped to
``[ε, 1 − ε]`` whose gradient ``(p − y) / (p (1 − p) n)`` passes the clip (as
backprop's does), gradient descent, or Adam (torch's rule) with the cosine schedule.

* JAX: one model's loss, ``jax.vmap`` of its ``value_and_grad`` over the stack, the
  epochs in ``lax.fori_loop``, all under one ``jax.jit``. One thread: see
  ``start_jax``. Compilation is excluded: each row compiles and runs once before it
  is timed.
* PyTorch: stacked weights ``(K, in, out)``, ``torch.bmm`` (``baddbmm`` with a bias),
  autograd on the sum of the models' losses (model ``k``'s gradient is its own) and
  ``torch.optim`` (SGD, or Adam with ``CosineAnnealingLR``), eager, one thread.

Both are imported only here and only if installed (the ``bench`` extra), so the
section runs, with its peer columns saying "skipped", without them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import backprop as bp
from backprop.lab.config import build, seed_rngs
from backprop.lab.data import load

from .peers import have
from .suite import HANDOUT_4, STACK_EPOCHS, _name
from .timing import interleaved

XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false"
if XLA_ONE_THREAD not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {XLA_ONE_THREAD}".strip()

NETWORKS = {"handout": HANDOUT_4, "default": bp.DEFAULT}
PEERS = ("jax", "torch")


@dataclass
class Case:
    """One stacked run: its config (dtype, epochs set), data ``X (K, N, 2)``,
    ``y (K, N, 1)``, and backprop's initial weights ``(K, in, out)`` and biases
    ``(K, 1, out)`` (``None`` without bias)."""

    config: bp.Config
    X: np.ndarray
    y: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray] | None

    @property
    def models(self) -> int:
        return len(self.X)


@dataclass
class Result:
    """Seconds of the training loop alone, and the loss and accuracy ``(epochs, K)``."""

    seconds: float
    loss: np.ndarray
    accuracy: np.ndarray


def case(config: bp.Config, models: int, epochs: int, dtype: str) -> tuple[Case, bp.Run]:
    """The case and backprop's own run of it (not yet trained), built as the stack
    section builds it: ``build(..., models=K, rng=seed_rngs(range(K)))``."""
    c = config.replace(dtype=dtype, epochs=epochs)
    run = build(c, models=models, rng=seed_rngs(range(models)))
    X, y = (np.stack(a).astype(dtype) for a in zip(*(load("linear", s) for s in range(models))))
    named = list(run.model.named_parameters())
    ws = [p.data.copy() for n, p in named if n.endswith("weight")]
    bs = [p.data.copy() for n, p in named if n.endswith("bias")] or None
    return Case(c, X, y, ws, bs), run


def start_jax():
    """Import JAX with x64 on and its CPU client computing on one thread.

    ``XLA_ONE_THREAD`` (set at import) keeps Eigen's kernels on one thread, but the
    client still runs its work on a pool of one thread per CPU the process may use
    (JAX 0.10: CPU ÷ wall time ~1.45 on 2 cores). So the client is created while the
    process may use one CPU, then every thread gets all of them back: one pool thread,
    free to run on any core. A client made earlier keeps its pool.
    """
    import jax
    from jax._src import xla_bridge  # private, but the only way to ask

    if hasattr(os, "sched_setaffinity") and not xla_bridge.backends_are_initialized():
        cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cpus)})
        try:
            jax.devices("cpu")
        finally:
            for tid in os.listdir("/proc/self/task"):
                with contextlib.suppress(OSError):  # a thread that ended meanwhile
                    os.sched_setaffinity(int(tid), cpus)
    jax.config.update("jax_enable_x64", True)  # float64 rows; float32 arrays stay float32
    return jax


def _bce_eps(dtype) -> float:
    """The clip of backprop's ``BCELoss``: 1e-12, at least the dtype's machine epsilon."""
    return max(1e-12, float(np.finfo(dtype).eps))


def jax_trainer(case: Case) -> Callable[[], Result] | None:
    """Compile the case in JAX (one warm-up run); the returned function times one run."""
    if not have("jax"):
        return None
    jax = start_jax()
    jnp = jax.numpy
    c, dtype = case.config, case.X.dtype
    act = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh}
    lo = _bce_eps(dtype)
    b1, b2, eps = 0.9, 0.999, 1e-8

    def loss(params, x, y):  # one model: x (N, 2), y (N, 1)
        a = (x - 0.5) * 4.0 if c.normalize else x
        for i, (w, b) in enumerate(params):
            z = a @ w if b is None else a @ w + b
            a = act[c.output if i == len(params) - 1 else c.activation](z)
        if c.loss == "mse":
            return jnp.mean((a - y) ** 2), a
        # clipped value, unclipped gradient path, as backprop's BCELoss
        p = a + jax.lax.stop_gradient(jnp.clip(a, lo, 1.0 - lo) - a)
        return -jnp.mean(y * jnp.log(p) + (1.0 - y) * jnp.log1p(-p)), a

    grads = jax.vmap(jax.value_and_grad(loss, has_aux=True))
    epochs = c.epochs

    def train(params, X, y):
        def epoch(e, carry):
            params, m, v, losses, accs = carry
            (value, pred), g = grads(params, X, y)
            losses = losses.at[e].set(value)
            accs = accs.at[e].set(jnp.sum((pred > 0.5) == (y > 0.5), axis=(1, 2)))
            if c.optimizer == "sgd":
                params = jax.tree.map(lambda p, g: p - c.lr * g, params, g)
            else:  # Adam as torch (and backprop) write it, the step size in float64
                t = e + 1.0
                m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
                v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
                rate = c.lr * jnp.maximum(0.5 * (1.0 + jnp.cos(jnp.pi * e / epochs)), 1e-6)
                root = jnp.sqrt(1.0 - b2**t).astype(dtype)
                size = (rate / (1.0 - b1**t)).astype(dtype)

                def step(p, m, v):
                    return p - size * (m / (jnp.sqrt(v) / root + eps))

                params = jax.tree.map(step, params, m, v)
            return params, m, v, losses, accs

        zeros = jax.tree.map(jnp.zeros_like, params)
        losses = jnp.zeros((epochs, len(X)), dtype)
        accs = jnp.zeros((epochs, len(X)), jnp.int64)
        return jax.lax.fori_loop(0, epochs, epoch, (params, zeros, zeros, losses, accs))[3:]

    fn = jax.jit(train)
    biases = case.biases or [None] * len(case.weights)
    args = (case.X, case.y)

    def run() -> Result:
        params = jax.device_put([(w, b) for w, b in zip(case.weights, biases)])
        data = jax.device_put(args)
        start = time.perf_counter()
        losses, accs = jax.block_until_ready(fn(params, *data))
        seconds = time.perf_counter() - start
        return Result(seconds, np.asarray(losses), np.asarray(accs) / case.X.shape[1])

    run()  # compile
    return run


def torch_trainer(case: Case) -> Callable[[], Result] | None:
    """The case in eager PyTorch on one thread; the returned function times one run."""
    if not have("torch"):
        return None
    import torch

    torch.set_num_threads(1)
    c = case.config
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}
    lo = _bce_eps(case.X.dtype)

    def run() -> Result:
        ws = [torch.tensor(w, requires_grad=True) for w in case.weights]
        bs = (
            None
            if case.biases is None
            else [torch.tensor(b, requires_grad=True) for b in case.biases]
        )
        x = torch.from_numpy(case.X)
        x = (x - 0.5) * 4.0 if c.normalize else x
        y = torch.from_numpy(case.y)
        truth = y > 0.5
        params = ws if bs is None else [p for pair in zip(ws, bs) for p in pair]
        if c.optimizer == "sgd":
            opt = torch.optim.SGD(params, lr=c.lr)
        else:
            opt = torch.optim.Adam(params, lr=c.lr)
        # backprop's floor of 1e-6 on the cosine factor binds only past ~1500 epochs
        cosine = c.schedule == "cosine"
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, c.epochs) if cosine else None
        losses = torch.empty(c.epochs, case.models, dtype=x.dtype)
        hits = torch.empty(c.epochs, case.models, dtype=torch.int64)
        start = time.perf_counter()
        for e in range(c.epochs):
            opt.zero_grad()
            a = x
            for i, w in enumerate(ws):
                z = torch.bmm(a, w) if bs is None else torch.baddbmm(bs[i], a, w)
                a = act[c.output if i == len(ws) - 1 else c.activation](z)
            if c.loss == "mse":
                value = ((a - y) ** 2).mean((1, 2))
            else:  # clipped value, unclipped gradient path, as backprop's BCELoss
                p = a + (a.clamp(lo, 1.0 - lo) - a).detach()
                value = -(y * p.log() + (1.0 - y) * torch.log1p(-p)).mean((1, 2))
            value.sum().backward()
            opt.step()
            if sched is not None:
                sched.step()
            losses[e] = value.detach()
            hits[e] = ((a.detach() > 0.5) == truth).sum((1, 2))
        seconds = time.perf_counter() - start
        return Result(seconds, losses.numpy(), hits.numpy() / case.X.shape[1])

    return run


TRAINERS = {"jax": jax_trainer, "torch": torch_trainer}


def backprop_trainer(case: Case) -> Callable[[], Result]:
    """backprop's stack of the case, built afresh each run; ``fit`` alone is timed."""

    def run() -> Result:
        run = build(case.config, models=case.models, rng=seed_rngs(range(case.models)))
        start = time.perf_counter()
        history = run.fit(case.X, case.y)
        return Result(time.perf_counter() - start, history.loss, history.accuracy)

    return run


def _timed(train: Callable[[], Result], cpu: list[float]) -> Callable[[], float]:
    """``interleaved``'s contender: the run's seconds; appends its CPU ÷ wall time (all
    threads of the process), which stays near 1 for one busy thread."""

    def seconds() -> float:
        wall, used = time.perf_counter(), time.process_time()
        result = train()
        cpu.append((time.process_time() - used) / (time.perf_counter() - wall))
        return result.seconds

    return seconds


def stack_peers(
    rounds: int, scale: float, models: int = 1000, dtypes=("float64", "float32")
) -> tuple[list[dict], list]:
    """Model-epochs/s of ``models`` stacked models in backprop, JAX and PyTorch, per
    network and dtype, with backprop's speed ÷ each peer's (medians of interleaved
    rounds, ``STACK_EPOCHS[1000] × scale`` epochs, as the stack section)."""
    rows = []
    epochs = max(5, int(STACK_EPOCHS[1000] * scale))
    for label, config in NETWORKS.items():
        for dtype in dtypes:
            cs = case(config, models, epochs, dtype)[0]
            trainers = {"backprop": backprop_trainer(cs)}
            trainers.update({k: TRAINERS[k](cs) for k in PEERS})
            cpu: dict[str, list[float]] = {k: [] for k in trainers}
            med = interleaved(
                {k: _timed(t, cpu[k]) for k, t in trainers.items() if t is not None}, rounds
            )
            rate = {k: models * epochs / t for k, t in med.items()}
            row = {
                "network": f"{label} {_name(config)}",
                "dtype": dtype,
                "K": models,
                "backprop model-epochs/s": rate["backprop"],
            }
            for peer in PEERS:
                if peer in rate:
                    row[f"{peer} model-epochs/s"] = rate[peer]
                    row[f"backprop ÷ {peer}"] = rate["backprop"] / rate[peer]
                else:
                    row[f"{peer} model-epochs/s"] = f"skipped ({peer} not installed)"
                    row[f"backprop ÷ {peer}"] = None
            row["CPU ÷ wall (backprop / jax / torch)"] = " / ".join(
                f"{max(cpu[k]):.2f}" if cpu.get(k) else "–" for k in ("backprop", *PEERS)
            )
            rows.append(row)
    return rows, []
