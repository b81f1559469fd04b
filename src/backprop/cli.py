"""Command line: ``backprop [lab|train|experiments|report|pack|animate] ...``.

With no command it runs ``lab``."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import NoReturn

from . import experiments, limits, report
from .lab import runner
from .lab.config import MODELS, PRESETS, Config
from .lab.data import DATASETS
from .lab.pack import check_report, check_target, pack
from .nn.activations import ACTIVATIONS
from .nn.init import INITS
from .nn.losses import LOSSES
from .optim import DEFAULT_LR, OPTIMIZERS
from .optim.lr_scheduler import SCHEDULES
from .train import DivergedError

# CLI flag → optimizer keyword (only the optimizers that have it accept it).
OPTIMIZER_FLAGS = ("momentum", "dampening", "weight_decay", "eps", "alpha", "rho", "lr_decay")
OPTIMIZER_SWITCHES = ("nesterov", "centered", "amsgrad")


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


def _seed(text: str) -> int:
    """``np.random.seed`` takes 0 ≤ seed < 2³²."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {text}")
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
        nargs=2,
        metavar=("H1", "H2"),
        help="sizes of the two hidden layers",
    )
    g.add_argument("--activation", choices=ACTIVATIONS, help="hidden-layer activation")
    g.add_argument("--output", choices=ACTIVATIONS, help="output-layer activation")
    g.add_argument("--loss", choices=LOSSES)
    g.add_argument("--init", choices=INITS, help="weight initialisation")
    g.add_argument(
        "--no-normalize",
        action="store_true",
        help="feed raw inputs in [0, 1] (default: centre and scale to [-2, 2])",
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


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backprop", description=__doc__)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    lab = sub.add_parser("lab", help="train on both datasets, print and plot (the default)")
    _add_run_options(lab)
    lab.add_argument("--out", type=Path, default=Path("runs/lab"), help="default: runs/lab")
    train = sub.add_parser("train", help="one run on one dataset")
    _add_run_options(train)
    train.add_argument("--data", choices=DATASETS, default="xor")
    train.add_argument("--out", type=Path, help="default: runs/train/<data>")
    exp = sub.add_parser("experiments", help="the handout's discussion and extra experiments")
    experiments.add_arguments(exp)
    rep = sub.add_parser("report", help="report.pdf and report.md (runs what it needs)")
    report.add_arguments(rep)
    pk = sub.add_parser("pack", help="the submission zip DL_LAB1_<ID>_<NAME>.zip")
    pk.add_argument("--student-id", required=True, metavar="ID", help="digits only")
    pk.add_argument("--name", required=True, help="your name as the course spells it")
    pk.add_argument(
        "--report",
        type=Path,
        default=Path("runs/report/report.pdf"),
        help="the report to include (default: runs/report/report.pdf)",
    )
    pk.add_argument(
        "--build-report",
        action="store_true",
        help="run `backprop report` first if the report is missing",
    )
    pk.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="the project folder whose source goes in (default: .)",
    )
    pk.add_argument("--out", type=Path, help="folder for the zip (default: the project folder)")
    pk.add_argument("--force", action="store_true", help="overwrite an existing zip")
    anim = sub.add_parser("animate", help="optimizer paths on 2-D test surfaces (PNG and GIF)")
    anim.add_argument("--surface", choices=["saddle", "beale", "rosenbrock", "all"], default="all")
    anim.add_argument(
        "--steps",
        type=_positive(int),
        help=f"optimizer steps, at most {limits.MAX_STEPS:,} (default: per surface)",
    )
    anim.add_argument(
        "--out", type=Path, default=Path("runs/animate"), help="default: runs/animate"
    )
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    """The preset (handout, cnn or default) with the flags that were given on top."""
    if args.model == "cnn":
        mlp_only = {"--handout": args.handout, "--hidden": args.hidden, "--init": args.init,
                    "--output": args.output, "--no-normalize": args.no_normalize,
                    "--dtype": args.dtype}  # fmt: skip
        given = [flag for flag, value in mlp_only.items() if value]
        if given:
            raise ValueError(f"{', '.join(given)} applies to the MLP only, not --model cnn")
    preset = "handout" if args.handout else "cnn" if args.model == "cnn" else "default"
    base = PRESETS[preset]
    names = ("activation", "output", "loss", "init", "optimizer", "lr", "schedule", "epochs",
             "dtype")  # fmt: skip
    changes = {k: getattr(args, k) for k in names if getattr(args, k) is not None}
    if args.hidden:
        changes["hidden"] = tuple(args.hidden)
    if args.no_normalize:
        changes["normalize"] = False
    if args.optimizer and args.lr is None and args.optimizer != base.optimizer:
        changes["lr"] = DEFAULT_LR[args.optimizer]
    opt_args = {k: getattr(args, k) for k in OPTIMIZER_FLAGS if getattr(args, k) is not None}
    opt_args |= {k: True for k in OPTIMIZER_SWITCHES if getattr(args, k)}
    if args.betas:
        opt_args["betas"] = tuple(args.betas)
    return base.replace(**changes, optimizer_args=opt_args).validate()


