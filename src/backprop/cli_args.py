"""What ``backprop``'s flags mean: the run's ``Config``, where each command reads and
writes, and ``validate``, every check that needs more than one flag (``ValueError``
before any work)."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import check, experiments, limits, report
from .checks import real
from .cli_flags import (
    CONFIG_FLAGS,
    MLP_ONLY,
    MLP_SWITCHES,
    OPTIMIZER_FLAGS,
    OPTIMIZER_SWITCHES,
    TRAIN_FLAGS,
)
from .lab import runner
from .lab.config import PRESETS, Config
from .lab.data import N_POINTS, read_csv
from .lab.pack import check_report, check_target
from .optim import DEFAULT_LR


def config_from_args(args: argparse.Namespace) -> Config:
    """The preset (handout, cnn or default) with the flags that were given on top."""
    if args.model == "cnn":
        given = ["--" + k.replace("_", "-") for k in MLP_ONLY if getattr(args, k, None)]
        given += [f"--[no-]{k}" for k in MLP_SWITCHES if getattr(args, k) is not None]
        if given:
            raise ValueError(f"{', '.join(given)} applies to the MLP only, not --model cnn")
    preset = "handout" if args.handout else "cnn" if args.model == "cnn" else "default"
    base = PRESETS[preset]
    names = (*CONFIG_FLAGS, *TRAIN_FLAGS, "dtype")  # lab has no TRAIN_FLAGS
    changes = {k: getattr(args, k) for k in names if getattr(args, k, None) is not None}
    if args.hidden:
        changes["hidden"] = tuple(args.hidden)
    if getattr(args, "features", None):
        changes["features"] = tuple(args.features)
    changes |= {k: getattr(args, k) for k in MLP_SWITCHES if getattr(args, k) is not None}
    if args.optimizer and args.lr is None and args.optimizer != base.optimizer:
        changes["lr"] = DEFAULT_LR[args.optimizer]
    opt_args = {k: getattr(args, k) for k in OPTIMIZER_FLAGS if getattr(args, k) is not None}
    opt_args |= {k: True for k in OPTIMIZER_SWITCHES if getattr(args, k)}
    if args.betas:
        opt_args["betas"] = tuple(args.betas)
    return base.replace(**changes, optimizer_args=opt_args).validate()


def place(args: argparse.Namespace) -> dict:
    """Where ``pack`` reads the source and writes the zip."""
    return {"root": args.root, "out_dir": args.out, "force": args.force}


def report_args(args: argparse.Namespace) -> argparse.Namespace | None:
    """``pack --build-report`` with no report yet: the ``backprop report`` it runs."""
    if not (args.build_report and not args.report.exists()):
        return None
    if args.report.name != "report.pdf":
        raise ValueError(f"--build-report writes report.pdf; --report names {args.report.name}")
    author = ["--student-id", args.student_id, "--name", args.name]  # its title block
    parsed = args.report_parser.parse_args(["--out", str(args.report.parent), *author])
    parsed.author = report.author_line(args.student_id, args.name)
    parsed.command = "report"
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
        check_target(args.student_id, args.name, **place(args))
        built = report_args(args)
        if built is None:
            check_report(args.report)
        else:
            _validate_report(built)
    elif command == "check":
        real("--timeout", args.timeout, 0, check.MAX_RUN_TIMEOUT)
        zips = check.submissions(args.paths)  # each path exists; a folder holds zips
        if args.csv and args.csv.is_dir():
            raise ValueError(f"--csv {args.csv} is a folder; name a file")
        if args.csv and (
            args.csv.name.lower().endswith(check.archive.ARCHIVES)
            or any(args.csv.resolve() == z.resolve() for z in zips)
        ):  # e.g. `check --csv *.zip`: the shell made the first submission the CSV
            raise ValueError(f"--csv {args.csv} is a submission, not a CSV; name a .csv file")
        if args.csv and not args.csv.parent.is_dir():
            raise ValueError(f"--csv {args.csv}: there is no folder {args.csv.parent}")
        if args.csv:
            limits.check_out(args.csv.parent, "--csv")
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
            if args.schedule_epochs and config.schedule != "cosine":
                raise ValueError("--schedule-epochs needs --schedule cosine")
            if config.test_fraction:  # the split's sizes: refused here, not after training
                runner.dataset(
                    config,
                    args.data,
                    _data_seed(args),
                    getattr(args, "points", None),
                    **_load_args(args),
                )
        limits.check_run(config, samples=samples, plot=True)
        limits.check_out(out_folder(args))
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
        args.points = read_csv(args.data)  # read once: the run trains on these
        return len(args.points[0])
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


def data_args(args: argparse.Namespace) -> dict:
    """``train``'s data flags as ``runner.train_dataset`` takes them (those given)."""
    given = {"data_seed": args.data_seed, **_load_args(args)}
    given["points"] = getattr(args, "points", None)
    return {k: v for k, v in given.items() if v is not None}


def _load_args(args: argparse.Namespace) -> dict:
    """``--n-points`` and ``--noise`` as ``data.load`` takes them (those given)."""
    return {k: v for k, v in (("n", args.n_points), ("noise", args.noise)) if v is not None}


def _data_seed(args: argparse.Namespace) -> int:
    return args.seed if args.data_seed is None else args.data_seed


def out_folder(args: argparse.Namespace) -> Path:
    """``--out``; ``train``'s default is ``runs/train/<data>``."""
    return args.out or Path("runs/train") / Path(args.data).stem


def sizes(args: argparse.Namespace) -> dict:
    """The seed counts and epochs override, as ``experiments.run_all`` and ``report.build``
    take them."""
    names = ("seeds", "epochs", "cnn_seeds", "convergence_seeds")
    return {k: getattr(args, k) for k in names}
