"""backprop play's HTTP API, through http.client against a server on port 0 in a thread:
every endpoint, each refusal, divergence, a dropped connection, shutdown; and the copy
command's ``backprop train`` line against the page's run, to 1e-12."""

from __future__ import annotations

import base64
import http.client
import io
import json
import re
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from backprop.cli import main
from backprop.lab.config import load_model
from backprop.lab.data import from_csv, load, to_csv
from backprop.play import make_server

CONSTANT = {"schedule": "constant", "seeds": 4}


@pytest.fixture(scope="module")
def server(serving):
    with serving() as srv:
        yield srv


def request(srv, method, path, body=None, headers=None, raw=None):
    """``(status, headers, body bytes)``; ``body`` is sent as JSON, ``raw`` as is."""
    port = srv.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = {"Host": f"127.0.0.1:{port}"}
    if body is not None:
        raw = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    conn.request(method, path, raw, h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), data


def api(srv, path, body, status=200):
    code, _, data = request(srv, "POST", path, body)
    reply = json.loads(data)
    assert code == status, reply
    return reply


def error(srv, path, body=None, status=400, **kw):
    code, headers, data = request(
        srv, "POST" if body is not None or "raw" in kw else "GET", path, body, **kw
    )
    assert code == status, data
    assert headers["Content-Type"] == "application/json"
    reply = json.loads(data)
    assert list(reply) == ["error"] or "diverged" in reply
    assert "\n" not in reply["error"] and reply["error"]
    return reply["error"]


def reset(srv, **state):
    return api(srv, "/api/reset", {"state": state})


def pixels(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), np.uint8)


def test_static_files_and_options(server):
    code, headers, page = request(server, "GET", "/")
    assert code == 200 and headers["Content-Type"].startswith("text/html")
    assert page == (Path(__file__).parents[1] / "src/backprop/play/static/index.html").read_bytes()
    code, headers, _ = request(server, "GET", "/app.js")
    assert code == 200 and headers["Content-Type"].startswith("text/javascript")
    code, _, data = request(server, "GET", "/api/options")
    opts = json.loads(data)
    assert code == 200 and opts["limits"]["seeds"] == 32 and opts["limits"]["layers"] == 6
    assert opts["datasets"] == ["linear", "xor", "circle", "gaussians", "spiral", "points"]
    assert opts["optimizers"]["adam"]["args"]["betas"] == [0.9, 0.999]
    assert opts["presets"]["handout"]["activation"] == "sigmoid"
    assert opts["state"]["hidden"] == [16, 16]


def test_options_send_every_limit_and_the_loss_output_rule(server):
    """The page keeps no copy of a limit or rule: each one it uses comes from here, and
    each is the value the server checks with."""
    from backprop import limits
    from backprop.lab.config import DEFAULT
    from backprop.nn.activations import ACTIVATIONS
    from backprop.nn.losses import LOSSES

    opts = json.loads(request(server, "GET", "/api/options")[2])
    assert opts["limits"] == {
        "points": limits.PAGE_POINTS,
        "points_min": 2,
        "layers": limits.MAX_LAYERS,
        "units": limits.PAGE_UNITS,
        "seeds": limits.PAGE_SEEDS,
        "grid_min": limits.PAGE_GRID[0],
        "grid_max": limits.PAGE_GRID[1],
        "step_epochs": limits.PAGE_STEP_EPOCHS,
        "epochs": limits.MAX_EPOCHS,
        "coordinate": limits.PAGE_COORDINATE,
        "lr": list(limits.PAGE_LR),
        "body_bytes": 256 * 1024,
        "seed_end": 2**32,
    }
    lim = opts["limits"]
    assert reset(server, n=lim["points_min"])["state"]["n"] == lim["points_min"]
    assert "n must be between" in error(
        server, "/api/reset", {"state": {"n": lim["points_min"] - 1}}
    )
    top = lim["seed_end"] - 4
    assert reset(server, seeds=4, seed=top, data_seed=lim["seed_end"] - 1)["state"]["seed"] == top
    assert "seed must be" in error(server, "/api/reset", {"state": {"seeds": 4, "seed": top + 1}})
    # the loss/output rule: exactly the pairs Config.validate accepts
    rule = opts["loss_output"]
    assert rule == {"mse": None, "bce": "sigmoid", "bce-logits": "identity"}
    assert list(rule) == opts["losses"] == list(LOSSES)
    for loss in LOSSES:
        for output in ACTIVATIONS:
            config = DEFAULT.replace(loss=loss, output=output)
            if rule[loss] in (None, output):
                config.validate()
            else:
                with pytest.raises(ValueError, match="output"):
                    config.validate()


