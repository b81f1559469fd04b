"""What the command line says when something is off, in process (``main([...])``): empty
paths, the minimum number of points, OS errors as sentences, plurals, ranges, the
command's name on every error; and, in a real process, a reader that leaves early."""

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

import backprop.cli as cli
from backprop import checks
from backprop.cli import main
from backprop.lab import runner
from backprop.lab.data import MIN_POINTS

TWO_POINTS = "x1,x2,label\n0.1,0.2,0\n0.9,0.8,1\n"


def _refused(argv: list[str], capsys) -> str:
    """The one stderr line of ``main(argv)``, which must exit 2 with nothing on stdout."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == "", (argv, exit_.value.code, out, err)
    assert len(err.splitlines()) == 1, err
    return err.rstrip("\n")


@pytest.fixture
def trained(monkeypatch) -> list[str]:
    """Each ``fit`` appends ``"fit"``: a refusal must come before any."""
    import backprop.lab.config as config_module

    done: list[str] = []
    real = config_module.fit
    monkeypatch.setattr(config_module, "fit", lambda *a, **k: done.append("fit") or real(*a, **k))
    return done


@pytest.mark.parametrize("empty", ["", " ", "\t"])
@pytest.mark.parametrize(
    "argv, flag",
    [
        (["lab"], "--out"),
        (["train"], "--out"),
        (["experiments", "lr"], "--out"),
        (["report"], "--out"),
        (["report"], "--experiments"),
        (["animate"], "--out"),
        (["pack", "--student-id", "1", "--name", "A"], "--out"),
        (["pack", "--student-id", "1", "--name", "A"], "--root"),
        (["pack", "--student-id", "1", "--name", "A"], "--report"),
    ],
)
def test_an_empty_path_is_refused_and_nothing_is_written(
    argv, flag, empty, trained, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)  # Path("") is "." : this folder would fill
    err = _refused([*argv, flag, empty], capsys)
    assert (
        err
        == f"backprop {argv[0]}: error: argument {flag}: is empty; name a path (. for this folder)"
    )
    assert trained == [] and list(tmp_path.iterdir()) == []


def test_every_source_has_the_same_minimum_of_points(tmp_path, capsys):
    """``--n-points`` and a CSV file both stop below ``MIN_POINTS`` and take it."""
    too_few = MIN_POINTS - 1
    err = _refused(["train", "--data", "circle", "--n-points", str(too_few)], capsys)
    assert err.endswith(f"must be at least {MIN_POINTS}, got {too_few}")
    csv = tmp_path / "few.csv"
    csv.write_text("x1,x2,label\n" + "0.1,0.2,0\n" * too_few)
    err = _refused(["train", "--data", str(csv)], capsys)
    assert err.endswith(f"few.csv: {too_few} point; give at least {MIN_POINTS} lines x1,x2,label")
    csv.write_text(TWO_POINTS)
    for data in (["--data", str(csv)], ["--data", "circle", "--n-points", str(MIN_POINTS)]):
        assert main(["train", *data, "--epochs", "2", "--out", str(tmp_path / "run")]) == 0


def test_plural_counts():
    assert [checks.plural(n, "seed") for n in (0, 1, 2, 1000)] == [
        "0 seeds",
        "1 seed",
        "2 seeds",
        "1,000 seeds",
    ]
    assert checks.plural(1000, "epoch", sep="") == "1000 epochs"
    assert checks.plural(1, "entry", "entries") == "1 entry"


def test_a_range_with_no_upper_bound_does_not_say_inf(capsys):
    err = _refused(["train", "--optimizer", "sgd", "--momentum", "-1"], capsys)
    assert err == "backprop train: error: Invalid momentum value: -1.0 (must be at least 0)"
    with pytest.raises(ValueError, match=r"^momentum must be at least 0, got -1$"):
        checks.real("momentum", -1, 0)
    with pytest.raises(ValueError, match=r"^steps must be at most 5, got 6$"):
        checks.whole("steps", 6, high=5)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["train", "--bogus"], "backprop train: error: unrecognized arguments: --bogus"),
        (["--bogus"], "backprop lab: error: unrecognized arguments: --bogus"),
        (["experiments", "lr", "--seeds"], "backprop experiments: error: argument --seeds: "),
        (["pack", "--student-id", "1"], "backprop pack: error: the following arguments are"),
        (["play", "--port", "x"], "backprop play: error: argument --port: expected a whole"),
    ],
)
def test_an_error_of_a_command_starts_with_its_name(argv, expected, capsys):
    assert _refused(argv, capsys).startswith(expected)


def test_a_run_that_fails_says_the_command(tmp_path, capsys):
    args = ["--optimizer", "sgd", "--lr", "1e6", "--activation", "relu", "--output", "identity"]
    assert main(["train", *args, "--loss", "mse", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("backprop train: error: the loss became") and err.count("\n") == 1


def _read_only(monkeypatch):
    """A folder that cannot be written, as a non-root user sees one (the tests may run
    as root, who may write anywhere)."""
    import tempfile

    def refuse(dir=None, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(dir))

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)


@pytest.mark.parametrize(
    "make, argv, expected",
    [
        (
            lambda t: (t / "d.csv").mkdir(),
            ["--data", "d.csv"],
            "d.csv: is a folder, not a CSV file",
        ),
        (
            None,
            ["--data", "a" * 600 + ".csv"],
            "a…a.csv: the path or a name in it is too long: 604 characters",
        ),
        (
            lambda t: (t / "l.csv").write_bytes(b"x1,x2,label\n0.1,0.2,0\n0.3,\xe9,1\n"),
            ["--data", "l.csv"],
            "l.csv: line 3: 0.3,\ufffd,1: byte 0xe9 is not UTF-8; save the file as CSV UTF-8",
        ),
        (lambda t: (t / "f").write_text("x"), ["--out", "f"], "--out f is a file; name a folder"),
        (
            lambda t: (t / "f").write_text("x"),
            ["--out", "f/below"],
            "--out f/below cannot be written (a part of the path before the last is a file, "
            "not a folder); name a folder you can write to",
        ),
        (
            None,
            ["--out", "b" * 600],
            "--out b…b cannot be written (the path or a name in it is too long: 600 characters)",
        ),
        (_read_only, ["--out", "ro"], "--out ro cannot be written (permission denied); name a"),
    ],
    ids=["folder", "long-name", "latin-1", "out-file", "out-below-file", "out-long", "read-only"],
)
def test_an_os_error_is_one_sentence_with_a_short_path(
    make, argv, expected, trained, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    if make is _read_only:
        make(monkeypatch)
    elif make is not None:
        make(tmp_path)
    err = _refused(["train", *argv], capsys)
    assert err.startswith("backprop train: error: ") and "Errno" not in err, err
    # a long name is shown cut in the middle: its start …, its end
    assert all(part in err for part in expected.split("…")), err
    assert len(err) < 250 and trained == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_out_under_proc_is_refused_in_words(capsys):
    err = _refused(["train", "--out", "/proc/x"], capsys)
    assert err == (
        "backprop train: error: --out /proc/x cannot be written (no file can be made in /proc); "
        "name a folder you can write to"
    )


def test_an_os_error_during_the_run_names_the_file_and_exits_1(tmp_path, monkeypatch, capsys):
    def full(model, config, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(runner, "save_model", full)
    assert main(["train", "--epochs", "2", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == f"backprop train: error: {tmp_path}/model.npz: no space left on the device\n"


def test_train_reads_its_csv_once(tmp_path, monkeypatch, capsys):
    """The file is changed between the check and the run: the run trains on what was
    checked (a second read would find a broken file and fail)."""
    csv = tmp_path / "p.csv"
    csv.write_text(TWO_POINTS)
    check = cli.validate

    def validate_then_break(args):
        config = check(args)
        csv.write_text("not,a,csv,file\n")
        return config

    monkeypatch.setattr(cli, "validate", validate_then_break)
    assert main(["train", "--data", str(csv), "--epochs", "2", "--out", str(tmp_path / "r")]) == 0
    assert "Ground truth: 1.0" in capsys.readouterr().out


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["lab", "--epochs", "20"], ["check", "--help"]])
def test_a_full_stdout_still_gets_every_file_and_is_said(tmp_path, argv):
    """``> /dev/full``: the run still writes its files, then says in one line that its
    output was lost (no space), exit 1; it stopped at the first print before."""
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "backprop", *argv, "--out", str(tmp_path)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.endswith("the output could not be written (no space left on the device)\n")
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    if argv[0] == "lab":
        assert {p.name for p in (tmp_path / "xor").iterdir()} >= {"model.npz", "history.json"}


def test_a_reader_that_leaves_early_still_gets_every_file(tmp_path):
    """``backprop lab | head -3``: the pipe closes after three lines; the run goes on to
    write its figures and models and exits 0 without a word (its output, 2 × 2000 lines,
    is far more than a pipe holds, so the run writes to the closed pipe)."""
    argv = [sys.executable, "-m", "backprop", "lab", "--epochs", "2000", "--log-every", "1"]
    proc = subprocess.Popen(
        [*argv, "--out", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    head = [proc.stdout.readline() for _ in range(3)]
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait() == 0 and err == b"", err.decode()
    assert head[0].startswith(b"== linear ==")
    for data in ("linear", "xor"):
        names = {p.name for p in (tmp_path / data).iterdir()}
        assert names == {
            "comparison.png",
            "decision_boundary.png",
            "learning_curve.png",
            "history.json",
            "model.npz",
        }, names


def test_files_other_than_the_csv_are_named_too(tmp_path, monkeypatch, capsys):
    """A Latin-1 report.typ, a report.typ that is a folder, a folder given as the PDF."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r").mkdir()
    (tmp_path / "r/report.typ").write_bytes(b"Caf\xe9\n")
    err = _refused(["report", "--out", "r", "--quiet"], capsys)
    assert err.startswith("backprop report: error: r/report.typ was edited since"), err
    (tmp_path / "d/report.typ").mkdir(parents=True)
    err = _refused(["report", "--out", "d", "--quiet"], capsys)
    assert err == "backprop report: error: d/report.typ: is a folder, not a file"
    pack = [
        "pack",
        "--student-id",
        "1",
        "--name",
        "A",
        "--root",
        str(Path(cli.__file__).parents[2]),
    ]
    err = _refused([*pack, "--report", "r", "--out", "."], capsys)
    assert err == "backprop pack: error: report r is a folder; name its report.pdf"
