"""The ``backprop`` command: parse the flags, check them, call one function, print, exit.

Exit status: 0 done, 1 the run failed (it diverged, or a file could not be written),
2 refused before any work (one line on stderr, from ``backprop.limits``'s checks).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import NoReturn

from . import __version__, experiments, limits, play, report
from .experiments import trajectories, trajectories_plot
from .lab import runner
from .lab.config import MODELS, PRESETS, Config
from .lab.data import N_POINTS, NOISE, SETS, from_csv
from .lab.pack import check_report, check_target, pack
from .nn.activations import ACTIVATIONS
from .nn.init import INITS
from .nn.losses import LOSSES
from .optim import DEFAULT_LR, OPTIMIZERS
from .optim.lr_scheduler import SCHEDULES
from .train import DivergedError

DESCRIPTION = (
    "Train the handout's networks with hand-written backpropagation, run its experiments "
    "and write the report. With no command, backprop runs lab."
)
COMMANDS = {
    "lab": "Train on both datasets, print the handout's test output and draw the figures.",
    "train": "Train one network on one dataset.",
    "experiments": "Run the handout's discussion and extra experiments over many seeds.",
    "report": "Write report.typ and typeset it as report.pdf, running what they need.",
    "pack": "Zip the source and the report as DL_LAB1_<ID>_<NAME>.zip for submission.",
    "animate": "Draw optimizer paths on 2-D test surfaces as PNG and GIF.",
    "play": "Open a page that trains K seeds live in the browser (a local server).",
}
# CLI flag → optimizer keyword (only the optimizers that have it accept it).
OPTIMIZER_FLAGS = (
    "momentum",
    "dampening",
    "weight_decay",
    "eps",
    "alpha",
    "rho",
    "lr_decay",
    "initial_accumulator_value",
)
OPTIMIZER_SWITCHES = ("nesterov", "centered", "amsgrad")
MLP_ONLY = ("handout", "hidden", "init", "output", "dtype")
MLP_SWITCHES = ("bias", "normalize")  # --bias/--no-bias: given when not None
CONFIG_FLAGS = ("activation", "output", "loss", "init", "optimizer", "lr", "schedule", "epochs")


class _Parser(argparse.ArgumentParser):
    """Errors are one line (``backprop train: error: ...``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _number(text: str) -> float:
    """A finite float: ``nan`` and ``inf`` are refused here, not an epoch later."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value > 0:  # also nan
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        if value == math.inf:
            raise argparse.ArgumentTypeError(f"must be finite, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _seed(text: str) -> int:
    """``np.random.seed`` takes 0 ≤ seed < 2³²."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {text}")
    return value


def _data(text: str) -> str:
    """A generated set's name, or the path of a CSV file (read and checked later)."""
    if text in SETS or text.endswith(".csv"):
        return text
    raise argparse.ArgumentTypeError(
        f"invalid choice: {text!r} (choose from {', '.join(SETS)}, or a .csv file)"
    )


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 65536:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {text}")
    return value


