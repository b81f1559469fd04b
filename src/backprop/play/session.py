"""One page's run: ``K`` seeds built by ``lab.build`` as one stack, trained a few epochs
per request, and drawn as a frame (docs/playground.md, "Frames").

A frame evaluates the plane for all ``K`` models in one batched forward pass over a
``grid × grid`` lattice (the selected model's probability and the share of models
predicting class 1, as base64 ``uint8``), each hidden unit of the selected model over
a ``THUMB × THUMB`` lattice, its weights, and every model's loss, accuracy and the
gradient norm ``‖∂L/∂W_l‖`` reaching each layer.
"""

from __future__ import annotations

import base64
import io
import json
import math
import tempfile
import threading
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import limits
from .._fused import ModuleStep, plan
from ..checks import plural
from ..lab.config import build, build_model, save_model, seed_rngs
from ..lab.data import to_csv
from ..nn import Linear
from ..nn.activations import Sigmoid, Tanh, sigmoid
from ..optim import option_defaults
from ..train import DivergedError, History, accuracy, evaluate, saturation
from .state import State

THUMB = 24  # side of a hidden unit's thumbnail
ROWS = ("epochs", "loss", "accuracy", "test_loss", "test_accuracy", "grad_norm")
RANGES = {Sigmoid: (0.0, 1.0), Tanh: (-1.0, 1.0)}  # bounded activations' fixed scale
# Multiply-adds a frame may spend training and drawing the plane, so that a frame stays
# under 250 ms (this machine does ~20 of ``Cost``'s multiply-adds a ns, 20,000 a µs):
# more epochs wait for the next frame, and a costly stack gets a coarser plane. A frame
# trains at least one epoch, so a setup whose one epoch costs more than TRAIN_WORK is
# refused (``check_cost``) with what to lower.
TRAIN_WORK = 2_000_000_000
PLANE_WORK = 300_000_000
# A hidden unit's elementwise work a point (activation, derivative, bias; memory-bound),
# measured against tanh's ~8 ns: the costlier functions take 2-3 times as long.
UNIT_WORK = {"identity": 80, "sigmoid": 160, "tanh": 160, "relu": 200, "leaky_relu": 240}
UNIT_WORK |= {"silu": 320, "elu": 320, "gelu": 400, "softplus": 440}
# Python's overhead: an optimizer step (60 µs) and each layer in it (30 µs, half as much
# again with a penalty), and the test set's forward pass each epoch (40 µs + 25 µs a layer).
STEP_WORK, LAYER_WORK = 1_200_000, 600_000
TEST_WORK, TEST_LAYER_WORK = 800_000, 500_000
# Epochs after which a loss no lower than at the start (and a saturated output) is
# named as the learning rate's doing, by the CLI's rule (``train.saturation``).
WARN_AFTER = 20


def b64(a: np.ndarray) -> str:
    """``a`` in [0, 1] as base64 of ``round(255 a)`` bytes."""
    return base64.b64encode(np.rint(np.clip(a, 0, 1) * 255).astype(np.uint8).tobytes()).decode()


def finite(obj: object) -> object:
    """``obj`` with every NaN or infinity (a run gone wild) as ``None``: JSON has none."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


def lattice(extent: tuple[float, ...], side: int) -> np.ndarray:
    """Pixel centres ``(side², 2)``, row-major from the top-left corner."""
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(side) + 0.5) * (x1 - x0) / side
    ys = y1 - (np.arange(side) + 0.5) * (y1 - y0) / side
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def plane(X: np.ndarray) -> tuple[float, float, float, float]:
    """The square [0, 1]² grown to hold every point, then by a tenth of its side."""
    lo = np.minimum(X.min(axis=0), 0.0)
    hi = np.maximum(X.max(axis=0), 1.0)
    pad = 0.1 * (hi - lo)
    return tuple(float(v) for v in (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1]))


def held(obj: object, buffers: dict[int, int], seen: set[int]) -> None:
    """Add to ``buffers`` (id → bytes) each NumPy buffer reachable from ``obj`` through
    containers and backprop's own objects (a view counts as its base, once)."""
    if isinstance(obj, np.ndarray):
        while isinstance(obj.base, np.ndarray):
            obj = obj.base
        buffers[id(obj)] = obj.nbytes
        return
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, list | tuple):
        children = list(obj)
    elif type(obj).__module__.startswith("backprop."):
        slots = getattr(type(obj), "__slots__", ())
        children = [*getattr(obj, "__dict__", {}).values(), *(getattr(obj, k) for k in slots)]
    else:
        return
    for child in children:
        held(child, buffers, seen)


