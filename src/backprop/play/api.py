"""The playground's endpoints as plain functions: a request body in, a JSON-able result
out (docs/playground.md lists them). ``Api.handle`` is the one way in: it parses the
body (``parse``), checks its keys against ``FIELDS`` and only then calls the endpoint.
``ApiError`` carries a status and one line; the server turns it, ``ValueError`` and
``TypeError`` into ``{"error": ...}``."""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

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
from .state import MIN_POINTS, PRESETS, SEED_END, State, unknown

# The sessions' memory (``Session.nbytes``): over it, the least recently used go first.
# Not a count, so that one client's resets cannot evict another's open page.
SESSION_BYTES = 512 * 2**20
DROPPED = 4096  # ids of dropped sessions remembered, to answer 410 rather than 404
BODY_BYTES = 256 * 1024  # a request body: 2000 points as JSON are ~60 KB
DEPTH = 64  # nesting of a body's arrays and objects (the state needs 4)


class ApiError(Exception):
    """A refusal with its HTTP status."""

    def __init__(self, status: int, message: str, **extra) -> None:
        super().__init__(message)
        self.status, self.extra = status, extra


def kind(value: object) -> str:
    """``value``'s JSON type, as an error names it."""
    names = {bool: "true/false", str: "string", list: "array", dict: "object", type(None): "null"}
    return names.get(type(value), "number" if isinstance(value, int | float) else "other")


# Outside strings, the brackets that open and close a level (strings are cut out first).
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_LEVEL = np.zeros(256, np.int8)
_LEVEL[list(b"[{")], _LEVEL[list(b"]}")] = 1, -1


def parse(raw: bytes) -> dict:
    """A request body as a JSON object: UTF-8, nested at most ``DEPTH`` levels (counted
    before parsing, as ``json.loads`` recurses once a level), else ``ApiError(400)``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ApiError(400, f"the request body is not UTF-8 (byte {e.start})") from None
    levels = _LEVEL[np.frombuffer(_STRING.sub(b"", raw), np.uint8)]
    if levels.size and int(np.cumsum(levels, dtype=np.int64).max()) > DEPTH:
        raise ApiError(400, f"the request body nests arrays and objects over {DEPTH} deep")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as e:
        raise ApiError(400, f"the request body is not JSON ({e.msg}, at byte {e.pos})") from None
    except ValueError:  # an int of over sys.get_int_max_str_digits() digits
        raise ApiError(400, "the request body holds a number too long to read") from None
    if not isinstance(body, dict):
        raise ApiError(400, f"the request body must be a JSON object, got {kind(body)}")
    return body


def _typed(name: str, kind_: type, what: str) -> Callable[[object], object]:
    """A check that the value of ``name`` is a ``kind_``, named ``what`` in the error;
    the value's own checks come later (``State.from_dict`` for a state)."""

    def check(value: object) -> object:
        if not isinstance(value, kind_):
            raise TypeError(f"{name} must be {what}, got {kind(value)}")
        return value

    return check


_id = _typed("id", str, "a string")
_state = _typed("state", dict, "an object")
_text = _typed("csv", str, "a string (the file's text)")


def _epochs(value: object) -> int:
    return limits.check_range("epochs", value, 0, limits.PAGE_STEP_EPOCHS, whole=True)


# Each endpoint's keys: name → (check, required). A key not listed is refused by name.
FIELDS: dict[str, dict[str, tuple[Callable[[object], object], bool]]] = {
    "reset": {"id": (_id, False), "state": (_state, False)},
    "step": {"id": (_id, True), "epochs": (_epochs, False), "state": (_state, False)},
    "evaluate": {"id": (_id, True)},
    "command": {"id": (_id, True)},
    "csv": {"csv": (_text, True)},
}


def checked(name: str, body: dict) -> dict:
    """``body`` with each key of ``FIELDS[name]`` checked; one line naming the first
    unknown, missing or ill-typed key otherwise."""
    keys = FIELDS[name]
    for key in body:
        if key not in keys:
            raise ValueError(unknown(key, list(keys), f"/api/{name}"))
    for key, (_, required) in keys.items():
        if required and key not in body:
            raise ValueError(f"/api/{name} needs {key!r}")
    return {key: keys[key][0](value) for key, value in body.items()}


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
            "lr": list(limits.PAGE_LR),
            "body_bytes": BODY_BYTES,
            "seed_end": SEED_END,
        },
    }