def _add_run_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model and training (defaults: the measured preset)")
    g.add_argument(
        "--handout",
        action="store_true",
        help="the handout's network: sigmoid after every layer, no bias, MSE, "
        "plain gradient descent",
    )
    g.add_argument("--model", choices=MODELS, help="mlp (default) or cnn (points as images)")
    g.add_argument(
        "--hidden",
        type=_positive(int),
        nargs="+",
        metavar="H",
        help=f"sizes of the hidden layers, 1 to {limits.MAX_LAYERS} of them (default: 16 16)",
    )
    g.add_argument("--activation", choices=ACTIVATIONS, help="hidden-layer activation")
    g.add_argument("--output", choices=ACTIVATIONS, help="output-layer activation")
    g.add_argument("--loss", choices=LOSSES)
    g.add_argument("--init", choices=INITS, help="weight initialisation")
    g.add_argument(
        "--normalize",
        action=argparse.BooleanOptionalAction,
        help="centre and scale inputs in [0, 1] to [-2, 2] (default: on; --handout: off)",
    )
    g.add_argument(
        "--bias",
        action=argparse.BooleanOptionalAction,
        help="a bias in every layer (default: on; --handout: off)",
    )
    g.add_argument("--optimizer", choices=OPTIMIZERS)
    g.add_argument(
        "--lr",
        type=_positive(float),
        help="learning rate ρ (default: the preset's, or the optimizer's tuned one)",
    )
    g.add_argument("--schedule", choices=SCHEDULES, help="learning-rate schedule")
    g.add_argument("--epochs", type=_positive(int), help=f"at most {limits.MAX_EPOCHS:,}")
    g.add_argument("--dtype", choices=("float64", "float32"), help="parameter dtype (MLP)")
    g.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seeds the data (np.random.seed) and the weights (default: 0)",
    )
    g.add_argument(
        "--log-every",
        type=_positive(int),
        metavar="K",
        help="print the loss every K epochs (default: epochs / 10)",
    )
    o = p.add_argument_group("optimizer options (each where the optimizer has it)")
    for name in OPTIMIZER_FLAGS:
        o.add_argument("--" + name.replace("_", "-"), type=_number, metavar="X")
    o.add_argument("--betas", type=_number, nargs=2, metavar=("B1", "B2"))
    for name in OPTIMIZER_SWITCHES:
        o.add_argument("--" + name, action="store_true")


def _add_sweep_options(p: argparse.ArgumentParser) -> None:
    """Seeds and epochs of the experiments (``experiments`` and ``report``)."""
    for flag, default, text in (
        ("--seeds", experiments.SEEDS, "seeds per setting"),
        ("--cnn-seeds", experiments.CNN_SEEDS, "seeds for the CNN, which trains one at a time"),
        (
            "--convergence-seeds",
            experiments.CONVERGENCE_SEEDS,
            "seeds for the convergence experiment",
        ),
    ):
        p.add_argument(
            flag, type=_at_least_one, default=default, help=f"{text} (default: %(default)s)"
        )
    p.add_argument(
        "--epochs",
        type=_at_least_one,
        help="override every run's epochs (quick looks; changes the numbers)",
    )
    p.add_argument(
        "--jobs",
        type=_at_least_one,
        default=experiments.usable_cores(),
        help="processes that train the stacks; 1: in this process, no pool (same numbers; "
        "default: the usable cores, %(default)s)",
    )
    p.add_argument("--force", action="store_true", help="recompute cached experiments")
    p.add_argument("--quiet", action="store_true", help="no progress line on stderr")


def _add_experiments_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="experiments to run (default: all but convergence): " + ", ".join(experiments.NAMES),
    )
    _add_sweep_options(p)
    p.add_argument(
        "--out", type=Path, default=Path("runs/experiments"), help="default: runs/experiments"
    )


def _add_report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        type=Path,
        default=Path("runs/report"),
        help="folder for report.typ, report.pdf and figures/ (default: runs/report)",
    )
    p.add_argument(
        "--typeset",
        action="store_true",
        help="only compile report.typ (edited or not) into report.pdf: nothing is trained "
        "or rewritten",
    )
    p.add_argument("--student-id", metavar="ID", help="for the title block: digits only")
    p.add_argument("--name", help="for the title block: your name as the course spells it")
    p.add_argument(
        "--experiments",
        type=Path,
        default=Path("runs/experiments"),
        help="the experiments' cache folder (default: runs/experiments)",
    )
    _add_sweep_options(p)
    p.add_argument("--seed", type=_seed, default=0, help="seed of the lab run (default: 0)")