def shown(v: float) -> str:
    """``v`` as the page shows it (draw.js ``fmt``): 4 significant digits, or
    ``1.00e-4`` below 1e-3 and from 1e4 on."""
    a = abs(v)
    if a and (a < 1e-3 or a >= 1e4):
        mantissa, exponent = f"{v:.2e}".split("e")
        return f"{mantissa}e{int(exponent):+d}"
    return f"{v:.4g}"


class Cost(NamedTuple):
    """One epoch's cost, in multiply-adds: ``points`` (the test set's too) through each
    model at ``per_point``, ``steps`` optimizer steps (one for a full batch, else one a
    mini-batch) of ``per_step`` and ``per_model_step`` for each model's update, and
    ``fixed`` once (the test set's pass)."""

    points: int
    per_point: int
    steps: int
    per_step: int
    per_model_step: int
    fixed: int

    def epoch(self, seeds: int) -> int:
        steps = self.steps * (self.per_step + seeds * self.per_model_step)
        return seeds * self.points * self.per_point + steps + self.fixed


def cost(state: State, X: np.ndarray, test) -> Cost:
    """``Cost`` of one epoch of ``state`` on training points ``X`` and ``test``: a point
    is a forward and two backward products a weight and ``UNIT_WORK`` a hidden unit; a
    step, its overhead and ~400 a weight of each model for the update (Adam's dozen
    elementwise passes)."""
    config = state.config()
    layers = len(config.hidden) + 1
    steps = -(-len(X) // state.batch_size) if state.batch_size else 1
    per_step = STEP_WORK + int(layers * LAYER_WORK * (1.5 if config.penalty else 1))
    points = len(X) + (0 if test is None else len(test[1]))
    fixed = 0 if test is None else TEST_WORK + TEST_LAYER_WORK * layers
    per_point = 3 * config.weights + UNIT_WORK[config.activation] * sum(config.hidden)
    return Cost(points, per_point, steps, per_step, 400 * config.weights, fixed)


def check_cost(state: State, parts: tuple | None = None) -> None:
    """``ValueError`` naming what to lower when one epoch of ``state`` (``Cost``) is over
    a frame's ``TRAIN_WORK``; ``parts``: ``state.parts()`` if already made."""
    X, _, test = parts or state.parts()
    n, k, c = len(X), state.seeds, cost(state, X, test)
    work = c.epoch(k)
    if work <= TRAIN_WORK:
        return
    seeds = max((s for s in range(1, k) if c.epoch(s) <= TRAIN_WORK), default=0)
    hint = f"at most {seeds} seeds, or fewer points or units" if seeds else "fewer points or units"
    if c.steps > 1:
        step = c.per_step + k * c.per_model_step
        most = (TRAIN_WORK - k * c.points * c.per_point - c.fixed) // step  # steps it affords
        if most >= 1:
            hint = f"a batch size of at least {-(-n // most)}, or fewer seeds, points or units"
    what = f"{c.steps:,} mini-batch steps" if c.steps > 1 else f"{c.points:,} points"
    raise ValueError(
        f"one epoch of {what} over {plural(k, 'seed')} costs ~{shown(work)} multiply-adds, "
        f"more than a frame of the page trains ({shown(TRAIN_WORK)}): use {hint}"
    )


def caps(seeds: int, c: Cost, grid: int) -> tuple[int, int]:
    """``(epochs, side)`` a frame may take: as many epochs as ``TRAIN_WORK`` pays for, at
    least 1; and the side ``g ≤ grid`` of a plane whose forward pass, ``K g² per_point / 3``,
    stays within ``PLANE_WORK`` (at least the page's least)."""
    epochs = max(1, TRAIN_WORK // c.epoch(seeds))
    side = math.isqrt(3 * PLANE_WORK // (seeds * c.per_point))
    return epochs, max(limits.PAGE_GRID[0], min(grid, side))


def _round(a: np.ndarray) -> list:
    return [float(f"{v:.4g}") for v in a.ravel()] if a.ndim == 1 else [_round(r) for r in a]


class Session:
    """A run of ``state`` and its history; ``step`` trains, ``frame`` draws it."""

    def __init__(self, state: State) -> None:
        self.lock = threading.Lock()
        self.reset(state)

    def reset(self, state: State) -> None:
        """A new run (same seeds → same initial weights)."""
        parts = state.parts()
        check_cost(state, parts)
        self.state = state
        self.X, self.y, self.test = parts
        self.extent = plane(self.X if self.test is None else np.vstack([self.X, self.test[0]]))
        self.run = build(
            state.config(),
            models=state.seeds,
            rng=seed_rngs(range(state.seed, state.seed + state.seeds)),
            shuffle=state.data_seed,  # the batches' order, as backprop train's
        )
        self.linears = [m for m in self.run.model.modules if isinstance(m, Linear)]
        self.epoch, self.done, self.changed_at, self.error = 0, None, None, None
        self.warning = None
        self.rows: dict[str, list] = {k: [] for k in ROWS}
        run = self.run  # the gradient reaching each layer at epoch 0, as fit computes it
        penalty = run.config.penalty or None
        args = (run.model, self.X, self.y, run.loss, run.optimizer, penalty)
        step = plan(*args) or ModuleStep(*args)
        try:
            value, pred = step.grad()
            if penalty:
                value = value + penalty.value(step.weights(), True)
            acc = accuracy(pred, self.y, run.loss.threshold)
        finally:
            step.close()
        test = None
        if self.test is not None:
            with np.errstate(all="ignore"):
                pred = run.model.forward(self.test[0])
            test = run.loss(pred, self.test[1])[0], accuracy(pred, self.test[1], run.loss.threshold)
        self._record(value, acc, test)

    def apply(self, state: State) -> bool:
        """Take ``state``: carry on, redraw or reset (``State.changes``); True if reset."""
        kind = self.state.changes(state)
        if kind == "carry":
            check_cost(state)  # before anything is taken (a reset checks it first too)
        if kind == "reset":
            self.reset(state)
            return True
        if kind == "carry":
            # the optimizer took a new value (a new epoch budget keeps the command exact)
            moved = self.state.config().replace(epochs=1) != state.config().replace(epochs=1)
            if moved and self.epoch:  # the command can no longer say what happened
                self.changed_at = self.changed_at or self.epoch
            self.run.config = state.config()  # l1, l2, batch_size: Run.fit reads them
            opt = self.run.optimizer
            opt.set_options(**{**option_defaults(state.optimizer), **state.optimizer_args})
            if self.run.scheduler is None:
                opt.lr = state.lr
            else:  # the same point of the cosine, from the new starting rate
                self.run.scheduler.rebase(state.lr)
        if self.done == "epochs" and self.epoch < state.epochs:
            self.done = None  # a larger budget (constant schedule): train on
        if self.done == "100 %" and not state.stop:
            self.done = None
        self.state = state
        return False

    def _record(self, loss: np.ndarray, acc: np.ndarray, test: tuple | None = None) -> None:
        """One row of ``ROWS``: the training loss (with any penalty) and accuracy, the
        test set's (or None) and the gradient norms."""
        norms = [np.sqrt((m.weight.grad**2).sum(axis=(-2, -1))) for m in self.linears]
        rows = self.rows
        rows["epochs"].append(self.epoch)
        rows["loss"].append(np.asarray(loss, float).tolist())
        rows["accuracy"].append(np.asarray(acc, float).tolist())
        rows["test_loss"].append(None if test is None else np.asarray(test[0], float).tolist())
        rows["test_accuracy"].append(None if test is None else np.asarray(test[1], float).tolist())
        rows["grad_norm"].append([n.tolist() for n in norms])

    def step(self, epochs: int) -> list[str]:
        """Train up to ``epochs`` more (within the budget and ``caps``); the
        printout lines. Raises ``DivergedError`` (the run then stays diverged)."""
        s = self.state
        if self.error:
            raise self.error
        if self.done or not epochs:
            return []
        cap = self._caps()[0]
        epochs = max(1, min(epochs, s.epochs - self.epoch, cap))
        log: list[str] = []
        start = self.epoch

        def printout(epoch: int, loss: np.ndarray) -> None:
            e = start + epoch
            if e % s.log_every == 0:
                log.append(f"epoch {e} loss : {float(loss[s.selected])}")

        try:
            history = self.run.fit(self.X, self.y, epochs, callback=printout, test=self.test)
        except DivergedError as e:
            # the page's epoch (from the run's start) and rate (as its slider shows it)
            self.error = e.retold(start + e.epoch, shown(s.lr))
            raise self.error from None
        self.epoch += epochs
        test = None if self.test is None else (history.test_loss[-1], history.test_accuracy[-1])
        self._record(history.final_loss, history.final_accuracy, test)
        self.warning = self._saturated(history.final_loss)
        if s.stop and np.all(history.final_accuracy == 1.0):
            self.done = "100 %"
        elif self.epoch >= s.epochs:
            self.done = "epochs"
        return log

    def _caps(self) -> tuple[int, int]:
        """``caps`` for this run: every point (the test set's forward too) and its steps."""
        return caps(self.state.seeds, cost(self.state, self.X, self.test), self.state.grid)

    def _saturated(self, final: np.ndarray) -> str | None:
        """``train.saturation``'s warning for the selected model, after ``WARN_AFTER``
        epochs (the CLI's rule: the loss ended no lower than it started, the output
        pinned at 0 or 1)."""
        k = self.state.selected
        first = self.rows["loss"][0][k]
        if self.epoch < WARN_AFTER or not final[k] >= first:
            return None
        with np.errstate(all="ignore"):
            out = self.single().forward(self.X)  # the selected model alone, not all K
        prob = sigmoid(out) if self.run.loss.takes_logits else out
        first_only = History(np.array([first]), np.array([0.0]), final_loss=final[k])
        return saturation(first_only, prob, shown(self.state.lr))

    def frame(self, log: list[str] = (), reset: bool = False) -> dict:
        """What the page draws now (docs/playground.md, "Frames")."""
        s, model = self.state, self.run.model
        k, logits = s.selected, self.run.loss.takes_logits
        side = self._caps()[1]
        grid = lattice(self.extent, side)
        with np.errstate(all="ignore"):
            out = model.forward(grid)[..., 0]  # (K, side²): every seed in one pass
            units = self._units(lattice(self.extent, THUMB))
        prob = sigmoid(out[k]) if logits else out[k]
        agree = (out > self.run.loss.threshold).mean(axis=0)
        frame = {
            "epoch": self.epoch,
            "done": self.done is not None,
            "reason": self.done,
            "reset": reset,
            "extent": list(self.extent),
            "grid": side,
            "prob": b64(prob),
            "agree": b64(agree),
            "units": units,
            "weights": [
                {
                    "w": _round(m.weight.data[k]),
                    "b": None if m.bias is None else _round(m.bias.data[k][0]),
                }
                for m in self.linears
            ],
            "loss": self.rows["loss"][-1],
            "accuracy": self.rows["accuracy"][-1],
            "test_loss": self.rows["test_loss"][-1],
            "test_accuracy": self.rows["test_accuracy"][-1],
            "grad_norm": self.rows["grad_norm"][-1],
            "lr": float(np.asarray(self.run.optimizer.lr)),
            "warning": self.warning,
            "log": list(log),
        }
        if reset:
            frame["points"] = np.hstack([self.X, self.y]).tolist()
            test_xy = self.test or (np.empty((0, 2)), np.empty((0, 1)))
            frame["test_points"] = np.hstack(test_xy).tolist()
        # The grid's pass left K × grid² × units caches in each module, by far the
        # largest arrays a session would keep between requests; a step makes its own.
        for m in model.modules:
            for name, value in list(vars(m).items()):
                if name.startswith("_") and isinstance(value, np.ndarray):
                    setattr(m, name, None)
        return frame

    def nbytes(self) -> int:
        """Bytes the session holds: its data and run's arrays (parameters, gradients,
        optimizer buffers, caches) and its history, ``seeds × (2 + layers)`` Python
        floats a row at ~32 bytes each."""
        buffers: dict[int, int] = {}
        held((self.X, self.y, self.run), buffers, set())
        row = self.state.seeds * (2 + len(self.linears)) + 1
        return sum(buffers.values()) + 32 * row * len(self.rows["epochs"])

    def _units(self, points: np.ndarray) -> list[dict]:
        """Each hidden layer's outputs over ``points`` for the selected model."""
        out, a = [], points
        modules = self.single().modules
        for i, m in enumerate(modules[:-2]):  # the last Linear and its activation: the output
            a = m.forward(a)
            if not (i and isinstance(modules[i - 1], Linear)):
                continue  # not a hidden layer's activation
            v = a.T  # (units, THUMB²)
            lo, hi = RANGES.get(type(m), (float(v.min()), float(v.max())))
            hi = hi if hi > lo else lo + 1.0
            out.append(
                {
                    "size": len(v),
                    "thumb": THUMB,
                    "lo": lo,
                    "hi": hi,
                    "data": b64((v - lo) / (hi - lo)),
                }
            )
        return out

    def evaluate(self) -> list[str]:
        """The handout's test printout for the selected model (``train.evaluate``)."""
        buf = io.StringIO()
        if self.test is not None:
            print(f"training set ({len(self.y)} points):", file=buf)
        evaluate(self.single(), self.X, self.y, self.run.loss, file=buf)
        if self.test is not None:
            print(f"test set ({len(self.test[1])} points, held out):", file=buf)
            evaluate(self.single(), *self.test, self.run.loss, file=buf)
        return buf.getvalue().splitlines()

    def single(self):
        """The selected model alone, as ``backprop train`` would have built it."""
        model = build_model(self.state.config())
        k = self.state.selected
        model.load_state_dict({n: v[k] for n, v in self.run.model.state_dict().items()})
        return model

    def model_npz(self) -> bytes:
        """The selected model's ``model.npz``, as ``backprop train`` writes it."""
        with tempfile.TemporaryDirectory() as tmp:
            return save_model(self.single(), self.state.config(), Path(tmp) / "m.npz").read_bytes()

    def history_json(self) -> bytes:
        """The state and, per recorded epoch, every model's loss, accuracy, gradient norms."""
        d = {"config": self.state.to_dict(), "epoch": self.epoch, **self.rows}
        return json.dumps(finite(d), allow_nan=False).encode()

    def points_csv(self) -> str:
        """Every point, the held-out ones too (``--test-fraction`` splits them again)."""
        return to_csv(*self.state.dataset())
