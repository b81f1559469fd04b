"""The playground's endpoints as plain functions: a checked JSON body in, a JSON-able
result out (docs/playground.md lists them). ``ApiError`` carries a status and one line;
the server turns it, ``ValueError`` and ``TypeError`` into ``{"error": ...}``."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from .. import limits
from ..lab import data as datasets
from ..lab.config import loss_output
from ..nn.activations import ACTIVATIONS
from ..nn.init import INITS
from ..nn.losses import LOSSES
from ..optim import DEFAULT_LR, OPTIMIZERS, option_defaults
from ..optim.lr_scheduler import SCHEDULES
from ..train import DivergedError
from .command import command
from .session import Session
from .state import MIN_POINTS, PRESETS, SEED_END, State

MAX_SESSIONS = 8  # one per open tab; the least recently used is dropped


class ApiError(Exception):
    """A refusal with its HTTP status."""

    def __init__(self, status: int, message: str, **extra) -> None:
        super().__init__(message)
        self.status, self.extra = status, extra


def _jsonable(d: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def options() -> dict:
    """What the page offers: choices, each optimizer's options and tuned rate, presets,
    limits and the default state."""
    optimizers = {}
    for name in OPTIMIZERS:
        args = option_defaults(name)
        optimizers[name] = {"lr": DEFAULT_LR[name], "args": _jsonable(args)}
    return {
        "state": State().to_dict(),
        "presets": {k: _jsonable(v) for k, v in PRESETS.items()},
        "datasets": [*datasets.SETS, "points"],
        "activations": list(ACTIVATIONS),
        "losses": list(LOSSES),
        "loss_output": {name: loss_output(name) for name in LOSSES},
        "inits": list(INITS),
        "schedules": list(SCHEDULES),
        "optimizers": optimizers,
        "limits": {
            "points": limits.PAGE_POINTS,
            "points_min": MIN_POINTS,
            "layers": limits.MAX_LAYERS,
            "units": limits.PAGE_UNITS,
            "seeds": limits.PAGE_SEEDS,
            "grid_min": limits.PAGE_GRID[0],
            "grid_max": limits.PAGE_GRID[1],
            "step_epochs": limits.PAGE_STEP_EPOCHS,
            "epochs": limits.MAX_EPOCHS,
            "coordinate": limits.PAGE_COORDINATE,
            "body_bytes": BODY_BYTES,
            "seed_end": SEED_END,
        },
    }


BODY_BYTES = 256 * 1024  # a request body: 2000 points as JSON are ~60 KB


class Api:
    """The sessions of one server and the endpoints that use them."""

    def __init__(self) -> None:
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.lock = threading.Lock()

    def _session(self, body: dict) -> Session:
        sid = body.get("id")
        with self.lock:
            if not isinstance(sid, str) or sid not in self.sessions:
                raise ApiError(404, "unknown session; press Reset")
            self.sessions.move_to_end(sid)
            return self.sessions[sid]

    def reset(self, body: dict) -> dict:
        """A new run of ``body["state"]`` (or a fresh one in session ``body["id"]``)."""
        state = State.from_dict(body.get("state", {}))
        session = Session(state)
        with self.lock:
            sid = body.get("id")
            if not isinstance(sid, str) or sid not in self.sessions:
                sid = secrets.token_hex(6)
            self.sessions[sid] = session
            self.sessions.move_to_end(sid)
            while len(self.sessions) > MAX_SESSIONS:
                self.sessions.popitem(last=False)
        with session.lock:
            return {"id": sid, "state": state.to_dict(), "frame": session.frame(reset=True)}

    def step(self, body: dict) -> dict:
        """Apply ``body["state"]`` (if any), train ``body["epochs"]`` more, one frame."""
        session = self._session(body)
        epochs = limits.check_range(
            "epochs", body.get("epochs", 0), 0, limits.PAGE_STEP_EPOCHS, whole=True
        )
        with session.lock:
            reset = False
            if "state" in body:
                reset = session.apply(State.from_dict(body["state"], session.state))
            try:
                log = session.step(epochs)
            except DivergedError as e:
                raise ApiError(422, str(e), diverged=True) from None
            return {"state": session.state.to_dict(), "frame": session.frame(log, reset)}

    def evaluate(self, body: dict) -> dict:
        session = self._session(body)
        with session.lock:
            return {"lines": session.evaluate()}

    def command(self, body: dict) -> dict:
        session = self._session(body)
        with session.lock:
            return command(session.state, session.epoch, session.changed_at)

    def csv(self, body: dict) -> dict:
        """Points from an uploaded CSV, checked as ``backprop train --data x.csv`` checks."""
        text = body.get("csv")
        if not isinstance(text, str):
            raise TypeError("csv must be the file's text")
        X, y = datasets.from_csv(text, limits.PAGE_POINTS)
        return {"points": [[a, b, int(c)] for (a, b), c in zip(X.tolist(), y[:, 0].tolist())]}

    def download(self, name: str, sid: str) -> tuple[bytes, str]:
        """``model.npz``, ``history.json`` or ``points.csv`` of session ``sid``."""
        session = self._session({"id": sid})
        with session.lock:
            if name == "model.npz":
                return session.model_npz(), "application/octet-stream"
            if name == "history.json":
                return session.history_json(), "application/json"
            return session.points_csv().encode(), "text/csv; charset=utf-8"
