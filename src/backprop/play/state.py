"""The page's state: one flat object (the URL hash) that names a run, checked here.

``State.from_dict(d, base)`` lays ``d`` over ``base`` and checks every field with the
functions the CLI uses (``limits``, ``Config.validate``, ``lab.data.points``), so the
page and ``backprop train`` refuse the same things with the same words. Keys starting
with ``_`` belong to the page's view and are ignored.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, field, fields, make_dataclass, replace

import numpy as np

from .. import limits
from ..checks import INF
from ..lab import data as datasets
from ..lab.config import DEFAULT, HANDOUT, Config
from ..lab.data import MIN_POINTS
from ..nn.features import check_features
from ..optim import option_defaults

SEED_END = 2**32  # np.random.seed's range, which the CLI's --seed also takes

# What a change of a field does to a session: "reset" starts a new run, "carry" trains
# on (the optimizer takes the new value; epochs: a longer or shorter budget, under a
# constant schedule only, as a cosine one is planned over them), "view" only redraws;
# "fixed" Config fields are not the page's (it trains float64 MLPs, Config's defaults).
RESET, CARRY, VIEW, FIXED = "reset", "carry", "view", "fixed"
CONFIG_TAGS = {
    "model": FIXED,
    "hidden": RESET,
    "activation": RESET,
    "output": RESET,
    "loss": RESET,
    "optimizer": RESET,
    "lr": CARRY,
    "schedule": RESET,
    "epochs": CARRY,
    "bias": RESET,
    "init": RESET,
    "normalize": RESET,
    "optimizer_args": CARRY,  # unless an option turns on or off: see _switches
    "dtype": FIXED,
    "features": RESET,  # the first layer's width changes
    "l1": CARRY,  # the loss changes, the weights stay
    "l2": CARRY,
    "batch_size": CARRY,
    "test_fraction": RESET,  # another training set
}
if set(CONFIG_TAGS) != {f.name for f in fields(Config)}:
    raise RuntimeError("play.state.CONFIG_TAGS must tag each of Config's fields once")
# The Config fields the page sets, in Config's order; their defaults are DEFAULT's.
CONFIG_FIELDS = tuple(f.name for f in fields(Config) if CONFIG_TAGS[f.name] != FIXED)
CHOICES = tuple(f.name for f in fields(Config) if f.name in CONFIG_FIELDS and f.type == "str")
# The page's own fields, (name, type, default, tag): the data, before Config's fields …
DATA_FIELDS = (
    ("data", "str", "xor", RESET),
    ("n", "int", datasets.N_POINTS, RESET),
    ("noise", "float", datasets.NOISE, RESET),
    ("data_seed", "int", 0, RESET),
    ("points", "tuple | None", None, RESET),
)
# … and the stack, the view and the recording, after them.
RUN_FIELDS = (
    ("seed", "int", 0, RESET),
    ("seeds", "int", 8, RESET),
    ("selected", "int", 0, VIEW),
    ("grid", "int", 64, VIEW),
    ("log_every", "int", 40, CARRY),
    ("stop", "bool", True, VIEW),  # stop when every seed is at 100 %
)
PAGE_FIELDS = DATA_FIELDS + RUN_FIELDS
TAGS = {**{k: CONFIG_TAGS[k] for k in CONFIG_FIELDS}, **{f[0]: f[3] for f in PAGE_FIELDS}}


def _config_field(name: str) -> tuple[str, str, object]:
    default = getattr(DEFAULT, name)
    if isinstance(default, dict):
        return name, "dict", field(default_factory=lambda: dict(default))
    return name, next(f.type for f in fields(Config) if f.name == name), field(default=default)


class _StateMethods:
    """``State``'s methods; its fields are ``PAGE_FIELDS`` and ``CONFIG_FIELDS``."""

    def config(self) -> Config:
        """The ``Config`` of one model of the stack (float64 MLP)."""
        values = {k: getattr(self, k) for k in CONFIG_FIELDS}
        return Config(**{**values, "optimizer_args": dict(self.optimizer_args)})

    def dataset(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X (n, 2), y (n, 1))``: the points, or the named set drawn with ``data_seed``."""
        if self.data == "points":
            return datasets.points(list(self.points or ()), limits.PAGE_POINTS)
        return datasets.load(self.data, self.data_seed, n=self.n, noise=self.noise)

    def parts(self) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """``(X, y, test)``: the training points and the held-out ``(X_test, y_test)``
        (None without ``test_fraction``), split as ``backprop train`` splits them
        (``lab.data.split`` with ``np.random.default_rng(data_seed)``)."""
        X, y = self.dataset()
        if not self.test_fraction:
            return X, y, None
        rng = np.random.default_rng(self.data_seed)
        X, y, X_test, y_test = datasets.split(X, y, self.test_fraction, rng)
        return X, y, (X_test, y_test)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        d["points"] = None if self.points is None else [list(p) for p in self.points]
        d["optimizer_args"] = {
            k: list(v) if isinstance(v, tuple) else v for k, v in self.optimizer_args.items()
        }
        return d

    @classmethod
    def from_dict(cls, d: object, base: State | None = None) -> State:
        """``d`` over ``base`` (default: ``State()``), checked; ``ValueError`` or
        ``TypeError`` with one line naming the field otherwise."""
        if not isinstance(d, dict):
            raise TypeError(f"state must be a JSON object, got {type(d).__name__}")
        names = [f.name for f in fields(cls)]
        for key in d:  # keys starting with _ are the page's own and pass
            if key not in names and not str(key).startswith("_"):
                raise ValueError(unknown(key, names, "state"))
        given = {k: v for k, v in d.items() if k in names}
        return _checked(replace(base or cls(), **given))

    def changes(self, new: State) -> str:
        """``"same"``, ``"view"``, ``"carry"`` (lr, hyperparameters: training carries on)
        or ``"reset"`` (anything else: a new run), from ``TAGS``."""
        diff = {f.name for f in fields(self) if getattr(self, f.name) != getattr(new, f.name)}
        if not diff:
            return "same"
        kinds = {TAGS[k] for k in diff}
        if "epochs" in diff and self.schedule != "constant":
            kinds.add(RESET)
        if RESET in kinds:
            return "reset"
        if "optimizer_args" in diff and _switches(self) != _switches(new):
            return "reset"  # a buffer the optimizer keeps only when an option is on
        return "carry" if CARRY in kinds else "view"


State = make_dataclass(
    "State",
    [(name, kind, field(default=default)) for name, kind, default, _ in DATA_FIELDS]
    + [_config_field(name) for name in CONFIG_FIELDS]
    + [(name, kind, field(default=default)) for name, kind, default, _ in RUN_FIELDS],
    bases=(_StateMethods,),
    frozen=True,
)
State.__module__ = __name__
State.__doc__ = """A run as the page sets it: the data, ``Config``'s fields (``CONFIG_FIELDS``,
defaults ``DEFAULT``'s), ``seeds`` models ``seed, seed + 1, …`` trained as one stack, the
``selected`` one shown."""


def _switches(state: State) -> dict[str, bool]:
    """Which of the optimizer's options are on (non-zero): turning one on or off changes
    what state the optimizer keeps, so it starts a new run."""
    args = {**option_defaults(state.optimizer), **state.optimizer_args}
    return {k: bool(np.any(v)) for k, v in args.items()}


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r}")
    return value


def _checked(s: State) -> State:
    """Every field of ``s`` within the page's limits and valid as a ``Config``."""
    r = limits.check_range
    sets = (*datasets.SETS, "points")
    if _text("data", s.data) not in sets:
        raise ValueError(f"unknown data {s.data!r}; choose one of {', '.join(sets)}")
    for name in (f.name for f in fields(s) if f.type == "bool"):
        if not isinstance(getattr(s, name), bool):
            raise TypeError(f"{name} must be true or false, got {getattr(s, name)!r}")
    for name in CHOICES:
        _text(name, getattr(s, name))
    if not isinstance(s.optimizer_args, dict):
        raise TypeError(f"optimizer_args must be an object, got {s.optimizer_args!r}")
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in s.optimizer_args.items()}
    seeds = r("seeds", s.seeds, 1, limits.PAGE_SEEDS, whole=True)
    points = None
    if s.data == "points" or s.points is not None:
        if not isinstance(s.points, list | tuple):
            raise TypeError("points must be a list of [x1, x2, label] (data 'points')")
        X, y = datasets.points(list(s.points), limits.PAGE_POINTS)
        if np.abs(X).max() > limits.PAGE_COORDINATE:
            raise ValueError(f"points must lie within ±{limits.PAGE_COORDINATE:g} on both axes")
        if why := datasets.one_class(y):  # backprop train --data points.csv refuses it too
            raise ValueError(f"points: {why}")
        points = tuple(map(tuple, np.hstack([X, y]).tolist()))
    s = replace(
        s,
        n=r("n", s.n, MIN_POINTS, limits.PAGE_POINTS, whole=True),
        noise=float(r("noise", s.noise, 0, 1)),
        data_seed=r("data_seed", s.data_seed, 0, SEED_END - 1, whole=True),
        points=points,
        hidden=limits.check_hidden(s.hidden, limits.PAGE_UNITS),
        features=check_features(s.features),
        l1=float(r("l1", s.l1, 0, limits.MAX_PENALTY)),
        l2=float(r("l2", s.l2, 0, limits.MAX_PENALTY)),
        batch_size=None
        if s.batch_size is None
        else r("batch_size", s.batch_size, 1, INF, whole=True),
        test_fraction=limits.check_test_fraction(s.test_fraction),
        lr=float(r("lr", s.lr, *limits.PAGE_LR)),
        optimizer_args=args,
        epochs=limits.check_epochs(s.epochs),
        seed=r("seed", s.seed, 0, SEED_END - seeds, whole=True),
        seeds=seeds,
        selected=r("selected", s.selected, 0, seeds - 1, whole=True),
        grid=r("grid", s.grid, *limits.PAGE_GRID, whole=True),
        log_every=limits.check_epochs(s.log_every, "log_every"),
    )
    config = s.config().validate()
    limits.check_run(config, models=seeds, samples=len(s.parts()[0]))
    return s


# The page's two presets: Config's fields only (data and seeds stay).
PRESETS = {
    name: {k: getattr(c, k) for k in CONFIG_FIELDS}
    for name, c in (("default", DEFAULT), ("handout", HANDOUT))
}


def unknown(key: object, known: list[str], where: str) -> str:
    """``unknown key 'lrr' in state; did you mean 'lr'?`` (or the keys it takes)."""
    near = difflib.get_close_matches(str(key), known, n=1)
    hint = f"did you mean {near[0]!r}?" if near else f"it takes {', '.join(known)}"
    return f"unknown key {str(key)[:40]!r} in {where}; {hint}"