def test_state_declares_configs_fields_once():
    """State's Config fields, defaults and tags come from Config; the page's own fields
    and the URL's keys stay as they were."""
    from dataclasses import fields

    from backprop.lab.config import DEFAULT, HANDOUT, Config
    from backprop.play.state import CONFIG_FIELDS, CONFIG_TAGS, PAGE_FIELDS, PRESETS, State

    assert list(CONFIG_TAGS) == [f.name for f in fields(Config)]
    assert set(CONFIG_FIELDS) == set(CONFIG_TAGS) - {"model", "dtype"}
    state = State()
    for name in CONFIG_FIELDS:
        assert getattr(state, name) == getattr(DEFAULT, name), name
    assert state.config() == DEFAULT
    assert state.optimizer_args is not State().optimizer_args  # not one shared dict
    assert PRESETS["handout"] == {k: getattr(HANDOUT, k) for k in CONFIG_FIELDS}
    page = [f[0] for f in PAGE_FIELDS]
    assert sorted(state.to_dict()) == sorted([*page, *CONFIG_FIELDS])
    # the URL hash's keys, as docs/playground.md lists them
    docs = (Path(__file__).parents[1] / "docs/playground.md").read_text()
    listed = docs.split("**The state**")[1].split("(`play/state.py`)")[0]
    assert sorted(state.to_dict()) == sorted(re.findall(r"`(\w+)`", listed))


@pytest.mark.parametrize(
    "base, change, kind",
    [
        ({}, {}, "same"),
        ({}, {"lr": 0.05}, "carry"),
        ({}, {"optimizer_args": {"betas": [0.8, 0.99]}}, "carry"),
        ({"optimizer": "sgd"}, {"optimizer_args": {"momentum": 0.9}}, "reset"),
        ({}, {"log_every": 10}, "carry"),
        ({}, {"epochs": 500}, "reset"),  # a cosine schedule is planned over its epochs
        ({"schedule": "constant"}, {"epochs": 500}, "carry"),
        ({}, {"hidden": [3]}, "reset"),
        ({}, {"loss": "mse"}, "reset"),
        ({}, {"seed": 1}, "reset"),
        ({}, {"noise": 0.2}, "reset"),
        ({}, {"grid": 32}, "view"),
        ({}, {"selected": 1}, "view"),
        ({}, {"stop": False}, "view"),
        ({}, {"grid": 32, "lr": 0.05}, "carry"),
        ({}, {"grid": 32, "bias": False}, "reset"),
        ({}, {"l1": 0.001}, "carry"),
        ({}, {"l2": 0.01}, "carry"),
        ({}, {"batch_size": 10}, "carry"),
        ({}, {"features": ["x1", "x2", "x1x2"]}, "reset"),
        ({}, {"features": ["x1", "x2"]}, "same"),  # JSON's list is the default tuple
        ({}, {"test_fraction": 0.3}, "reset"),
    ],
)
def test_state_changes_follow_the_tags(base, change, kind):
    from backprop.play.state import State

    old = State.from_dict(base)
    assert old.changes(State.from_dict(change, old)) == kind


def test_a_carried_penalty_and_batch_size_reach_the_next_epochs():
    from backprop.play.session import Session
    from backprop.play.state import State

    session = Session(State.from_dict({"seeds": 2}))
    session.apply(State.from_dict({"l2": 0.5, "batch_size": 5}, session.state))
    assert (session.run.config.l2, session.run.config.batch_size) == (0.5, 5)
    session.step(2)
    assert session.epoch == 2


def test_reset_frame_has_every_view(server):
    reply = reset(server, seeds=3, grid=32, hidden=[5, 4, 3])
    frame = reply["frame"]
    assert frame["epoch"] == 0 and frame["reset"] and len(frame["points"]) == 21
    assert pixels(frame["prob"]).size == pixels(frame["agree"]).size == 32 * 32
    # the agreement is a share of 3 seeds: 0, 1/3, 2/3 or 1 (×255, rounded)
    assert set(pixels(frame["agree"])) <= {0, 85, 170, 255}
    assert [(u["size"], pixels(u["data"]).size) for u in frame["units"]] == [
        (n, n * u["thumb"] ** 2) for n, u in zip((5, 4, 3), frame["units"])
    ]
    shapes = [(len(w["w"]), len(w["w"][0]), len(w["b"])) for w in frame["weights"]]
    assert shapes == [(2, 5, 5), (5, 4, 4), (4, 3, 3), (3, 1, 1)]
    assert len(frame["loss"]) == len(frame["accuracy"]) == 3
    assert np.shape(frame["grad_norm"]) == (4, 3) and np.all(np.array(frame["grad_norm"]) > 0)
    x0, x1, y0, y1 = frame["extent"]
    assert x0 < 0 < 1 < x1 and y0 < 0 < 1 < y1


def test_same_seed_same_initial_weights(server):
    a = reset(server, seed=7)["frame"]["weights"]
    b = reset(server, seed=7)["frame"]["weights"]
    c = reset(server, seed=8)["frame"]["weights"]
    assert a == b and a != c