def _add_pack_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--student-id", required=True, metavar="ID", help="digits only")
    p.add_argument("--name", required=True, help="your name as the course spells it")
    p.add_argument(
        "--report",
        type=Path,
        default=Path("runs/report/report.pdf"),
        help="the report to include (default: runs/report/report.pdf)",
    )
    p.add_argument(
        "--build-report",
        action="store_true",
        help="run `backprop report --out <the report's folder>` first if the report is missing",
    )
    p.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="the project folder whose source goes in (default: .)",
    )
    p.add_argument("--out", type=Path, help="folder for the zip (default: the project folder)")
    p.add_argument("--force", action="store_true", help="overwrite an existing zip")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="backprop",
        description=DESCRIPTION,
        epilog="Run 'backprop COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    cmd = {
        name: sub.add_parser(name, help=text, description=text) for name, text in COMMANDS.items()
    }
    _add_run_options(cmd["lab"])
    cmd["lab"].add_argument("--out", type=Path, default=Path("runs/lab"), help="default: runs/lab")
    _add_run_options(cmd["train"])
    cmd["train"].add_argument(
        "--data",
        type=_data,
        default="xor",
        help=f"{', '.join(SETS)} or a .csv file of x1,x2,label lines (default: xor)",
    )
    cmd["train"].add_argument(
        "--data-seed", type=_seed, help="seeds the data alone (default: --seed)"
    )
    cmd["train"].add_argument(
        "--n-points",
        type=_at_least_one,
        metavar="N",
        help=f"points of linear, circle, gaussians, spiral (default: {N_POINTS})",
    )
    cmd["train"].add_argument(
        "--noise", type=_number, help=f"circle, gaussians, spiral: 0 to 1 (default: {NOISE})"
    )
    cmd["train"].add_argument("--out", type=Path, help="default: runs/train/<data>")
    _add_experiments_options(cmd["experiments"])
    _add_report_options(cmd["report"])
    _add_pack_options(cmd["pack"])
    # --build-report is `backprop report --out <folder>`, parsed by that command's parser
    cmd["pack"].set_defaults(report_parser=cmd["report"])
    anim = cmd["animate"]
    anim.add_argument("--surface", choices=[*trajectories.SURFACES, "all"], default="all")
    anim.add_argument(
        "--steps",
        type=_positive(int),
        help=f"optimizer steps, at most {limits.MAX_STEPS:,} (default: per surface)",
    )
    anim.add_argument(
        "--out", type=Path, default=Path("runs/animate"), help="default: runs/animate"
    )
    cmd["play"].add_argument("--port", type=_port, default=8000, help="default: 8000 (0: any)")
    cmd["play"].add_argument(
        "--host",
        help="address to listen on (default: 127.0.0.1, this machine only; any other "
        "lets the network reach the page, and a warning says so)",
    )
    cmd["play"].add_argument(
        "--no-browser", action="store_true", help="do not open the page in a browser"
    )
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    """The preset (handout, cnn or default) with the flags that were given on top."""
    if args.model == "cnn":
        given = ["--" + k.replace("_", "-") for k in MLP_ONLY if getattr(args, k)]
        given += [f"--[no-]{k}" for k in MLP_SWITCHES if getattr(args, k) is not None]
        if given:
            raise ValueError(f"{', '.join(given)} applies to the MLP only, not --model cnn")
    preset = "handout" if args.handout else "cnn" if args.model == "cnn" else "default"
    base = PRESETS[preset]
    names = (*CONFIG_FLAGS, "dtype")
    changes = {k: getattr(args, k) for k in names if getattr(args, k) is not None}
    if args.hidden:
        changes["hidden"] = tuple(args.hidden)
    changes |= {k: getattr(args, k) for k in MLP_SWITCHES if getattr(args, k) is not None}
    if args.optimizer and args.lr is None and args.optimizer != base.optimizer:
        changes["lr"] = DEFAULT_LR[args.optimizer]
    opt_args = {k: getattr(args, k) for k in OPTIMIZER_FLAGS if getattr(args, k) is not None}
    opt_args |= {k: True for k in OPTIMIZER_SWITCHES if getattr(args, k)}
    if args.betas:
        opt_args["betas"] = tuple(args.betas)
    return base.replace(**changes, optimizer_args=opt_args).validate()


