"""The flags of the ``backprop`` command: ``make_parser`` declares every command's options,
with one-line errors (exit status 2) for a value of the wrong form."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import NoReturn

from . import __version__, check, checks, experiments, limits
from .experiments import trajectories
from .lab.config import MODELS
from .lab.data import MIN_POINTS, N_POINTS, NOISE, SETS
from .nn.activations import ACTIVATIONS
from .nn.features import FEATURES, PLAIN
from .nn.init import INITS
from .nn.losses import LOSSES
from .optim import OPTIMIZERS
from .optim.lr_scheduler import SCHEDULES

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
    "check": "Check submission zips against the handout: name, contents, imports, "
    "generators, report.",
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
MLP_ONLY = ("handout", "hidden", "init", "output", "dtype", "features")
# train's generalization flags (not lab's: the handout's lab trains full batch on all points)
TRAIN_FLAGS = ("test_fraction", "batch_size", "l1", "l2")
MLP_SWITCHES = ("bias", "normalize")  # --bias/--no-bias: given when not None
CONFIG_FLAGS = ("activation", "output", "loss", "init", "optimizer", "lr", "schedule", "epochs")


class _Parser(argparse.ArgumentParser):
    """Errors are one line (``backprop train: error: ...``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")

    def parse_args(self, args=None, namespace=None) -> argparse.Namespace:  # type: ignore[override]
        """As argparse's, but a command's unknown flag is that command's error
        (``backprop train: error: unrecognized arguments``), not ``backprop``'s."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            group = self._subparsers._group_actions if self._subparsers else []
            commands = group[0].choices if group else {}
            parser = commands.get(getattr(parsed, "command", None), self)
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed


def _number(text: str) -> float:
    """A finite float: ``nan`` and ``inf`` are refused here, not an epoch later."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def _positive(text: str) -> float:
    """A finite number above 0 (a learning rate)."""
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _whole(low: int, high: float = math.inf):
    """An argparse type: a whole number in ``[low, high]``, checked by ``checks.whole``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        try:
            return checks.whole("", value, low, high)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e).strip()) from None

    parse.__name__ = "int"
    return parse


_at_least_one = _whole(1)
_seed = _whole(0, 2**32 - 1)  # np.random.seed's range


def _data(text: str) -> str:
    """A generated set's name, or the path of a CSV file (read and checked later)."""
    if text in SETS or text.endswith(".csv"):
        return text
    raise argparse.ArgumentTypeError(
        f"invalid choice: {text!r} (choose from {', '.join(SETS)}, or a .csv file)"
    )


_port = _whole(0, 65535)


def _path(text: str) -> Path:
    """A path: an empty one is refused (``Path("")`` is ``.``, which would write here)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; name a path (. for this folder)")
    return Path(text)


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
        type=_at_least_one,
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
        type=_positive,
        help="learning rate ρ (default: the preset's, or the optimizer's tuned one)",
    )
    g.add_argument("--schedule", choices=SCHEDULES, help="learning-rate schedule")
    g.add_argument("--epochs", type=_at_least_one, help=f"at most {limits.MAX_EPOCHS:,}")
    g.add_argument("--dtype", choices=("float64", "float32"), help="parameter dtype (MLP)")
    g.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seeds the data (np.random.seed) and the weights (default: 0)",
    )
    g.add_argument(
        "--log-every",
        type=_at_least_one,
        metavar="K",
        help="print the loss every K epochs (default: epochs / 10)",
    )
    o = p.add_argument_group("optimizer options (each where the optimizer has it)")
    for name in OPTIMIZER_FLAGS:
        o.add_argument("--" + name.replace("_", "-"), type=_number, metavar="X")
    o.add_argument("--betas", type=_number, nargs=2, metavar=("B1", "B2"))
    for name in OPTIMIZER_SWITCHES:
        o.add_argument("--" + name, action="store_true")


def _fraction(text: str) -> float:
    """``--test-fraction``: a number in ``[0, 1)``, checked by ``limits``."""
    try:
        return limits.check_test_fraction(_number(text))
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("test_fraction ")) from None


def _rate(text: str) -> float:
    """``--l1``, ``--l2``: a number in ``[0, MAX_PENALTY]``."""
    try:
        return checks.real("", _number(text), 0, limits.MAX_PENALTY)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).strip()) from None


def _add_generalization_options(p: argparse.ArgumentParser) -> None:
    """``train``'s test split, mini-batches, penalties and input features."""
    g = p.add_argument_group(
        "generalization (default: none of it, as the handout's lab; docs/generalization.md)"
    )
    g.add_argument(
        "--test-fraction",
        type=_fraction,
        metavar="F",
        help="hold out this fraction of each class (0 to below 1), drawn with --data-seed; "
        "its loss and accuracy are printed too (default: 0, test on the training data)",
    )
    g.add_argument(
        "--batch-size",
        type=_at_least_one,
        metavar="B",
        help="samples per step, shuffled each epoch with --data-seed (default: all of them)",
    )
    for name, term in (("l1", "λ Σ|W|"), ("l2", "λ/2 Σ W²")):
        g.add_argument(
            f"--{name}",
            type=_rate,
            metavar="λ",
            help=f"add {term} of the weights (not biases) to the loss, λ at most "
            f"{limits.MAX_PENALTY:g} (default: 0)",
        )
    g.add_argument(
        "--features",
        nargs="+",
        choices=FEATURES,
        metavar="NAME",
        help=f"the MLP's inputs: {', '.join(FEATURES)} (default: {' '.join(PLAIN)})",
    )


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
        "--out", type=_path, default=Path("runs/experiments"), help="default: runs/experiments"
    )