class Api:
    """The sessions of one server and the endpoints that use them. Sessions are kept
    while their bytes (``Session.nbytes``) fit ``SESSION_BYTES``; over it, the least
    recently used go first, but never the one answering the request."""

    def __init__(self) -> None:
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.bytes: dict[str, int] = {}
        self.dropped: OrderedDict[str, None] = OrderedDict()
        self.lock = threading.Lock()

    def handle(self, name: str, raw: bytes) -> dict:
        """POST ``/api/<name>`` with body ``raw``: parsed, checked, answered."""
        if name not in FIELDS:
            raise ApiError(404, f"no such endpoint: /api/{name[:80]}")
        return getattr(self, name)(checked(name, parse(raw)))

    def _session(self, sid: str) -> Session:
        with self.lock:
            if sid in self.sessions:
                self.sessions.move_to_end(sid)
                return self.sessions[sid]
            if sid in self.dropped:
                raise ApiError(
                    410, "this page's run was dropped to free the server's memory; press Reset"
                )
            raise ApiError(404, "unknown session; press Reset")

    def _account(self, sid: str, session: Session) -> None:
        """Record ``session``'s bytes (its lock held), then drop the least recently used
        others while the total is over ``SESSION_BYTES``."""
        size = session.nbytes()
        with self.lock:
            if self.sessions.get(sid) is not session:
                return  # dropped or replaced meanwhile
            self.bytes[sid] = size
            for old in list(self.sessions):
                if sum(self.bytes.values()) <= SESSION_BYTES:
                    break
                if old != sid:
                    del self.sessions[old], self.bytes[old]
                    self.dropped[old] = None
            while len(self.dropped) > DROPPED:
                self.dropped.popitem(last=False)

    def reset(self, body: dict) -> dict:
        """A new run of ``body["state"]`` (or a fresh one in session ``body["id"]``)."""
        state = State.from_dict(body.get("state", {}))
        session = Session(state)
        with self.lock:
            sid = body.get("id")
            if sid not in self.sessions:
                sid = secrets.token_hex(6)
            self.sessions[sid] = session
            self.sessions.move_to_end(sid)
            self.bytes.setdefault(sid, 0)
        with session.lock:
            reply = {"id": sid, "state": state.to_dict(), "frame": session.frame(reset=True)}
            self._account(sid, session)
            return reply

    def step(self, body: dict) -> dict:
        """Apply ``body["state"]`` (if any), train ``body["epochs"]`` more, one frame."""
        session = self._session(body["id"])
        with session.lock:
            reset = False
            if "state" in body:
                reset = session.apply(State.from_dict(body["state"], session.state))
            try:  # a reset's frame is epoch 0: the reset was this request's work
                log = [] if reset else session.step(body.get("epochs", 0))
            except DivergedError as e:
                raise ApiError(422, str(e), diverged=True) from None
            reply = {"state": session.state.to_dict(), "frame": session.frame(log, reset)}
            self._account(body["id"], session)
            return reply

    def evaluate(self, body: dict) -> dict:
        session = self._session(body["id"])
        with session.lock:
            return {"lines": session.evaluate()}

    def command(self, body: dict) -> dict:
        session = self._session(body["id"])
        with session.lock:
            return command(session.state, session.epoch, session.changed_at)

    def csv(self, body: dict) -> dict:
        """Points from an uploaded CSV, checked as ``backprop train --data x.csv`` checks."""
        X, y = datasets.from_csv(body["csv"], limits.PAGE_POINTS)
        return {"points": [[a, b, int(c)] for (a, b), c in zip(X.tolist(), y[:, 0].tolist())]}

    def download(self, name: str, sid: str) -> tuple[bytes, str]:
        """``model.npz``, ``history.json`` or ``points.csv`` of session ``sid``."""
        session = self._session(sid)
        with session.lock:
            if name == "model.npz":
                return session.model_npz(), "application/octet-stream"
            if name == "history.json":
                return session.history_json(), "application/json"
            return session.points_csv().encode(), "text/csv; charset=utf-8"
