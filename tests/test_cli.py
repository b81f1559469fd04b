"""The command line end to end, in a temporary folder: printed formats, files, bad input."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from backprop.cli import main
from backprop.config import load_model
from backprop.data import load


def test_lab_end_to_end(tmp_path, capsys):
    assert main(["lab", "--out", str(tmp_path), "--epochs", "400", "--log-every", "100"]) == 0
    out = capsys.readouterr().out
    assert out.count("accuracy=100.00%") == 2
    assert re.search(r"^epoch 400 loss : \d", out, re.M)
    assert (
        len(re.findall(r"^Iter\d+\tGround truth: [01]\.0\tprediction: \d\.\d{5}$", out, re.M))
        == 121
    )
    for data, n in (("linear", 100), ("xor", 21)):
        folder = tmp_path / data
        names = {p.name for p in folder.iterdir()}
        assert names == {
            "comparison.png",
            "learning_curve.png",
            "decision_boundary.png",
            "history.json",
            "model.npz",
        }
        for png in folder.glob("*.png"):
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        hist = json.loads((folder / "history.json").read_text())
        assert len(hist["loss"]) == 400 and hist["accuracy"][-1] == 1.0
        assert hist["config"]["data"] == data
        model, config = load_model(folder / "model.npz")
        X, y = load(data, seed=0)
        assert X.shape[0] == n and np.all((model(X) > 0.5) == (y > 0.5))


def test_bare_command_runs_lab(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([]) == 0
    assert main(["--epochs", "5", "--out", "flags"]) == 0  # flags without a command: lab
    assert (tmp_path / "flags/linear/history.json").exists()
    assert (tmp_path / "runs/lab/xor/model.npz").exists()
    assert capsys.readouterr().out.count("accuracy=") == 4


def test_train_handout_preset(tmp_path, capsys):
    args = ["train", "--handout", "--data", "xor", "--epochs", "50", "--out", str(tmp_path)]
    assert main(args) == 0
    _, config = load_model(tmp_path / "model.npz")
    assert (config.activation, config.output, config.loss, config.optimizer, config.bias) == (
        "sigmoid",
        "sigmoid",
        "mse",
        "sgd",
        False,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--lr", "0"], "--lr: must be positive, got 0"),
        (["train", "--lr", "-1"], "--lr: must be positive, got -1"),
        (["train", "--hidden", "0", "4"], "--hidden: must be positive, got 0"),
        (["train", "--epochs", "0"], "--epochs: must be positive, got 0"),
        (["train", "--epochs", "ten"], "--epochs: expected a number, got 'ten'"),
        (["train", "--data", "circle"], "--data: invalid choice: 'circle'"),
        (["train", "--activation", "swish"], "--activation: invalid choice: 'swish'"),
        (["train", "--loss", "hinge"], "--loss: invalid choice: 'hinge'"),
        (["lab", "--bogus"], "unrecognized arguments: --bogus"),
        (["--seed", "-1"], "--seed: must be between 0 and 2**32 - 1, got -1"),
        (["train", "--model", "cnn", "--hidden", "3", "3"], "--hidden applies to the MLP only"),
        (["train", "--handout", "--model", "cnn"], "--handout applies to the MLP only"),
        (["train", "--loss", "bce-logits"], "takes logits, but the output is 'sigmoid'"),
        (["train", "--optimizer", "sgd", "--betas", "0.9", "0.99"], "has no option 'betas'"),
        (["train", "--out", __file__], "is a file; name a folder"),
        (["pack", "--student-id", "12a", "--name", "x"], "ASCII digits only"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    proc = subprocess.run([sys.executable, "-m", "backprop", *args], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_divergence_is_one_message_not_a_traceback(tmp_path):
    args = [
        "train",
        "--activation",
        "relu",
        "--output",
        "identity",
        "--loss",
        "mse",
        "--optimizer",
        "sgd",
        "--lr",
        "1e6",
        "--out",
        str(tmp_path),
    ]
    proc = subprocess.run([sys.executable, "-m", "backprop", *args], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "learning rate (lr=1000000.0) is probably too large" in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--optimizer", name]
        for name in (
            "sgd",
            "momentum",
            "nesterov",
            "adagrad",
            "rmsprop",
            "adam",
            "adamw",
            "adadelta",
        )
    ]
    + [
        ["--model", "cnn"],
        ["--loss", "bce-logits", "--output", "identity"],
        ["--dtype", "float32"],
        ["--activation", "gelu", "--optimizer", "nesterov"],
    ],
    ids=lambda a: " ".join(a),
)
def test_each_choice_trains_xor_to_100_percent(args, tmp_path, capsys):
    assert main(["train", "--data", "xor", "--out", str(tmp_path), *args]) == 0
    out = capsys.readouterr().out
    assert "accuracy=100.00%" in out, out[-300:]
    assert (tmp_path / "decision_boundary.png").exists()
