"""The ``backprop`` command: parse the flags (``cli_flags``), check them (``cli_args``),
call one function, print, exit.

Exit status: 0 done, 1 the run failed (it diverged, or a file could not be written),
2 refused before any work (one line on stderr, from ``backprop.limits``'s checks, or the
output folder held by another run), 130 interrupted (Ctrl-C: one line saying what is kept).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from . import check, experiments, files, play, report
from .checks import file_error, os_reason, plural
from .cli_args import data_args, out_folder, place, report_args, sizes, validate
from .cli_flags import (
    make_parser,
)
from .experiments import sweep, trajectories, trajectories_plot
from .lab import runner
from .lab.config import Config
from .lab.pack import pack
from .train import DivergedError


def _experiments(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    names = args.names or experiments.DEFAULT_NAMES
    results = experiments.run_all(
        names, args.out, args.force, not args.quiet, args.jobs, **sizes(args)
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
    with files.locked(args.out):
        return _report_locked(args)


def _report_locked(args: argparse.Namespace) -> int:
    if args.typeset:
        try:  # an edit Typst cannot read: its message, not a traceback
            info = report.typeset(args.out)
        except ValueError as e:
            print(f"backprop report: error: {e}", file=sys.stderr)
            return 2
        print(
            f"{info['pdf']} ({plural(info['pages'], 'page', sep='')}) from {info['typ']} "
            f"in {info['seconds']:.1f} s"
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
        **sizes(args),
    )
    if not args.author:
        print(report.NO_AUTHOR.format(placeholder=report.AUTHOR_PLACEHOLDER), file=sys.stderr)
    font = report.missing_font(args.name or "")
    if font:
        print(font, file=sys.stderr)
    size = f"{plural(info['pages'], 'page', sep='')}, {plural(info['words'], 'word', sep='')}"
    print(f"{info['pdf']} ({size} of prose) from {info['typ']} in {info['seconds']:.1f} s")
    return 0


def _animate(args: argparse.Namespace) -> int:
    names = list(trajectories.SURFACES) if args.surface == "all" else [args.surface]
    for name in names:
        png = trajectories_plot.plot_trajectories(name, args.out / f"{name}.png", steps=args.steps)
        gif = trajectories_plot.animate(name, args.out / f"{name}.gif", steps=args.steps)
        print(f"{png}  {gif}")
    return 0


def _pack(args: argparse.Namespace) -> int:
    built = report_args(args)
    if built is not None:
        _report(built)
    try:  # checked before the report was built; this is what the build left
        path = pack(args.student_id, args.name, report=args.report, **place(args))
    except ValueError as e:
        print(f"backprop pack: error: {e}", file=sys.stderr)
        return 2
    print(path)
    result = check.check_zip(path)  # the checks a TA runs; a format error here is pack's bug
    print(check.format_result(result, notes=False))
    return 1 if result.verdict == "format errors" else 0


def _check(args: argparse.Namespace) -> int:
    """``backprop check``: exit 1 if any zip has a format error."""
    if args.run:
        print(check.WARNING, file=sys.stderr)
    results = []
    for path in check.submissions(args.paths):
        results.append(check.check_zip(path, run=args.run, timeout=args.timeout))
        print(check.format_result(results[-1]), flush=True)
    if args.csv:
        check.write_csv(results, args.csv)
    return 1 if any(r.verdict == "format errors" for r in results) else 0


def _lab_or_train(args: argparse.Namespace, config: Config) -> int:
    """``lab`` (both datasets) or ``train`` (one): print, write figures and files."""
    start = time.perf_counter()
    out = out_folder(args)
    with files.locked(out):
        _lab_or_train_locked(args, config, out)
    took = f" ({time.perf_counter() - start:.1f} s)" if args.command == "lab" else ""
    print(f"figures, history.json and model.npz in {out}/{took}")
    return 0


class _PipeGuard:
    """``sys.stdout`` (or ``stderr``) whose reader may leave, as in ``backprop lab | head -3``:
    after the first ``EPIPE`` the stream goes to ``os.devnull`` and the run goes on to
    write its files (the signal module's "Note on SIGPIPE", at print time). Another
    error (``> /dev/full``: no space) does the same and is kept in ``lost``, to be said."""

    lost: OSError | None = None  # the first write error other than a reader that left

    def __init__(self, stream) -> None:
        self._stream = stream

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as e:
            self._to_devnull(e)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as e:
            self._to_devnull(e)

    def _to_devnull(self, e: OSError) -> None:
        if not isinstance(e, BrokenPipeError) and _PipeGuard.lost is None:
            _PipeGuard.lost = e
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())  # what is still buffered goes there too
        os.close(devnull)


def _guard_pipes() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` in ``_PipeGuard`` if they are real files."""
    _PipeGuard.lost = None
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            stream.fileno()
        except (AttributeError, OSError, ValueError):  # e.g. pytest's capture: no pipe
            continue
        if not isinstance(stream, _PipeGuard):
            setattr(sys, name, _PipeGuard(stream))


def _error(e: Exception) -> str:
    """``e`` as the sentence a user reads: an OS error names its path, without ``[Errno]``."""
    if isinstance(e, OSError):
        return file_error(e.filename, e) if e.filename is not None else os_reason(e)
    return str(e)


def _dispatch(args: argparse.Namespace, config: Config | None) -> int:
    if args.command == "experiments":
        return _experiments(args)
    if args.command == "report":
        return _report(args)
    if args.command == "animate":
        return _animate(args)
    if args.command == "check":
        return _check(args)
    if args.command == "play":
        return play.serve(args.host, args.port, browser=not args.no_browser)
    return _pack(args) if args.command == "pack" else _lab_or_train(args, config)


def _lab_or_train_locked(args: argparse.Namespace, config: Config, out: Path) -> None:
    if args.command == "lab":
        runner.lab(config, out, args.seed, args.log_every)
    else:
        runner.train_dataset(
            config,
            args.data,
            args.seed,
            out,
            args.log_every,
            schedule_epochs=args.schedule_epochs,
            **data_args(args),
        )


def main(argv: list[str] | None = None) -> int:
    _guard_pipes()
    parser = make_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["lab", *argv]  # no command: `backprop --seed 3` is `backprop lab --seed 3`
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a refusal: said on a stream
        if _PipeGuard.lost is not None and not e.code:
            print(
                f"backprop: error: the output could not be written ({os_reason(_PipeGuard.lost)})",
                file=sys.__stderr__,
            )
            raise SystemExit(1) from None
        raise
    made, start = [f for p in _outs(args) for f in files.missing(p)], time.time()
    try:
        code = _run(parser, args)
        if _PipeGuard.lost is not None:  # e.g. `> /dev/full`: the files are written, not it
            why = os_reason(_PipeGuard.lost)
            print(
                f"backprop {args.command}: error: the output could not be written ({why})",
                file=sys.__stderr__,
            )
            return max(code, 1)
        return code
    except files.InUseError as e:
        print(f"backprop {args.command}: error: {e}; {IN_USE}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        with _uninterrupted():
            files.remove_empty(made)
            if sweep.Progress.open_line:  # Ctrl-C came mid-bar: the message on its own line
                sys.stderr.write("\n")
            try:
                kept = f"; {_kept(args, start)}"
            except (ValueError, OSError):  # interrupted before validate had checked the flags
                kept = ""
            print(f"backprop {args.command}: interrupted{kept}", file=sys.stderr)
        return 130


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """SIGINT ignored in the block: a second Ctrl-C cannot cut the interrupt's line short."""
    try:
        before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: no signal reaches it
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


IN_USE = "wait for it to finish or use another folder"


def _outs(args: argparse.Namespace) -> list[Path]:
    """The folders the command writes (``validate`` creates them)."""
    command = args.command
    if command in ("lab", "train"):
        return [out_folder(args)]
    if command == "report":
        return [args.out, args.experiments]
    if command == "pack":
        try:
            built = report_args(args)
        except ValueError:  # validate says so
            return []
        return [built.out, built.experiments] if built else []
    return [args.out] if command in ("experiments", "animate") else []


def _kept(args: argparse.Namespace, start: float) -> str:
    """What an interrupted command leaves (each file it wrote is whole): its one line."""
    command = args.command
    if command == "experiments":
        return _in_cache(args.names or experiments.DEFAULT_NAMES, args.out, args)
    if command == "report" and not args.typeset:
        return _in_cache(experiments.NAMES, args.experiments, args) + "; report.pdf not written"
    if command == "report":
        return "report.pdf not written"
    if command == "pack":
        built = report_args(args)  # checked by validate, as the build began
        return "no zip written" + (f"; {_kept(built, start)}" if built else "")
    if command == "play":
        return "server stopped, nothing written"
    if command == "check":
        return "the check stopped" + (f"; {args.csv} not written" if args.csv else "")
    written = files.written_since(_outs(args)[0], start)
    if not written:
        return "nothing written"
    where = Path(os.path.commonpath([p.parent for p in written]))
    return f"{plural(len(written), 'file', sep='')} written in {where}/"


def _in_cache(names: list[str], folder: Path, args: argparse.Namespace) -> str:
    names = list(dict.fromkeys(names))  # a name given twice runs once
    n = experiments.cached(names, folder, **sizes(args))
    return (
        f"{n} of {plural(len(names), 'experiment', sep='')} {'is' if n == 1 else 'are'} "
        f"in the cache ({folder})"
    )


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Validate ``args``, then run the command."""
    try:
        config = validate(args)
    except (ValueError, TypeError, OSError) as e:  # OSError: pack's existing zip
        parser.exit(2, f"backprop {args.command}: error: {_error(e)}\n")
    try:
        return _dispatch(args, config)
    except (DivergedError, OSError) as e:  # OSError: a file that could not be written
        print(f"backprop {args.command}: error: {_error(e)}", file=sys.stderr)
        return 1
