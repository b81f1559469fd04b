"""The command line under generated input: every subcommand, with options and values
drawn from the parser itself (its choices, its flags, each flag's type), valid and not.

Each command line must end in exit 0, or exit 2 with one short line on stderr and
nothing done: no epoch trained, no figure drawn, no report built, no file written.
A run that diverges may end in exit 1 with ``DivergedError``'s one line. Never a
traceback. Training is real; the figures, the report and the animations are replaced
by stand-ins that record they were asked for and do only the computation whose size
the CLI must check, so a valid line costs milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import backprop.cli as cli
from backprop import experiments, play, report
from backprop.cli import main, make_parser
from backprop.experiments import plot as experiments_plot
from backprop.experiments import sweep, trajectories, trajectories_plot
from backprop.lab import config, plot, runner
from backprop.nn import Conv2d

PARSER = make_parser()
COMMANDS = PARSER._subparsers._group_actions[0].choices  # name → its parser

# Values per kind of flag: (ones the parser takes, ones it refuses). The first are small
# where a run's cost grows with them, plus one each that the limits must refuse.
COUNTS = (["1", "2"], ["0", "-1", "2.5", "x", "1000001", "99999999999999999999"])
SIZES = (["1", "3", "100000"], ["0", "-1", "x"])
SEEDS = (["0", "1"], ["-1", "4294967296", "x"])
STACKS = (["1", "2", "100000000"], ["0", "-1", "x"])
FLOATS = (["0.1", "0.9", "1", "1e9", "1e-300"], ["0", "-1", "nan", "inf", "x"])
BY_DEST = {
    **dict.fromkeys(("epochs", "steps", "log_every"), COUNTS),
    **dict.fromkeys(("seeds", "cnn_seeds", "convergence_seeds"), STACKS),
    "hidden": SIZES,
    "seed": SEEDS,
    "student_id": (["313551157"], ["12a", ""]),
    "name": (["Ann", "陳敬中"], ["", " Ann", "a/b"]),
}
# Paths by name, made in each example's own folder (see ``_folder``).
PATHS = (
    ["fresh", "report.pdf", "project", "empty"],
    ["a_file", "a_file/below", "missing.pdf", *(["/proc/nope"] * sys.platform.startswith("linux"))],
)
# Flags that keep a valid run cheap (pack: that make one possible), added unless the
# example chose the flag itself.
CHEAP = {
    "lab": "--epochs 2",
    "train": "--epochs 2",
    "experiments": "--epochs 1 --seeds 1 --cnn-seeds 1 --convergence-seeds 2 --quiet",
    "report": "--epochs 1 --seeds 1 --cnn-seeds 1 --convergence-seeds 2 --quiet",
    "animate": "--steps 3",
    "pack": "--student-id 313551157 --name Ann --root project --report report.pdf",
}


def _values(action, parsable: bool) -> st.SearchStrategy[list[str]]:
    """Strings for one option's values, from its choices, its type or its name; only
    ones the parser takes if ``parsable``."""
    n = action.nargs if isinstance(action.nargs, int) else 1
    if action.choices is not None:
        good, bad = list(action.choices), ["bogus"]
    elif getattr(action.type, "__name__", "") == "Path":
        good, bad = PATHS
    else:
        good, bad = BY_DEST.get(action.dest, FLOATS)
    return st.lists(st.sampled_from(good if parsable else good + bad), min_size=n, max_size=n)


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    options = [a for a in COMMANDS[command]._actions if a.option_strings and a.dest != "help"]
    chosen = draw(st.lists(st.sampled_from(options), max_size=5, unique_by=lambda a: a.dest))
    parsable = draw(st.booleans())  # half the lines pass the parser: the limits' turn
    argv = [command]
    for action in chosen:
        flag = draw(st.sampled_from(action.option_strings))
        argv += [flag] if action.nargs == 0 else [flag, *draw(_values(action, parsable))]
    if command == "experiments":
        names = [*experiments.NAMES, *(["bogus"] * (not parsable))]
        # At least one name: no name runs all seven (0.5 s here), the same code path.
        argv += draw(st.lists(st.sampled_from(names), min_size=1, max_size=2))
    dests = {a.dest for a in chosen}
    extra = CHEAP.get(command, "").split()
    for flag, value in zip(extra[::2], extra[1::2]):
        if flag.lstrip("-").replace("-", "_") not in dests:
            argv += [flag, value]
    argv += [f for f in extra if f == "--quiet" and "quiet" not in dests]
    return argv


def _folder(root: Path) -> None:
    """The files the ``PATHS`` name: a file, a PDF, a project to pack, an empty folder."""
    (root / "a_file").write_text("not a folder")
    (root / "report.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (root / "project/src/backprop").mkdir(parents=True)
    (root / "project/pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "project/src/backprop/x.py").write_text("x = 1\n")
    (root / "empty").mkdir()


@contextlib.contextmanager
def _inside(folder: Path):
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


@pytest.fixture
def work(monkeypatch) -> list[str]:
    """What was done: each stand-in and each ``fit`` appends its name."""
    done: list[str] = []

    def spy(name, real=None):
        def stand_in(*args, **kwargs):
            done.append(name)
            if real is not None:
                return real(*args, **kwargs)
            path = next((a for a in (*args, *kwargs.values()) if isinstance(a, Path)), None)
            if path is not None and path.suffix:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"stand-in")
            return path

        return stand_in

    monkeypatch.setattr(config, "fit", spy("fit", config.fit))
    for name in ("comparison", "learning_curve"):
        monkeypatch.setattr(plot, name, spy(name))
    monkeypatch.setattr(experiments_plot, "draw", lambda *a, **k: done.append("draw"))
    # a pool's processes would not see these stand-ins: any --jobs runs in this process
    monkeypatch.setattr(sweep, "pool", lambda jobs: contextlib.nullcontext(sweep.InProcess()))

    # The stand-ins keep the computation whose size the CLI must check (an MLP's forward
    # over the boundary's grid, the optimizers' paths) and skip only the drawing. The
    # CNN's size is fixed (1.5 s for its grid here): it is skipped.
    def boundary(model, X, y, path, title="", resolution=200, test=None):
        if not any(isinstance(m, Conv2d) for m in model.modules):
            model.forward(np.zeros((resolution**2, 2)))
        return spy("decision_boundary")(path)

    def paths(name):
        def stand_in(surface, path, steps=None, **kwargs):
            trajectories.optimizer_paths(surface, steps)
            return spy(name)(path)

        return stand_in

    monkeypatch.setattr(plot, "decision_boundary", boundary)
    monkeypatch.setattr(trajectories_plot, "plot_trajectories", paths("trajectories"))
    monkeypatch.setattr(trajectories_plot, "animate", paths("animation"))

    def build(out, *args, **kwargs):
        done.append("report")
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "report.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
        typ, pdf = out / "report.typ", out / "report.pdf"
        return {"pdf": pdf, "typ": typ, "pages": 1, "words": 0, "seconds": 0}

    monkeypatch.setattr(report, "build", build)
    # play serves until Ctrl-C; its server has tests of its own (test_play_api)
    monkeypatch.setattr(play, "serve", lambda *a, **k: done.append("play") or 0)
    return done


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=command_lines())
def test_every_command_line_ends_cleanly(argv, work, capsys):
    capsys.readouterr()
    work.clear()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _folder(root)
        before = _files(root)
        with _inside(root):
            try:
                code = main(argv)
            except SystemExit as e:  # argparse, and cli's own refusals
                code = e.code
        out, err = capsys.readouterr()
        written = _files(root) - before
    event(f"{argv[0]} exit {code}")
    assert "Traceback" not in err, (argv, err)
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and len(lines[0]) < 400, (argv, err)
        assert lines[0].startswith("backprop"), (argv, err)
        assert not work and not out and not written, (argv, work, out, written)
    elif code == 1:
        assert "the loss became" in err and len(err.splitlines()) == 1, (argv, err)
    else:
        assert code == 0, (argv, code, err)


def test_generator_reaches_every_subcommand_and_both_outcomes(tmp_path):
    """The strategy is not vacuous: for each command it builds lines that pass the
    parser and ``cli.validate`` and lines that do not."""
    seen: dict[str, set[int]] = {}
    _folder(tmp_path)

    @settings(max_examples=300, deadline=None, database=None)
    @given(argv=command_lines())
    def collect(argv):
        try:
            cli.validate(PARSER.parse_args(argv))
            seen.setdefault(argv[0], set()).add(0)
        except SystemExit as e:
            seen.setdefault(argv[0], set()).add(e.code)
        except (ValueError, TypeError, OSError):
            seen.setdefault(argv[0], set()).add(2)

    with _inside(tmp_path), contextlib.redirect_stderr(open(os.devnull, "w")):  # noqa: SIM115
        collect()
    assert set(seen) == set(COMMANDS)
    assert all(codes == {0, 2} for codes in seen.values()), seen


def test_stand_ins_are_where_the_cli_looks(work, tmp_path, capsys):
    """A valid line goes through the spies: fit and the figures were recorded."""
    assert main(["train", "--epochs", "2", "--out", str(tmp_path)]) == 0
    assert work == ["fit", "comparison", "learning_curve", "decision_boundary"]
    assert runner.plot is plot