def test_step_trains_and_prints_the_handouts_lines(server):
    reply = reset(server, **CONSTANT, log_every=5)
    sid = reply["id"]
    frame = api(server, "/api/step", {"id": sid, "epochs": 10})["frame"]
    assert frame["epoch"] == 10 and not frame["reset"]
    assert [line.split(" loss : ")[0] for line in frame["log"]] == ["epoch 5", "epoch 10"]
    assert float(frame["log"][-1].split(" : ")[1]) > 0
    lines = api(server, "/api/evaluate", {"id": sid})["lines"]
    assert len(lines) == 22 and lines[0].startswith("Iter0\tGround truth: 0.0\tprediction: ")
    assert lines[-1].startswith("loss=") and lines[-1].endswith("%")


def test_the_run_stops_at_100_percent(server):
    sid = reset(server)["id"]
    for _ in range(100):
        frame = api(server, "/api/step", {"id": sid, "epochs": 10})["frame"]
        if frame["done"]:
            break
    assert frame["reason"] == "100 %" and frame["accuracy"] == [1.0] * 8
    again = api(server, "/api/step", {"id": sid, "epochs": 10})["frame"]
    assert again["epoch"] == frame["epoch"] and again["done"]


def test_a_new_rate_carries_on_and_a_new_layer_resets(server):
    sid = reset(server, **CONSTANT)["id"]
    api(server, "/api/step", {"id": sid, "epochs": 5})
    state = {**CONSTANT, "lr": 0.03, "optimizer_args": {"betas": [0.8, 0.99]}}
    reply = api(server, "/api/step", {"id": sid, "epochs": 5, "state": state})
    assert reply["frame"]["epoch"] == 10 and not reply["frame"]["reset"]
    assert reply["frame"]["lr"] == 0.03
    # the same run by hand: 5 epochs, then the optimizer's lr and betas changed, 5 more
    from backprop.lab.config import build, seed_rngs
    from backprop.play.state import State

    s = State.from_dict(CONSTANT)
    run = build(s.config(), models=4, rng=seed_rngs(range(4)))
    X, y = load("xor")
    run.epochs = 5
    run.fit(X, y)
    run.optimizer.lr, run.optimizer.betas = 0.03, (0.8, 0.99)
    run.fit(X, y)
    w = np.array(reply["frame"]["weights"][0]["w"])
    np.testing.assert_allclose(w, run.model.modules[1].weight.data[0], rtol=1e-3)
    command = api(server, "/api/command", {"id": sid})
    assert not command["exact"] and "changed at epoch 5" in command["note"]
    reply = api(server, "/api/step", {"id": sid, "epochs": 0, "state": {**state, "hidden": [3]}})
    assert reply["frame"]["reset"] and reply["frame"]["epoch"] == 0
    view = api(
        server,
        "/api/step",
        {"id": sid, "epochs": 0, "state": {**state, "hidden": [3], "selected": 2}},
    )
    assert not view["frame"]["reset"] and view["frame"]["weights"] != reply["frame"]["weights"]


@pytest.mark.parametrize(
    "state, epochs",
    [
        ({**CONSTANT, "selected": 2, "seed": 10}, 30),
        (
            {
                "data": "spiral",
                "n": 40,
                "noise": 0.3,
                "data_seed": 5,
                "hidden": [6, 5, 4],
                "activation": "sigmoid",
                "bias": False,
                "normalize": False,
                "optimizer": "momentum",
                "lr": 0.5,
                "optimizer_args": {"dampening": 0.1},
                "schedule": "constant",
                "seeds": 3,
                "selected": 1,
                "init": "xavier_uniform",
            },
            25,
        ),
        ({"data": "linear", "n": 30, "data_seed": 3, "seeds": 2, "selected": 1, "epochs": 20}, 20),
        (  # the test split, mini-batches, both penalties, input features
            {
                "data": "circle",
                "n": 40,
                "noise": 0.2,
                "data_seed": 4,
                "test_fraction": 0.25,
                "batch_size": 7,
                "l1": 0.001,
                "l2": 0.01,
                "features": ["x1", "x2", "x1x2", "sinx1"],
                "seeds": 3,
                "selected": 2,
                "epochs": 50,
            },
            12,
        ),
        (
            {
                "loss": "bce-logits",
                "output": "identity",
                "optimizer": "adam",
                "optimizer_args": {"amsgrad": True, "betas": [0.8, 0.9]},
                "schedule": "constant",
                "activation": "relu",
                "seeds": 2,
            },
            15,
        ),
    ],
)
def test_copy_command_reproduces_the_pages_run(server, tmp_path, monkeypatch, state, epochs):
    sid = reset(server, **state)["id"]
    frame = api(server, "/api/step", {"id": sid, "epochs": epochs})["frame"]
    assert frame["epoch"] == epochs
    reply = api(server, "/api/command", {"id": sid})
    assert reply["exact"] and reply["csv"] is None, reply
    argv = shlex.split(reply["command"])
    assert argv[:2] == ["backprop", "train"]
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert main([*argv[1:], "--out", str(tmp_path)]) == 0
    cli_model, _ = load_model(tmp_path / "model.npz")
    _, _, npz = request(server, "GET", f"/api/model.npz?id={sid}")
    (tmp_path / "page.npz").write_bytes(npz)
    page_model, config = load_model(tmp_path / "page.npz")
    cli_state, page_state = cli_model.state_dict(), page_model.state_dict()
    assert cli_state.keys() == page_state.keys()
    for k in cli_state:
        np.testing.assert_allclose(page_state[k], cli_state[k], rtol=0, atol=1e-12)
    assert config.hidden == tuple(state.get("hidden", (16, 16)))