def _place(args: argparse.Namespace) -> dict:
    """Where ``pack`` reads the source and writes the zip."""
    return {"root": args.root, "out_dir": args.out, "force": args.force}


def _report_args(args: argparse.Namespace) -> argparse.Namespace | None:
    """``pack --build-report`` with no report yet: the ``backprop report`` it runs."""
    if not (args.build_report and not args.report.exists()):
        return None
    if args.report.name != "report.pdf":
        raise ValueError(f"--build-report writes report.pdf; --report names {args.report.name}")
    author = ["--student-id", args.student_id, "--name", args.name]  # its title block
    parsed = args.report_parser.parse_args(["--out", str(args.report.parent), *author])
    parsed.author = report.author_line(args.student_id, args.name)
    return parsed


def validate(args: argparse.Namespace) -> Config | None:
    """Every check of ``args`` that needs more than its own flag: raises ``ValueError``
    before any work. Returns the run's config for ``lab`` and ``train``."""
    command = args.command
    if command == "animate":
        if args.steps is not None:
            limits.check_steps(args.steps)
        limits.check_out(args.out)
    elif command == "pack":
        check_target(args.student_id, args.name, **_place(args))
        report_args = _report_args(args)
        if report_args is None:
            check_report(args.report)
        else:
            _validate_report(report_args)
    elif command == "experiments":  # an unknown name: experiments.define's ValueError
        names = args.names or experiments.DEFAULT_NAMES
        experiments.check_experiments(
            names, args.seeds, args.epochs, args.cnn_seeds, args.convergence_seeds
        )
        limits.check_out(args.out)
    elif command == "report":
        _validate_report(args)
        args.author = report.author_line(args.student_id, args.name)
        if args.typeset:
            if not (args.out / "report.typ").exists():
                raise ValueError(f"--typeset: no {args.out / 'report.typ'}; run backprop report")
        elif report.edited(args.out / "report.typ") and not args.force:
            raise ValueError(report.EDITED.format(path=args.out / "report.typ"))
    elif command in ("lab", "train"):
        config = config_from_args(args)
        samples = limits.SAMPLES
        if command == "train":
            samples = _check_data(args)
        limits.check_run(config, samples=samples, plot=True)
        limits.check_out(_out_folder(args))
        return config
    return None


def _check_data(args: argparse.Namespace) -> int:
    """``train``'s data flags: a CSV is read and checked here; the number of points."""
    if args.noise is not None:
        limits.check_range("--noise", args.noise, 0, 1)
    if args.data.endswith(".csv"):
        for flag in ("n_points", "noise"):
            if getattr(args, flag) is not None:
                flag = flag.replace("_", "-")
                raise ValueError(f"--{flag} applies to a generated set, not a CSV")
        return len(from_csv(Path(args.data).read_text())[0])
    return max(limits.SAMPLES, args.n_points or N_POINTS)


def _validate_report(args: argparse.Namespace) -> None:
    """``backprop report``: its experiments, its lab run and both folders."""
    experiments.check_experiments(
        experiments.NAMES, args.seeds, args.epochs, args.cnn_seeds, args.convergence_seeds
    )
    lab = PRESETS["default"]
    limits.check_run(lab.replace(epochs=args.epochs or lab.epochs), plot=True)
    limits.check_out(args.out)
    limits.check_out(args.experiments, "--experiments")


def _data_args(args: argparse.Namespace) -> dict:
    """``train``'s data flags as ``data.load`` takes them (those given)."""
    given = {"data_seed": args.data_seed, "n": args.n_points, "noise": args.noise}
    return {k: v for k, v in given.items() if v is not None}


def _out_folder(args: argparse.Namespace) -> Path:
    """``--out``; ``train``'s default is ``runs/train/<data>``."""
    return args.out or Path("runs/train") / Path(args.data).stem