def _add_report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        type=_path,
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
        type=_path,
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
        type=_path,
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
        type=_path,
        default=Path("."),
        help="the project folder whose source goes in (default: .)",
    )
    p.add_argument("--out", type=_path, help="folder for the zip (default: the project folder)")
    p.add_argument("--force", action="store_true", help="overwrite an existing zip")


def _add_check_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", type=Path, metavar="ZIP_OR_FOLDER")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write one row per zip to FILE")
    p.add_argument(
        "--run",
        action="store_true",
        help="also run each entry script (the student's code, on this machine; off by default)",
    )
    p.add_argument(
        "--timeout",
        type=_positive,
        default=check.RUN_TIMEOUT,
        help="seconds per --run script (default: %(default)g)",
    )


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
    cmd["lab"].add_argument("--out", type=_path, default=Path("runs/lab"), help="default: runs/lab")
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
        type=_whole(MIN_POINTS),
        metavar="N",
        help=f"points of linear, circle, gaussians, spiral (default: {N_POINTS})",
    )
    cmd["train"].add_argument(
        "--noise", type=_number, help=f"circle, gaussians, spiral: 0 to 1 (default: {NOISE})"
    )
    cmd["train"].add_argument(
        "--schedule-epochs",
        type=_whole(1, limits.MAX_EPOCHS),
        metavar="T",
        help="the cosine schedule's length, when --epochs trains only its first epochs "
        "(default: --epochs; as the playground's copy command uses it)",
    )
    cmd["train"].add_argument("--out", type=_path, help="default: runs/train/<data>")
    _add_generalization_options(cmd["train"])
    _add_experiments_options(cmd["experiments"])
    _add_report_options(cmd["report"])
    _add_pack_options(cmd["pack"])
    # --build-report is `backprop report --out <folder>`, parsed by that command's parser
    cmd["pack"].set_defaults(report_parser=cmd["report"])
    anim = cmd["animate"]
    anim.add_argument("--surface", choices=[*trajectories.SURFACES, "all"], default="all")
    anim.add_argument(
        "--steps",
        type=_at_least_one,
        help=f"optimizer steps, at most {limits.MAX_STEPS:,} (default: per surface)",
    )
    anim.add_argument(
        "--out", type=_path, default=Path("runs/animate"), help="default: runs/animate"
    )
    _add_check_options(cmd["check"])
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
