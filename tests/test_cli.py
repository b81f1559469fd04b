"""The command line end to end, in a temporary folder: printed formats, files, bad input."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop.cli import main
from backprop.lab import plot, runner
from backprop.lab.config import build, load_model
from backprop.lab.data import load


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
        (["train", "--hidden", "0", "4"], "--hidden: must be at least 1, got 0"),
        (["train", "--epochs", "0"], "--epochs: must be at least 1, got 0"),
        (["train", "--epochs", "ten"], "--epochs: expected a whole number, got 'ten'"),
        (["train", "--data", "moons"], "--data: invalid choice: 'moons'"),
        (["train", "--activation", "swish"], "--activation: invalid choice: 'swish'"),
        (["train", "--loss", "hinge"], "--loss: invalid choice: 'hinge'"),
        (["lab", "--bogus"], "unrecognized arguments: --bogus"),
        (["--seed", "-1"], "--seed: must be between 0 and 4,294,967,295, got -1"),
        (["train", "--model", "cnn", "--hidden", "3", "3"], "--hidden applies to the MLP only"),
        (["train", "--handout", "--model", "cnn"], "--handout applies to the MLP only"),
        (["train", "--loss", "bce-logits"], "takes logits, but the output is 'sigmoid'"),
        (["train", "--optimizer", "sgd", "--betas", "0.9", "0.99"], "has no option 'betas'"),
        (["train", "--out", __file__], "is a file; name a folder"),
        (["pack", "--student-id", "12a", "--name", "x"], "ASCII digits only"),
        (["train", "--test-fraction", "1"], "--test-fraction: must be below 1"),
        (["train", "--test-fraction", "-0.5"], "--test-fraction: must be between 0 and 1"),
        (["train", "--test-fraction", "0.01"], "splits 21 points into 21 to train"),
        (["train", "--test-fraction", "0.95"], "both parts need 2 points and training both"),
        (["train", "--batch-size", "0"], "--batch-size: must be at least 1, got 0"),
        (["train", "--l1", "-1"], "--l1: must be between 0 and 10, got -1.0"),
        (["train", "--l2", "nan"], "--l2: must be a finite number, got nan"),
        (["train", "--features", "x3"], "--features: invalid choice: 'x3'"),
        (["train", "--features", "x1", "x1"], "features are listed twice"),
        (["train", "--model", "cnn", "--features", "x1"], "--features applies to the MLP only"),
        (["lab", "--l2", "0.1"], "unrecognized arguments: --l2 0.1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, trained, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out, err = capsys.readouterr()
    assert exit_.value.code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and message in lines[0], err
    assert trained == [] and list(tmp_path.iterdir()) == []


def test_bad_input_from_a_shell_is_one_line_and_exit_2():
    """The same, as a real process: the exit code and stderr a shell sees."""
    proc = subprocess.run(
        [sys.executable, "-m", "backprop", "train", "--lr", "0"], capture_output=True, text=True
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "backprop train: error: argument --lr: must be positive, got 0\n"


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


# --- Issue 8: every bad input is refused before any work, in one line, exit 2 ----------

PROC = sys.platform.startswith("linux")  # /proc exists and refuses new folders


@pytest.fixture
def trained(monkeypatch) -> list[str]:
    """Names of the things that did work: ``fit`` (lab/train/sweeps all train through
    ``lab.build``'s ``Run.fit``) and the drawing."""
    import backprop.experiments.trajectories as trajectories_module
    import backprop.lab.config as config_module

    done: list[str] = []
    for module, name in (
        (config_module, "fit"),
        (trajectories_module, "optimizer_paths"),
    ):
        real = getattr(module, name)
        monkeypatch.setattr(
            module, name, lambda *a, _r=real, _n=name, **k: done.append(_n) or _r(*a, **k)
        )
    return done


@pytest.mark.parametrize(
    "args, message",
    [
        (
            "train --data xor --hidden 100000 100000 --epochs 1",
            "hidden 100000 100000, 1 epoch needs about 864.9 GiB of memory, more than the limit",
        ),
        (
            "train --data xor --epochs 99999999999999999999",
            "epochs must be between 1 and 1,000,000, got 99,999,999,999,999,999,999",
        ),
        pytest.param(
            "train --data xor --out /proc/nope",
            "--out /proc/nope cannot be written (no file can be made in /proc)",
            marks=pytest.mark.skipif(not PROC, reason="needs Linux's /proc"),
        ),
        pytest.param(
            "experiments lr --out /proc/nope --epochs 1 --seeds 1",
            "--out /proc/nope cannot be written (no file can be made in /proc)",
            marks=pytest.mark.skipif(not PROC, reason="needs Linux's /proc"),
        ),
        pytest.param(
            "report --out /proc/x",
            "--out /proc/x cannot be written (no file can be made in /proc)",
            marks=pytest.mark.skipif(not PROC, reason="needs Linux's /proc"),
        ),
        (
            "animate --steps 999999999999",
            "steps must be between 1 and 100,000, got 999,999,999,999",
        ),
        (
            "experiments bias --seeds 100000000",
            "experiment 'bias' with 100,000,000 seeds (hidden 16 16 × 100,000,000 models, 400 "
            "epochs in its largest stack) needs about",
        ),
        # The same holes in the other subcommands and flags.
        ("lab --hidden 100000 100000", "needs about"),
        ("lab --epochs 1000001", "epochs must be between 1 and 1,000,000"),
        ("train --lr inf", "--lr: must be a finite number, got inf"),
        ("train --momentum nan --optimizer sgd", "--momentum: must be a finite number"),
        ("train --optimizer adam --eps inf", "--eps: must be a finite number"),
        ("experiments lr --epochs 1000001", "epochs must be between 1 and 1,000,000"),
        ("experiments convergence --convergence-seeds 100000000", "needs about"),
        ("experiments nope", "unknown experiment 'nope'; choose from lr"),
        ("report --seeds 100000000", "needs about"),
        ("report --seed -1", "--seed: must be between 0 and 4,294,967,295, got -1"),
        ("report --epochs 1000001", "epochs must be between 1 and 1,000,000"),
        ("animate --steps 100001", "steps must be between 1 and 100,000"),
    ],
    ids=lambda a: a if " " in a else "",
)
def test_issue_command_lines_are_refused_before_any_work(
    args, message, trained, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(args.split())
    out, err = capsys.readouterr()
    assert exit_.value.code == 2
    assert out == "" and len(err.splitlines()) == 1 and message in err, err
    assert trained == [], "work started before the refusal"
    assert list(tmp_path.iterdir()) == [], "a file or folder was written before the refusal"


def test_out_that_cannot_be_created_is_refused_on_any_system(trained, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    for argv in (
        ["train", "--out", str(tmp_path / "file" / "below")],
        ["lab", "--out", str(tmp_path / "file")],
        ["experiments", "lr", "--out", str(tmp_path / "file" / "below")],
        ["report", "--experiments", str(tmp_path / "file" / "below")],
        ["animate", "--out", str(tmp_path / "file" / "below")],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and len(err.splitlines()) == 1, err
        assert "cannot be written" in err or "is a file; name a folder" in err, err
    assert trained == []


def test_pack_checks_its_target_before_building_the_report(tmp_path, monkeypatch, capsys):
    import backprop.report as report_module

    monkeypatch.setattr(report_module, "build", lambda *a, **k: pytest.fail("report was built"))
    monkeypatch.chdir(tmp_path)  # no runs/report/report.pdf here: --build-report would build
    root = Path(__file__).resolve().parents[1]
    (tmp_path / "DL_LAB1_1_A.zip").write_bytes(b"")
    args = ["pack", "--student-id", "1", "--name", "A", "--build-report"]
    for extra, message in (
        (["--root", str(tmp_path)], "has no pyproject.toml"),
        (["--root", str(root), "--out", "nope"], "output folder nope does not exist"),
        (["--root", str(root), "--out", "."], "already exists; pass --force"),
        (["--root", str(root), "--report", "r.pdf"], "--build-report writes report.pdf"),
    ):
        with pytest.raises(SystemExit) as exit_:
            main([*args, *extra])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and len(err.splitlines()) == 1 and message in err, err


def test_saturated_run_warns_naming_the_learning_rate(tmp_path, capsys):
    args = ["train", "--data", "xor", "--optimizer", "sgd", "--lr", "1e9", "--out"]
    assert main([*args, str(tmp_path)]) == 0  # the run is valid; its result is the news
    out, err = capsys.readouterr()
    assert "loss=13.15763 accuracy=52.38%" in out
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("backprop: warning: the output saturated")
    assert "(lr=1000000000.0) is probably too large" in lines[0]


@pytest.mark.parametrize(
    "args",
    [
        "train --data xor",
        "train --data linear --optimizer sgd",
        "train --data xor --epochs 1",  # barely trained, not saturated: no warning
        "train --handout --epochs 200",
        "train --data xor --loss bce-logits --output identity",
    ],
)
def test_no_saturation_warning_on_good_runs(args, tmp_path, capsys):
    assert main([*args.split(), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


def test_version_prints_the_package_version(capsys):
    import backprop

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"backprop {backprop.__version__}\n"


@pytest.mark.parametrize(
    "command", [[], ["lab"], ["train"], ["experiments"], ["report"], ["pack"], ["animate"]]
)
def test_help_is_plain_text(command, capsys):
    """Sentences a terminal shows as they are: no reST markup such as ``double backticks``."""
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and out.startswith(f"usage: backprop {' '.join(command)}")
    assert "``" not in out and ":func:" not in out, out
    if not command:  # the top level lists every command with its sentence
        for name in ("lab", "train", "experiments", "report", "pack", "animate"):
            assert re.search(rf"^    {name}\s+[A-Z]", out, re.M), out


def test_experiments_command_runs_the_named_experiments(tmp_path, capsys):
    args = ["experiments", "bias", "--seeds", "2", "--epochs", "4", "--out", str(tmp_path)]
    assert main([*args, "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("bias ") and err == ""
    assert (tmp_path / "bias" / "outcome.png").is_file()
    with pytest.raises(SystemExit) as exit_:
        main(["experiments", "nope", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "error: unknown experiment 'nope'" in capsys.readouterr().err


def test_report_command_passes_its_options_to_build(monkeypatch, tmp_path, capsys):
    import backprop.report as report_module

    seen = {}

    def fake_build(out, experiments_dir, **kwargs):
        seen.update(out=out, experiments_dir=experiments_dir, **kwargs)
        pdf, typ = out / "report.pdf", out / "report.typ"
        return {"pdf": pdf, "typ": typ, "pages": 3, "words": 2000, "seconds": 1.0}

    monkeypatch.setattr(report_module, "build", fake_build)
    monkeypatch.chdir(tmp_path)
    argv = ["--out", str(tmp_path), "--seeds", "12", "--epochs", "5", "--seed", "3", "--force"]
    assert main(["report", *argv]) == 0
    assert seen["out"] == tmp_path and seen["experiments_dir"] == Path("runs/experiments")
    assert (seen["seeds"], seen["epochs"], seen["seed"], seen["force"]) == (12, 5, 3, True)
    assert (seen["cnn_seeds"], seen["convergence_seeds"], seen["progress"]) == (5, 1000, True)
    out, err = capsys.readouterr()
    assert "(3 pages, 2000 words of prose)" in out
    no_author = [line for line in err.splitlines() if "no author" in line]  # no flags: said
    assert len(no_author) == 1 and "--student-id and --name" in no_author[0], err
    assert main(["report", *argv, "--student-id", "1", "--name", "A"]) == 0
    assert "no author" not in capsys.readouterr().err and seen["author"] == "A (student ID 1)"
    seen.clear()
    assert main(["report"]) == 0  # the defaults
    assert seen["out"] == Path("runs/report") and seen["seed"] == 0


def test_train_generalization_flags(tmp_path, capsys, monkeypatch):
    """--test-fraction prints the handout's lines for both parts and records the test
    curves; --features, --l2 and --batch-size reach the model, the loss and fit."""
    args = ["train", "--data", "circle", "--n-points", "40", "--epochs", "20", "--seed", "3"]
    flags = ["--data-seed", "5", "--test-fraction", "0.25"]
    flags += ["--features", "x1", "x2", "x1sq", "x2sq"]
    flags += ["--l2", "0.01", "--batch-size", "8", "--out", str(tmp_path)]
    figures, save = {}, plot.save
    monkeypatch.setattr(
        plot, "save", lambda fig, p: figures.setdefault(p.stem, fig) and save(fig, p)
    )
    assert main(args + flags) == 0
    losses = figures["learning_curve"].axes[0].get_legend_handles_labels()[1]
    assert losses == ["training", "test (held out)"]
    points = figures["decision_boundary"].axes[0].get_legend_handles_labels()[1]
    assert points == ["class 0", "class 1", "class 0 (test)", "class 1 (test)"]
    marks = figures["decision_boundary"].axes[0].collections
    rings = [c for c in marks if c.get_label().endswith("(test)")]
    # white discs ringed in the class colour: a ring shows on its own class's colour too
    assert len(rings) == 2 and all(np.allclose(c.get_facecolor()[:, :3], 1) for c in rings)
    out = capsys.readouterr().out
    assert out.count("training set (30 points):\n") == 1
    assert out.count("test set (10 points, held out):\n") == 1
    assert len(re.findall(r"^Iter\d+\tGround truth", out, re.M)) == 40
    assert len(re.findall(r"^loss=\d\.\d{5} accuracy=\d+\.\d\d%$", out, re.M)) == 2
    assert re.search(r"^epoch 20 loss : \S+  test loss : \S+$", out, re.M)
    hist = json.loads((tmp_path / "history.json").read_text())
    assert len(hist["test_loss"]) == 21 and len(hist["penalty"]) == 20
    assert hist["config"]["features"] == ["x1", "x2", "x1sq", "x2sq"]
    model, config = load_model(tmp_path / "model.npz")
    assert (config.batch_size, config.l2, config.test_fraction) == (8, 0.01, 0.25)
    assert model.modules[2].in_features == 4
    # the run the library makes of it: weights from --seed; data, split, batches --data-seed
    X, y, held_out = runner.dataset(config, "circle", 5, n=40)
    want = build(config, rng=np.random.default_rng(3), shuffle=5).fit(X, y, test=held_out)
    np.testing.assert_array_equal(hist["loss"], want.loss)
    np.testing.assert_array_equal(hist["test_loss"], want.test_loss)


def test_train_without_the_flags_prints_as_before(tmp_path, capsys):
    assert main(["train", "--epochs", "5", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "set (" not in out and "test loss" not in out
    assert len(re.findall(r"^Iter\d+\t", out, re.M)) == 21
    assert "test_loss" not in json.loads((tmp_path / "history.json").read_text())