def animate(args: argparse.Namespace) -> None:
    from .experiments import trajectories

    names = list(trajectories.SURFACES) if args.surface == "all" else [args.surface]
    for name in names:
        png = trajectories.plot_trajectories(name, args.out / f"{name}.png", steps=args.steps)
        gif = trajectories.animate(name, args.out / f"{name}.gif", steps=args.steps)
        print(f"{png}  {gif}")


def pack_command(args: argparse.Namespace) -> int:
    if args.build_report and not args.report.exists():
        report.command(report_defaults(args.report.parent))
    try:  # checked before the report was built; this is what the build left
        path = pack(args.student_id, args.name, root=args.root, report=args.report,
                    out_dir=args.out, force=args.force)  # fmt: skip
    except ValueError as e:
        print(f"backprop pack: error: {e}", file=sys.stderr)
        return 2
    print(path)
    return 0


def report_defaults(out: Path) -> argparse.Namespace:
    """``backprop report``'s defaults, writing to ``out``."""
    rep = _Parser(prog="backprop report")
    report.add_arguments(rep)
    return rep.parse_args(["--out", str(out)])


def validate(args: argparse.Namespace) -> Config | None:
    """Every check of ``args`` that needs more than its own flag (``limits``): raises
    ``ValueError`` before any work. Returns the run's config for ``lab`` and ``train``."""
    command = args.command
    if command == "animate":
        if args.steps is not None:
            limits.check_steps(args.steps)
        limits.check_out(args.out)
        return None
    if command == "pack":
        check_target(args.student_id, args.name, root=args.root, out_dir=args.out,
                     force=args.force)  # fmt: skip
        if args.build_report and not args.report.exists():
            if args.report.name != "report.pdf":
                raise ValueError(
                    f"--build-report writes report.pdf; --report names {args.report.name}"
                )
            _validate_report(report_defaults(args.report.parent))
        else:
            check_report(args.report)
        return None
    if command == "experiments":  # an unknown name: experiments.define's ValueError
        experiments.check_experiments(args.names or experiments.DEFAULT_NAMES, args.seeds,
                                 args.epochs, args.cnn_seeds, args.convergence_seeds)  # fmt: skip
        limits.check_out(args.out)
        return None
    if command == "report":
        _validate_report(args)
        return None
    config = config_from_args(args)
    limits.check_run(config, plot=True)
    limits.check_out(args.out or Path("runs/train") / args.data)
    return config


def _validate_report(args: argparse.Namespace) -> None:
    """``backprop report``: its experiments, its lab run, its seed and both folders."""
    experiments.check_experiments(experiments.NAMES, args.seeds, args.epochs, args.cnn_seeds,
                             args.convergence_seeds)  # fmt: skip
    lab = PRESETS["default"]
    limits.check_run(lab.replace(epochs=args.epochs or lab.epochs), plot=True)
    if not 0 <= args.seed < 2**32:
        raise ValueError(f"--seed must be between 0 and 2**32 - 1, got {args.seed}")
    limits.check_out(args.out)
    limits.check_out(args.experiments, "--experiments")


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["lab", *argv]  # no command: ``backprop --seed 3`` is ``backprop lab --seed 3``
    args = parser.parse_args(argv)
    try:
        config = validate(args)
    except (ValueError, TypeError, OSError) as e:  # OSError: pack's existing zip
        parser.exit(2, f"backprop {args.command}: error: {e}\n")
    if args.command in ("experiments", "report"):
        return (experiments if args.command == "experiments" else report).command(args)
    if args.command == "animate":
        animate(args)
        return 0
    start = time.perf_counter()
    try:
        if args.command == "pack":
            return pack_command(args)
        if args.command == "lab":
            runner.lab(config, args.out, args.seed, args.log_every)
            print(
                f"figures, history.json and model.npz in {args.out}/ "
                f"({time.perf_counter() - start:.1f} s)"
            )
        else:
            out = args.out or Path("runs/train") / args.data
            runner.run(config, args.data, args.seed, out, args.log_every)
            print(f"figures, history.json and model.npz in {out}/")
    except BrokenPipeError:  # e.g. `backprop | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except (DivergedError, OSError) as e:
        print(f"backprop: {e}", file=sys.stderr)
        return 1
    return 0