def test_copy_command_for_drawn_points_carries_the_csv(server, tmp_path, monkeypatch):
    points = [[0.1, 0.2, 0], [0.9, 0.8, 1], [0.2, 0.9, 1], [0.7, 0.1, 0], [0.5, 0.55, 1]]
    sid = reset(server, data="points", points=points, schedule="constant", seeds=2)["id"]
    api(server, "/api/step", {"id": sid, "epochs": 12})
    reply = api(server, "/api/command", {"id": sid})
    assert "--data points.csv" in reply["command"]
    assert from_csv(reply["csv"])[0].tolist() == [p[:2] for p in points]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "points.csv").write_text(reply["csv"])
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert main([*shlex.split(reply["command"])[1:], "--out", "out"]) == 0
    cli_model, _ = load_model(tmp_path / "out/model.npz")
    _, _, npz = request(server, "GET", f"/api/model.npz?id={sid}")
    (tmp_path / "page.npz").write_bytes(npz)
    for k, v in load_model(tmp_path / "page.npz")[0].state_dict().items():
        np.testing.assert_allclose(v, cli_model.state_dict()[k], rtol=0, atol=1e-12)


def _same_as_cli(server, sid, tmp_path, monkeypatch, command):
    """Run ``command`` in-process; its model.npz equals the page's to 1e-12."""
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert main([*shlex.split(command)[1:], "--out", str(tmp_path / "cli")]) == 0
    cli = load_model(tmp_path / "cli/model.npz")[0].state_dict()
    _, _, npz = request(server, "GET", f"/api/model.npz?id={sid}")
    (tmp_path / "page.npz").write_bytes(npz)
    page = load_model(tmp_path / "page.npz")[0].state_dict()
    assert cli.keys() == page.keys()
    for k in cli:
        np.testing.assert_allclose(page[k], cli[k], rtol=0, atol=1e-12)


def test_the_default_cosine_stopped_at_100_is_reproduced(server, tmp_path, monkeypatch):
    """The page's default: cosine over 400 epochs, stopped when every seed is at 100 %."""
    sid = reset(server, seeds=2, selected=1)["id"]
    frame = {"done": False}
    while not frame["done"]:
        frame = api(server, "/api/step", {"id": sid, "epochs": 7})["frame"]
    assert frame["reason"] == "100 %" and 0 < frame["epoch"] < 400
    reply = api(server, "/api/command", {"id": sid})
    assert reply["exact"] and reply["note"] == "", reply
    assert f"--epochs {frame['epoch']} --schedule-epochs 400" in reply["command"]
    _same_as_cli(server, sid, tmp_path, monkeypatch, reply["command"])