def _sizes(args: argparse.Namespace) -> dict:
    """The seed counts and epochs override, as ``experiments.run_all`` and ``report.build``
    take them."""
    names = ("seeds", "epochs", "cnn_seeds", "convergence_seeds")
    return {k: getattr(args, k) for k in names}


def _experiments(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    names = args.names or experiments.DEFAULT_NAMES
    results = experiments.run_all(
        names, args.out, args.force, not args.quiet, args.jobs, **_sizes(args)
    )
    for name, r in results.items():
        state = "cached" if r.cached else f"{r.seconds:.1f} s"
        note = f"  ({r.experiment.note})" if r.experiment.note else ""
        print(f"{name:<12} {state:>8}  {args.out / name}/{note}")
        if r.tuned:
            print(experiments.format_tuned(r.tuned, r.experiment.datasets))
    print(f"total {time.perf_counter() - start:.1f} s")
    return 0


def _report(args: argparse.Namespace) -> int:
    if args.typeset:
        try:  # an edit Typst cannot read: its message, not a traceback
            info = report.typeset(args.out)
        except ValueError as e:
            print(f"backprop report: error: {e}", file=sys.stderr)
            return 2
        print(
            f"{info['pdf']} ({info['pages']} pages) from {info['typ']} in {info['seconds']:.1f} s"
        )
        return 0
    info = report.build(
        args.out,
        args.experiments,
        seed=args.seed,
        force=args.force,
        progress=not args.quiet,
        jobs=args.jobs,
        author=args.author,
        **_sizes(args),
    )
    font = report.missing_font(args.name or "")
    if font:
        print(font, file=sys.stderr)
    print(
        f"{info['pdf']} ({info['pages']} pages, {info['words']} words of prose) from "
        f"{info['typ']} in {info['seconds']:.1f} s"
    )
    return 0


def _animate(args: argparse.Namespace) -> int:
    names = list(trajectories.SURFACES) if args.surface == "all" else [args.surface]
    for name in names:
        png = trajectories_plot.plot_trajectories(name, args.out / f"{name}.png", steps=args.steps)
        gif = trajectories_plot.animate(name, args.out / f"{name}.gif", steps=args.steps)
        print(f"{png}  {gif}")
    return 0


def _pack(args: argparse.Namespace) -> int:
    report_args = _report_args(args)
    if report_args is not None:
        _report(report_args)
    try:  # checked before the report was built; this is what the build left
        path = pack(args.student_id, args.name, report=args.report, **_place(args))
    except ValueError as e:
        print(f"backprop pack: error: {e}", file=sys.stderr)
        return 2
    print(path)
    return 0


def _lab_or_train(args: argparse.Namespace, config: Config) -> int:
    """``lab`` (both datasets) or ``train`` (one): print, write figures and files."""
    start = time.perf_counter()
    out = _out_folder(args)
    if args.command == "lab":
        runner.lab(config, out, args.seed, args.log_every)
        took = f" ({time.perf_counter() - start:.1f} s)"
    else:
        runner.train_dataset(config, args.data, args.seed, out, args.log_every, **_data_args(args))
        took = ""
    print(f"figures, history.json and model.npz in {out}/{took}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["lab", *argv]  # no command: `backprop --seed 3` is `backprop lab --seed 3`
    args = parser.parse_args(argv)
    try:
        config = validate(args)
    except (ValueError, TypeError, OSError) as e:  # OSError: pack's existing zip
        parser.exit(2, f"backprop {args.command}: error: {e}\n")
    if args.command == "experiments":
        return _experiments(args)
    if args.command == "report":
        return _report(args)
    if args.command == "animate":
        return _animate(args)
    if args.command == "play":
        return play.serve(args.host, args.port, browser=not args.no_browser)
    try:
        return _pack(args) if args.command == "pack" else _lab_or_train(args, config)
    except BrokenPipeError:  # e.g. `backprop | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except (DivergedError, OSError) as e:
        print(f"backprop: {e}", file=sys.stderr)
        return 1
