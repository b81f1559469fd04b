"""backprop play's API at the edges mutation testing found untested, called in-process
(no HTTP): what options lists, the downloads' types, the CSV endpoint's refusals, and
how a session takes a new state (budget, stop at 100 %, a new rate mid-cosine)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from backprop.nn.activations import ACTIVATIONS
from backprop.nn.init import INITS
from backprop.nn.losses import LOSSES
from backprop.optim import DEFAULT_LR, OPTIMIZERS, option_defaults
from backprop.optim.lr_scheduler import SCHEDULES
from backprop.play.api import Api, options


def test_options_list_every_choice_and_each_optimizers_rate():
    o = options()
    assert o["activations"] == list(ACTIVATIONS) and o["inits"] == list(INITS)
    assert o["schedules"] == list(SCHEDULES) and o["losses"] == list(LOSSES)
    for name in OPTIMIZERS:
        want = {k: list(v) if isinstance(v, tuple) else v for k, v in option_defaults(name).items()}
        assert o["optimizers"][name] == {"lr": DEFAULT_LR[name], "args": want}


def _session(**state):
    api = Api()
    return api, api.reset({"state": state})["id"]


def _step(api, sid, n: int, **state) -> dict:
    body = {"id": sid, "epochs": n, **({"state": state} if state else {})}
    return api.step(body)["frame"]


def test_downloads_have_their_types_and_the_history_its_config():
    api, sid = _session(seeds=2)
    _step(api, sid, 3)
    assert api.download("model.npz", sid)[1] == "application/octet-stream"
    body, ctype = api.download("history.json", sid)
    assert ctype == "application/json"
    history = json.loads(body)
    state = json.loads(json.dumps(api.step({"id": sid})["state"]))  # as the page reads it
    assert history["config"] == state and history["epoch"] == 3
    assert api.download("points.csv", sid)[1] == "text/csv; charset=utf-8"


def test_csv_takes_text_of_at_most_the_page_points():
    api = Api()
    with pytest.raises(TypeError, match="^csv must be a string \\(the file's text\\), got number$"):
        api.handle("csv", b'{"csv": 5}')
    rows = "".join(f"0.{i % 10},0.5,{i % 2}\n" for i in range(2001))
    with pytest.raises(ValueError, match="more than 2,000 points"):
        api.csv({"csv": rows})
    assert len(api.csv({"csv": rows.split("\n", 1)[1]})["points"]) == 2000


def test_a_spent_budget_stays_spent_until_it_grows():
    """Constant schedule, stop at 100 % off: at the budget the run stops, a view change
    does not restart it, a larger budget trains on (and the frame says it is not done)."""
    api, sid = _session(schedule="constant", epochs=20, stop=False, seeds=2)
    frame = _step(api, sid, 50)
    assert (frame["epoch"], frame["done"], frame["reason"]) == (20, True, "epochs")
    frame = _step(api, sid, 5, grid=32)
    assert (frame["epoch"], frame["done"]) == (20, True)
    frame = _step(api, sid, 5, epochs=40)
    assert (frame["epoch"], frame["done"], frame["reason"]) == (25, False, None)
    assert api.command({"id": sid})["exact"]  # a new budget alone keeps the line exact
    _step(api, sid, 0, lr=0.05)
    line = api.command({"id": sid})
    assert not line["exact"] and "changed at epoch 25" in line["note"]


def test_a_run_stopped_at_100_percent_stays_stopped():
    api, sid = _session(schedule="constant", epochs=2000, data="linear", seeds=2)
    frame = _step(api, sid, 1000)
    assert frame["reason"] == "100 %" and 0 < frame["epoch"] < 2000
    assert _step(api, sid, 50, grid=32)["epoch"] == frame["epoch"]
    assert _step(api, sid, 5, stop=False)["epoch"] == frame["epoch"] + 5


def test_a_new_rate_mid_cosine_rescales_the_schedule():
    api, sid = _session(seeds=2)
    _step(api, sid, 10)
    frame = _step(api, sid, 10, lr=0.05)
    assert frame["epoch"] == 20
    assert api.command({"id": sid})["command"].count("--lr 0.05") == 1


def test_the_dropped_ids_remembered_are_the_latest(monkeypatch):
    """Over ``DROPPED`` dropped sessions, the oldest ids are forgotten (404) and the
    latest still told apart (410: dropped for memory)."""
    from backprop.play import api as api_module

    monkeypatch.setattr(api_module, "SESSION_BYTES", 1)  # each new session drops the others
    monkeypatch.setattr(api_module, "DROPPED", 2)
    api = Api()
    ids = [api.reset({"state": {"seeds": 1}})["id"] for _ in range(4)]
    statuses = []
    for sid in ids[:3]:
        with pytest.raises(api_module.ApiError) as e:
            api.step({"id": sid, "epochs": 1})
        statuses.append(e.value.status)
    assert statuses == [404, 410, 410]


def test_a_frame_is_not_a_reset_unless_asked():
    api, sid = _session(seeds=1)
    frame = api.sessions[sid].frame()
    assert frame["reset"] is False and "points" not in frame


def test_the_plane_and_its_lattice():
    """The plane holds [0, 1]² and every point, grown by a tenth of each side's length;
    the lattice's pixel centres go row by row from the top-left corner."""
    from backprop.play.session import lattice, plane

    assert plane(np.array([[0.0, 0.0], [3.0, 0.5]])) == pytest.approx((-0.3, 3.3, -0.1, 1.1))
    assert lattice((0.0, 1.0, 1.0, 3.0), 2).tolist() == [
        [0.25, 2.5],
        [0.75, 2.5],
        [0.25, 1.5],
        [0.75, 1.5],
    ]