def test_schedule_epochs_needs_the_cosine(tmp_path, capsys):
    argv = ["train", "--schedule", "constant", "--schedule-epochs", "9", "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "--schedule-epochs needs --schedule cosine" in capsys.readouterr().err


def test_downloads_and_csv(server):
    sid = reset(server, data="circle", n=30, seeds=2)["id"]
    api(server, "/api/step", {"id": sid, "epochs": 3})
    code, headers, data = request(server, "GET", f"/api/history.json?id={sid}")
    history = json.loads(data)
    assert code == 200 and "attachment" in headers["Content-Disposition"]
    assert history["epochs"] == [0, 3] and np.shape(history["loss"]) == (2, 2)
    code, _, data = request(server, "GET", f"/api/points.csv?id={sid}")
    X, y = from_csv(data.decode())
    np.testing.assert_array_equal(X, load("circle", 0, n=30)[0])
    reply = api(server, "/api/csv", {"csv": to_csv(X, y)})
    assert np.array(reply["points"])[:, :2].tolist() == X.tolist()
    assert "CSV: line 2: 1,x,0" in error(server, "/api/csv", {"csv": "0,0,1\n1,x,0\n"})
    assert error(server, "/api/model.npz?id=nope", status=404) == "unknown session; press Reset"


def test_divergence_names_the_rate_and_the_server_goes_on(server):
    sid = reset(
        server, output="identity", loss="mse", optimizer="sgd", lr=100.0, schedule="constant"
    )["id"]
    message = error(server, "/api/step", {"id": sid, "epochs": 200}, status=422)
    assert "learning rate (lr=100)" in message  # as the page shows it, not 100.0
    assert "lr=100)" in error(server, "/api/step", {"id": sid, "epochs": 1}, status=422)
    assert reset(server)["frame"]["epoch"] == 0


def test_divergence_gives_the_epoch_from_the_runs_start(server):
    """One epoch a request: the message counts from epoch 0 of the run, not the request."""
    state = {"output": "identity", "loss": "mse", "optimizer": "sgd", "lr": 50.0}
    sid = reset(server, **state, schedule="constant", seeds=1)["id"]
    trained = 0
    for _ in range(200):
        code, _, data = request(server, "POST", "/api/step", {"id": sid, "epochs": 1})
        if code != 200:
            break
        trained = json.loads(data)["frame"]["epoch"]
    reply = json.loads(data)
    assert code == 422 and trained > 1 and reply["diverged"] is True, reply
    assert f"at epoch {trained + 1}: the learning rate (lr=50)" in reply["error"]


def test_a_loss_stuck_above_its_start_names_the_rate(server):
    """Adam at lr 20 throws the output to 0 or 1 and the loss stays high, finite: the
    frame's warning is the CLI's (``train.saturation``), naming the rate."""
    from backprop.play.session import WARN_AFTER

    sid = reset(server, lr=20.0, schedule="constant", seeds=2)["id"]
    early = api(server, "/api/step", {"id": sid, "epochs": WARN_AFTER - 1})["frame"]
    assert early["warning"] is None  # not before WARN_AFTER epochs, however it looks
    frame = api(server, "/api/step", {"id": sid, "epochs": 50})["frame"]
    assert "loss ended at" in frame["warning"] and "(lr=20)" in frame["warning"]
    calm = reset(server, schedule="constant", seeds=2)["id"]
    assert api(server, "/api/step", {"id": calm, "epochs": 50})["frame"]["warning"] is None


@pytest.mark.parametrize(
    "state, message",
    [
        ({"seeds": 33}, "seeds must be between 1 and 32, got 33"),
        ({"hidden": [4] * 7}, "hidden must be 1 to 6 whole sizes"),
        ({"hidden": [65]}, "at most 64 units"),
        ({"grid": 4}, "grid must be between 8 and 128"),
        ({"n": 5000}, "n must be between 2 and 2,000"),
        ({"lr": -1}, "lr must be between 1e-05 and 100, got -1"),
        ({"lr": 0}, "lr must be between 1e-05 and 100, got 0"),
        ({"lr": 1e9}, "lr must be between 1e-05 and 100, got 1000000000.0"),
        ({"lr": "abc"}, "lr must be a number, got 'abc'"),
        ({"optimizer": "adam", "optimizer_args": {"betas": [None, 0.9]}}, "index 0: None"),
        ({"optimizer": "adam", "optimizer_args": {"eps": None}}, "Invalid eps value: None"),
        ({"selected": 8}, "selected must be between 0 and 7"),
        ({"noise": 2}, "noise must be between 0 and 1"),
        ({"data": "moons"}, "unknown data 'moons'"),
        ({"activation": "swish"}, "unknown activation 'swish'"),
        ({"bias": "yes"}, "bias must be true or false"),
        ({"colour": 1}, "unknown key 'colour' in state"),
        ({"optimizer": "sgd", "optimizer_args": {"betas": [0.9, 0.9]}}, "has no option"),
        ({"data": "points", "points": [[0, 0, 1]] * 2001}, "at most 2,000"),
        ({"data": "points", "points": [[0, 0, 1], [50, 0, 0]]}, "within ±10"),
        ({"data": "points", "points": [[0, 0, 1], [0, 0, 3]]}, "point 2 is"),
        ({"epochs": 0}, "epochs must be between 1 and 1,000,000"),
        ({"features": [["x1"]]}, "unknown feature ['x1']"),
        ({"features": ["x1", "x1"]}, "features are listed twice"),
        ({"l1": "a"}, "l1 must be a number, got 'a'"),
        ({"l2": 20}, "l2 must be between 0 and 10, got 20"),
        ({"batch_size": 2.5}, "batch_size must be a whole number"),
        ({"test_fraction": 1}, "test_fraction must be below 1"),
        ({"data": "points", "points": [[0, 0, 1], [1, 1, 1], [0, 1, 1]]}, "every label is 1"),
        ({"data": "xor", "test_fraction": 0.95}, "(1 class) and"),
    ],
)
def test_out_of_range_parameters_are_refused_in_one_line(server, state, message):
    assert message in error(server, "/api/reset", {"state": state})


def test_page_only_fields_are_ignored(server):
    assert reset(server, _view="agree", _speed=3)["state"]["seeds"] == 8


def test_step_limits_and_sessions(server):
    sid = reset(server)["id"]
    assert "epochs must be between 0 and 1,000" in error(
        server, "/api/step", {"id": sid, "epochs": 1001}
    )
    assert error(server, "/api/step", {"id": "nope", "epochs": 1}, status=404)
    assert error(server, "/api/nothing", {}, status=404)


def test_refusals(server):
    port = server.server_address[1]
    for host in (f"evil.example:{port}", "127.0.0.1:1", ""):
        assert error(server, "/", headers={"Host": host}, status=403)
    assert error(server, "/api/reset", {}, headers={"Origin": "http://evil.example"}, status=403)
    assert error(server, "/api/reset", {}, headers={"Origin": "null"}, status=403)
    same = {"Origin": f"http://127.0.0.1:{port}"}
    assert request(server, "POST", "/api/reset", {}, headers=same)[0] == 200
    text = {"Content-Type": "text/plain"}
    assert error(server, "/api/reset", raw=b"{}", headers=text, status=415)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert error(server, "/api/reset", raw=b"a=1", headers=form, status=415)
    js = {"Content-Type": "application/json"}
    assert "not JSON" in error(server, "/api/reset", raw=b"{nope", headers=js)
    assert "JSON object" in error(server, "/api/reset", raw=b"[1]", headers=js)
    big = b'{"state": {"points": [' + b"[0.1, 0.2, 1]," * 30000 + b"[0, 0, 0]]}}"
    assert "over 256 KiB" in error(server, "/api/reset", raw=big, headers=js, status=413)
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_bytes()
    for path in (
        "/../pyproject.toml",
        "/%2e%2e%2fpyproject.toml",
        "/static/../../pyproject.toml",
        "/pyproject.toml",
        "/server.py",
        "/%2e%2e/%2e%2e/pyproject.toml",
    ):
        code, _, data = request(server, "GET", path)
        assert code == 404 and b"[project]" not in data and data != pyproject


def test_a_dropped_connection_is_harmless(server):
    port = server.server_address[1]
    sid = reset(server)["id"]
    body = json.dumps({"id": sid, "epochs": 50}).encode()
    head = (
        f"POST /api/step HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    for payload in (head.encode() + body, head.encode() + body[:5], b"GET / HT"):
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(payload)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    assert api(server, "/api/step", {"id": sid, "epochs": 1})["frame"]["epoch"] >= 1


def test_shutdown_is_clean():
    srv = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    assert request(srv, "GET", "/api/options")[0] == 200
    srv.shutdown()
    srv.server_close()
    thread.join()
    assert not thread.is_alive()
    with pytest.raises(OSError):
        request(srv, "GET", "/api/options")


def _sigint_default() -> None:
    """In the child before exec: SIGINT as Python expects it (a ``KeyboardInterrupt``).
    A parent that ignores SIGINT (a shell's background job) would pass that on, and
    the server would never see Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _read_line(stream, seconds: float) -> str:
    """One line from ``stream``, or "" if none comes within ``seconds`` (no hang)."""
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        return stream.readline() if sel.select(seconds) else ""


@pytest.mark.parametrize("parent", ["default", "ignores SIGINT"])
def test_ctrl_c_stops_the_command_without_a_traceback(parent):
    """Also when this process ignores SIGINT, as pytest started with ``&`` does: the
    child gets the default back. The server is killed whatever happens."""
    before = signal.getsignal(signal.SIGINT)
    if parent == "ignores SIGINT":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backprop", "play", "--port", "0", "--no-browser"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_sigint_default,
        )
    finally:
        signal.signal(signal.SIGINT, before)
    try:
        line = _read_line(proc.stdout, 60)  # the URL: it is serving
        assert line.startswith("backprop play: http://127.0.0.1:"), line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert err == "backprop play: interrupted; server stopped, nothing written\n"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_an_open_server_takes_ip_addresses_but_no_other_names():
    srv = make_server("0.0.0.0", 0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        port = srv.server_address[1]
        for host, code in (
            (f"192.168.1.5:{port}", 200),
            (f"localhost:{port}", 200),
            (f"evil.example:{port}", 403),
            ("192.168.1.5:1", 403),
        ):
            assert request(srv, "GET", "/api/options", headers={"Host": host})[0] == code, host
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--data", "bad.csv"], "bad.csv: line 2: 1,1,5: label is '5'"),
        (["--data", "missing.csv"], "missing.csv: no such file"),
        (["--data", "bad.csv", "--noise", "0.2"], "--noise applies to a generated set"),
        (["--hidden", *"1234567"], "hidden must be 1 to 6 whole sizes"),
        (["--data", "spiral", "--noise", "3"], "--noise must be between 0 and 1"),
    ],
)
def test_train_refuses_what_the_page_refuses(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.csv").write_text("x1,x2,label\n1,1,5\n")
    with pytest.raises(SystemExit) as exit_:
        main(["train", *argv, "--epochs", "1"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err and len(err.splitlines()) == 1, err


def test_a_larger_budget_trains_on(server):
    sid = reset(server, epochs=10, schedule="constant", seeds=1, lr=0.001)["id"]
    frame = api(server, "/api/step", {"id": sid, "epochs": 50})["frame"]
    assert frame["epoch"] == 10 and frame["reason"] == "epochs"
    state = {"epochs": 30, "schedule": "constant", "seeds": 1, "lr": 0.001}
    frame = api(server, "/api/step", {"id": sid, "epochs": 50, "state": state})["frame"]
    assert frame["epoch"] == 30 and not frame["reset"] and frame["reason"] == "epochs"


def test_stop_at_100_can_be_turned_off(server):
    sid = reset(server, seeds=2)["id"]
    for _ in range(40):
        frame = api(server, "/api/step", {"id": sid, "epochs": 10})["frame"]
        if frame["done"]:
            break
    assert frame["reason"] == "100 %" and frame["epoch"] < 400
    state = {"seeds": 2, "stop": False}
    after = api(server, "/api/step", {"id": sid, "epochs": 10, "state": state})["frame"]
    assert not after["reset"] and after["epoch"] == frame["epoch"] + 10 and not after["done"]


def test_the_cost_caps_epochs_per_frame_and_the_plane():
    """A costlier setup (points, seeds, weights, units, steps) gets fewer epochs a frame
    and a coarser plane; the default is not capped, the largest gets one epoch and the
    least grid that its plane's budget allows."""
    from backprop import limits
    from backprop.play.session import PLANE_WORK, TRAIN_WORK, caps, cost
    from backprop.play.state import State

    def costs(grid=128, **setup):
        state = State.from_dict({"data": "circle", **setup})
        X, _, test = state.parts()
        return state, cost(state, X, test), caps(state.seeds, cost(state, X, test), grid)

    default = costs(64, data="xor")[2]
    assert default[0] >= 100 and default[1] == 64
    setups = [
        {"n": 100},
        {"n": 2000},
        {"n": 2000, "seeds": 32},
        {"n": 2000, "seeds": 7, "hidden": [64] * 6},
        {"n": 2000, "seeds": 32, "hidden": [64, 64]},
    ]
    epochs, sides = zip(*(costs(**s)[2] for s in setups))
    assert list(epochs) == sorted(epochs, reverse=True) and epochs[0] > epochs[-1] == 1
    assert list(sides) == sorted(sides, reverse=True) and sides[0] > sides[-1]
    for setup, e, side in zip(setups, epochs, sides):
        state, c, _ = costs(**setup)
        assert e == 1 or e * c.epoch(state.seeds) <= TRAIN_WORK
        assert side == limits.PAGE_GRID[0] or state.seeds * side**2 * c.per_point <= 3 * PLANE_WORK
    # what else costs: mini-batch steps, a costlier activation, a test set, a penalty
    base = {"n": 500, "seeds": 8, "hidden": [16] * 4}
    plain = costs(**base)[1].epoch(8)
    for more in ({"batch_size": 10}, {"activation": "gelu"}, {"test_fraction": 0.5}, {"l2": 0.1}):
        assert costs(**base, **more)[1].epoch(8) > plain, more


def test_a_costly_stack_gets_a_coarser_plane(server):
    state = {"data": "circle", "n": 300, "hidden": [64] * 6, "seeds": 32, "grid": 64}
    sid = reset(server, **state)["id"]
    frame = api(server, "/api/step", {"id": sid, "epochs": 1000})["frame"]
    assert 1 <= frame["epoch"] <= 3 and frame["grid"] < 64  # 3 K N W = 0.6e9 an epoch
    assert pixels(frame["prob"]).size == frame["grid"] ** 2


def test_a_test_split_is_held_out_and_measured(server):
    state = {"data": "circle", "n": 40, "test_fraction": 0.25, "seeds": 2, "l2": 0.01}
    reply = reset(server, **state)
    frame = reply["frame"]
    assert len(frame["points"]) == 30 and len(frame["test_points"]) == 10  # 5 of each class
    from backprop.play.state import State

    X, y, (X_test, y_test) = State.from_dict(state).parts()
    assert np.array(frame["test_points"])[:, :2].tolist() == X_test.tolist()
    assert len(frame["test_loss"]) == len(frame["test_accuracy"]) == 2
    later = api(server, "/api/step", {"id": reply["id"], "epochs": 30})["frame"]
    assert later["test_loss"] != frame["test_loss"] and all(a >= 0 for a in later["test_loss"])
    lines = api(server, "/api/evaluate", {"id": reply["id"]})["lines"]
    # each frame's test accuracy is the selected seed's after its last epoch, as its
    # printout says (epoch by epoch, until the accuracy has changed at least once)
    sid, seen = reset(server, data="circle", n=200, test_fraction=0.5, seeds=1)["id"], set()
    for _ in range(100):
        step = api(server, "/api/step", {"id": sid, "epochs": 1})["frame"]
        text = api(server, "/api/evaluate", {"id": sid})["lines"][-1]
        printed = float(re.search(r"accuracy=([\d.]+)%", text)[1])
        assert step["test_accuracy"][0] * 100 == pytest.approx(printed, abs=0.005)
        seen.add(printed)
        if len(seen) > 1:
            break
    assert len(seen) > 1
    assert lines[0] == "training set (30 points):" and "test set (10 points, held out):" in lines
    assert reset(server, seeds=2)["frame"]["test_loss"] is None  # no split: no test rows
    assert "both parts need" in error(server, "/api/reset", {"state": {"test_fraction": 0.95}})


def test_a_one_class_drawn_set_is_refused_as_backprop_train_refuses_its_csv(
    server, tmp_path, monkeypatch, capsys
):
    """One rule (``lab.data.one_class``): the page refuses what the copy command would."""
    rows = [[0, 0, 1], [1, 1, 1], [0, 1, 1]]
    page = error(server, "/api/reset", {"state": {"data": "points", "points": rows}})
    monkeypatch.chdir(tmp_path)
    (tmp_path / "points.csv").write_text(to_csv(np.array(rows)[:, :2], np.array(rows)[:, 2:]))
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--data", "points.csv", "--epochs", "1"])
    rule = "every label is 1; a classifier needs points of both classes, 0 and 1"
    assert exit_.value.code == 2 and rule in capsys.readouterr().err and rule in page


def test_an_epoch_over_a_frame_is_refused_naming_what_to_lower(server):
    """A frame trains at least one epoch, so a setup whose epoch costs more than a frame
    trains is refused, at a reset and as a carried change, naming the seeds it affords
    or the batch size; that many seeds, or that batch size, is accepted, one more seed
    or a smaller batch is not."""
    from backprop.play.session import check_cost
    from backprop.play.state import State

    features = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"]
    largest = {"data": "circle", "n": 2000, "hidden": [64] * 6, "seeds": 32, "features": features}
    with pytest.raises(ValueError, match=r"over 32 seeds .* use at most \d+ seeds") as refused:
        check_cost(State.from_dict(largest))
    most = int(re.search(r"at most (\d+) seeds", str(refused.value))[1])
    assert 2 <= most < 32
    check_cost(State.from_dict({**largest, "seeds": most}))
    with pytest.raises(ValueError):
        check_cost(State.from_dict({**largest, "seeds": most + 1}))
    small = {**largest, "seeds": 2}
    with pytest.raises(ValueError, match=r"use a batch size of at least \d+, or fewer") as refused:
        check_cost(State.from_dict({**small, "batch_size": 1}))
    least = int(re.search(r"at least (\d+)", str(refused.value))[1])
    check_cost(State.from_dict({**small, "batch_size": least}))
    with pytest.raises(ValueError):
        check_cost(State.from_dict({**small, "batch_size": least - 1}))
    assert f"at most {most} seeds" in error(server, "/api/reset", {"state": largest})
    # with a test split, the test points count in the advice too
    split = {**largest, "n": 1000, "test_fraction": 0.5}
    with pytest.raises(ValueError) as refused:
        check_cost(State.from_dict(split))
    fits = int(re.search(r"at most (\d+) seeds", str(refused.value))[1])
    check_cost(State.from_dict({**split, "seeds": fits}))
    with pytest.raises(ValueError):
        check_cost(State.from_dict({**split, "seeds": fits + 1}))
    # no batch size makes 32 seeds fit: the advice is the seeds
    with pytest.raises(ValueError, match=f"use at most {most} seeds"):
        check_cost(State.from_dict({**largest, "batch_size": 1000}))
    sid = reset(server, **small)["id"]
    body = {"id": sid, "epochs": 1, "state": {**small, "batch_size": 1}}
    assert f"batch size of at least {least}" in error(server, "/api/step", body)


def test_shown_switches_to_exponent_form_below_1e_3_and_from_1e4():
    """As draw.js ``fmt``: 4 significant digits from 0.001 up to 9999, else ``d.dde±x``."""
    from backprop.play.session import shown

    assert [shown(v) for v in (0.001, 0.00099, 9999.0, 1e4, -1e4, 0.0)] == [
        "0.001",
        "9.90e-4",
        "9999",
        "1.00e+4",
        "-1.00e+4",
        "0",
    ]


def test_a_value_of_the_wrong_json_type_is_named_by_its_json_type():
    from backprop.play.api import kind

    assert [kind(v) for v in (True, "a", [], {}, None, 3, 2.5)] == [
        "true/false",
        "string",
        "array",
        "object",
        "null",
        "number",
        "number",
    ]
