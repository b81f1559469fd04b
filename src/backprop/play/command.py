"""The ``backprop train …`` line that reproduces the selected model of a page's run."""

from __future__ import annotations

import shlex

from ..lab.config import DEFAULT
from ..lab.data import GENERATORS, to_csv
from .state import State

CSV_NAME = "points.csv"


def _value(v: object) -> str:
    return repr(float(v)) if isinstance(v, float) else str(v)


def command(state: State, epoch: int, changed_at: int | None = None) -> dict:
    """``{"command", "exact", "note", "csv"}`` for ``state``'s selected model after
    ``epoch`` epochs (the whole budget if none yet).

    ``backprop train`` builds model ``seed + selected`` from that seed's generator,
    as the page's stack does, on the same data and settings, so after the same
    epochs its parameters are the page's. It is not exact when the rate or a
    hyperparameter changed at epoch ``changed_at`` (the line uses the current values
    throughout), or mid-way through a cosine schedule (whose length is the budget).
    """
    s = state
    data = CSV_NAME if s.data == "points" else s.data
    line = ["backprop", "train", "--data", data]
    if s.data in ("linear", *GENERATORS):
        line += ["--n-points", str(s.n)]
    if s.data in GENERATORS:
        line += ["--noise", _value(s.noise)]
    line += ["--seed", str(s.seed + s.selected), "--data-seed", str(s.data_seed)]
    line += ["--hidden", *map(str, s.hidden)]
    for name in ("activation", "output", "loss", "init", "optimizer"):
        line += ["--" + name, getattr(s, name)]
    if s.features != DEFAULT.features:
        line += ["--features", *s.features]
    line += ["--bias" if s.bias else "--no-bias"]
    line += ["--normalize" if s.normalize else "--no-normalize"]
    line += ["--lr", _value(s.lr)]
    for k, v in s.optimizer_args.items():
        flag = "--" + k.replace("_", "-")
        if isinstance(v, bool):
            line += [flag] if v else []
        else:
            line += [flag, *map(_value, v if isinstance(v, tuple | list) else [v])]
    line += ["--schedule", s.schedule, "--epochs", str(epoch or s.epochs)]
    if s.schedule == "cosine" and 0 < epoch < s.epochs:
        line += ["--schedule-epochs", str(s.epochs)]
    for name in ("test_fraction", "batch_size", "l1", "l2"):
        if getattr(s, name):
            line += ["--" + name.replace("_", "-"), _value(getattr(s, name))]
    line += ["--log-every", str(s.log_every)]
    notes = []
    if changed_at:
        notes.append(
            f"the rate or a hyperparameter changed at epoch {changed_at}; "
            "this line uses the current values from epoch 1"
        )
    csv = None
    if s.data == "points":
        X, y = s.dataset()
        csv = to_csv(X, y)
    return {"command": shlex.join(line), "exact": not notes, "note": "; ".join(notes), "csv": csv}