def test_an_epoch_costs_the_test_points_forward_too():
    from backprop.play.session import cost
    from backprop.play.state import State

    split = State.from_dict({"data": "circle", "n": 40, "test_fraction": 0.25})
    X, _, test = split.parts()
    assert (len(X), len(test[1])) == (30, 10) and cost(split, X, test).points == 40
    assert cost(split, X, test).fixed > 0  # and its pass's overhead
    whole = State.from_dict({"data": "circle", "n": 40})
    X, _, test = whole.parts()
    assert test is None and cost(whole, X, test).points == 40 and cost(whole, X, test).fixed == 0


def test_the_first_loss_row_includes_the_penalty():
    """Epoch 0's loss is the data's plus λ‖W‖², as every later row (same seeds, same
    initial weights with and without the penalty)."""
    plain = Api().reset({"state": {"seeds": 2}})["frame"]["loss"]
    l2 = Api().reset({"state": {"seeds": 2, "l2": 0.1}})["frame"]["loss"]
    assert all(b > a for a, b in zip(plain, l2))


def test_a_constant_hidden_unit_is_drawn_at_the_bottom_of_its_scale():
    """A unit that is the same everywhere (relu, weights and bias 0) has no range of its
    own: its thumbnail is all 0 (lo), never 0/0."""
    import base64
    import warnings

    api, sid = _session(seeds=1, activation="relu", hidden=[3])
    session = api.sessions[sid]
    first = session.linears[0]
    first.weight.data[...] = 0.0
    first.bias.data[...] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        units = session.frame()["units"]
    data = base64.b64decode(units[0]["data"])
    assert units[0]["lo"] == 0.0 and units[0]["hi"] == 1.0 and set(data) == {0}


@pytest.mark.parametrize(
    "state, words",
    [
        ({"data_seed": 2**32}, "data_seed must be between 0 and 4,294,967,295, got 4,294,967,296"),
        ({"log_every": -1}, "log_every must be between 1 and 1,000,000, got -1"),
        ({"data": 5}, "data must be a string, got 5"),
        ([1], "state must be a JSON object, got list"),
    ],
)
def test_a_state_field_out_of_its_range_or_type_is_refused_by_name(state, words):
    from backprop.play.state import State

    with pytest.raises((TypeError, ValueError), match=f"^{re.escape(words)}$"):
        State.from_dict(state)
    if isinstance(state, dict) and "data_seed" in state:
        assert State.from_dict({"data_seed": 2**32 - 1}).data_seed == 2**32 - 1  # the last


def test_a_number_too_long_to_read_is_refused_in_words():
    from backprop.play.api import ApiError, parse

    with pytest.raises(ApiError, match="^the request body holds a number too long to read$"):
        parse(b'{"epochs": ' + b"9" * 5000 + b"}")


def test_drawn_points_survive_to_dict():
    from backprop.play.state import State

    points = [[0.1, 0.2, 0], [0.8, 0.9, 1], [0.2, 0.1, 0], [0.9, 0.8, 1]]
    state = State.from_dict({"data": "points", "points": points})
    assert state.to_dict()["points"] == points
    assert State.from_dict(state.to_dict()) == state


def test_an_epoch_that_costs_exactly_a_frame_is_accepted(monkeypatch):
    from backprop.play import session
    from backprop.play.state import State

    state = State.from_dict({"data": "circle", "n": 200, "seeds": 4})
    X, _, test = state.parts()
    monkeypatch.setattr(session, "TRAIN_WORK", session.cost(state, X, test).epoch(4))
    session.check_cost(state)  # at the budget: accepted
    monkeypatch.setattr(session, "TRAIN_WORK", session.TRAIN_WORK - 1)
    with pytest.raises(ValueError, match="more than a frame of the page trains"):
        session.check_cost(state)
