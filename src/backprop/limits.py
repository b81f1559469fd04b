"""What a run may ask for: checks that refuse a request, before any work, in one line.

The CLI and the playground (with the ``PAGE_*`` caps) call the same ``check_*``
functions; how the memory estimate was calibrated: ``docs/architecture.md``.
"""

from __future__ import annotations

import numbers
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from . import checks
from .checks import whole

# 100× the handout preset's 10 000 epochs, more than any lab run needs; the history of
# a million epochs is already ~40 MB of history.json.
MAX_EPOCHS = 1_000_000
# 200× the longest default path (500 steps): 8 optimizers × 100 000 Python-level steps
# take seconds, and a path longer than that adds nothing visible to a 300-pixel plot.
MAX_STEPS = 100_000
# Samples in the largest dataset (linear, 100 points) and in the plots' grids.
SAMPLES = 100
PLOT_POINTS = {"mlp": 200 * 200, "cnn": 80 * 80}
# Parameter-sized arrays alive at once: data, grad, their flat copies while the
# optimizer packs them, the optimizer's scratch, decayed gradient and up to three
# moments, the forward's transposed weights.
PARAM_COPIES = 9
# Arrays per activation (Z, T, G in the fused path, the output's also the loss's bound
# scratch; the plain path's caches), and in a forward pass alone (a layer's output and its
# activation's).
ACTIVATION_COPIES = 4
FORWARD_COPIES = 2
# Hidden layers of an MLP: the page offers 1-6, and so does the CLI (a seventh adds
# nothing a 2-D lab shows); units per layer are the memory check's business in the CLI.
MAX_LAYERS = 6
# What one playground request may ask for: units per layer and seeds (K models in one
# stack) small enough that a frame stays interactive, points a click-drawn or uploaded
# set needs, a heatmap side the page paints, and epochs trained per request.
PAGE_UNITS = 64
PAGE_SEEDS = 32
PAGE_POINTS = 2000
PAGE_GRID = (8, 128)
PAGE_STEP_EPOCHS = 1000
PAGE_COORDINATE = 10.0  # |x1|, |x2| of a point: the lab's square is [0, 1]²
PAGE_LR = (1e-5, 100.0)  # the rate slider's ends (log scale): a link sets no rate it cannot show
# The largest L1/L2 rate (TensorFlow Playground's too): beyond it the penalty only
# drives every weight to zero.
MAX_PENALTY = 10.0
ROW_BYTES = 1500  # one sweep result row: a dict of 9 entries (Python objects)
CNN_SIDE, CNN_CHANNELS = 16, (4, 8)  # backprop.lab.cnn's defaults, which the CLI trains
GIB = 1 << 30


class RunConfig(Protocol):
    """The fields of ``backprop.lab.config.Config`` these checks read."""

    model: str
    hidden: tuple[int, ...]
    bias: bool
    dtype: str
    epochs: int


def memory_limit() -> int:
    """Half the machine's physical memory (``os.sysconf``), or 4 GiB where it is unknown:
    physical, not free, so that one command is always accepted or always refused."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):  # Windows has no sysconf
        return 4 * GIB


def check_epochs(epochs: object, name: str = "epochs", high: int = MAX_EPOCHS) -> int:
    """``epochs`` as an int in ``[1, high]``, else ``TypeError``/``ValueError``."""
    return whole(name, epochs, 1, high)


def check_hidden(hidden: object, high: int | None = None) -> tuple[int, ...]:
    """``hidden`` as a tuple of 1 to ``MAX_LAYERS`` whole sizes in ``[1, high]``."""
    sizes = tuple(hidden) if isinstance(hidden, list | tuple) else ()
    if not 1 <= len(sizes) <= MAX_LAYERS or not all(
        isinstance(h, numbers.Integral) and not isinstance(h, bool) and h >= 1 for h in sizes
    ):
        raise ValueError(
            f"hidden must be 1 to {MAX_LAYERS} whole sizes of at least 1, got {hidden!r}"
        )
    if high is not None and max(sizes) > high:
        raise ValueError(f"hidden layers have at most {high} units here, got {max(sizes)}")
    return tuple(int(h) for h in sizes)


def check_range(name: str, value: object, low: float, high: float, whole: bool = False) -> float:
    """``value`` as a finite number (an int if ``whole``) in ``[low, high]``, else
    ``ValueError`` (``TypeError`` if it is no number) naming ``name``."""
    return checks.whole(name, value, low, high) if whole else checks.real(name, value, low, high)


def check_test_fraction(fraction: object) -> float:
    """The fraction of points held out for testing, in ``[0, 1)`` (1 would leave none)."""
    value = checks.real("test_fraction", fraction, 0, 1)
    if value == 1:
        raise ValueError("test_fraction must be below 1 (some points must stay for training)")
    return value


def check_steps(steps: object) -> int:
    """``backprop animate``'s steps per path, in ``[1, MAX_STEPS]``."""
    return check_epochs(steps, "steps", MAX_STEPS)


def _fmt(n: float) -> str:
    return f"{n / GIB:.1f} GiB" if n >= GIB / 10 else f"{n / (1 << 20):.1f} MiB"


def run_bytes(
    config: RunConfig, models: int = 1, samples: int = SAMPLES, plot_points: int = 0
) -> int:
    """Estimated peak bytes of training ``config`` as a stack of ``models`` on ``samples``
    points, then evaluating one model on ``plot_points`` points (the decision boundary).

    ``P`` parameters and ``W`` activation widths per model, item size ``b``::

        bytes ≈ M·P·(PARAM_COPIES·b + 8)          parameters, drawn in float64
              + M·N·W·ACTIVATION_COPIES·b          activations
              + plot_points·W·FORWARD_COPIES·8     the plot's forward pass
              + M·epochs·32                        loss and accuracy per epoch, twice
    """
    item = 8 if config.dtype == "float64" else 4
    if config.model == "cnn":
        c = (1, *CNN_CHANNELS)
        convs = sum(9 * a * b + b for a, b in zip(c, c[1:]))
        params = convs + c[-1] * (CNN_SIDE // 2 ** len(CNN_CHANNELS)) ** 2 + 1
        width = CNN_SIDE**2 * (1 + 2 * sum(CNN_CHANNELS))  # images, convs, pools
    else:
        sizes = config.layer_sizes
        params = sum(a * b + (b if config.bias else 0) for a, b in zip(sizes, sizes[1:]))
        width = sum(sizes)
    return (
        models * params * (PARAM_COPIES * item + 8)
        + models * samples * width * ACTIVATION_COPIES * item
        + plot_points * width * FORWARD_COPIES * 8
        + models * config.epochs * 32
    )


def check_bytes(need: int, what: str) -> None:
    """Refuse ``need`` bytes above ``memory_limit()``, naming ``what`` asked for them."""
    limit = memory_limit()
    if need > limit:
        raise ValueError(
            f"{what} needs about {_fmt(need)} of memory, more than the limit of {_fmt(limit)} "
            "(half this machine's RAM); ask for fewer"
        )


def _describe(config: RunConfig, models: int) -> str:
    size = "the CNN" if config.model == "cnn" else "hidden " + " ".join(map(str, config.hidden))
    stack = f" × {models:,} models" if models > 1 else ""
    return f"{size}{stack}, {checks.plural(config.epochs, 'epoch')}"


def check_run(
    config: RunConfig, models: int = 1, samples: int = SAMPLES, plot: bool = False
) -> None:
    """``config`` trained as ``models`` at once (and plotted if ``plot``) fits the limits."""
    check_epochs(config.epochs)
    points = PLOT_POINTS[config.model] if plot else 0
    check_bytes(run_bytes(config, models, samples, points), _describe(config, models))


def check_stacks(stacks: Iterable[tuple[RunConfig, int]], rows: int, what: str) -> None:
    """A sweep: each ``(config, models)`` stack (trained one after another) and ``rows``
    result rows, kept to the end, fit together."""
    stacks = list(stacks)
    for config, _ in stacks:
        check_epochs(config.epochs)
    config, models = max(stacks, key=lambda s: run_bytes(*s))
    need = run_bytes(config, models) + rows * ROW_BYTES
    check_bytes(need, f"{what} ({_describe(config, models)} in its largest stack)")


def check_out(path: str | Path, flag: str = "--out") -> Path:
    """Create the folder ``path`` if needed and write (and delete) a file in it."""
    if not str(path).strip():  # Path("") is ".": an empty --out would write here
        raise ValueError(f"{flag} is empty; name a folder (. for this one)")
    path = Path(path)
    try:
        is_file = path.exists() and not path.is_dir()
        if not is_file:
            path.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=path):
                pass
    except (OSError, ValueError) as e:  # ValueError: a NUL in the path
        reason = checks.os_reason(e)
        if isinstance(e, FileNotFoundError):  # e.g. /proc/self: it is there, but refuses
            there = next((p for p in (path, *path.parents) if p.is_dir()), None)
            if there is not None:
                reason = f"no file can be made in {checks.shown(there, 60)}"
        raise ValueError(
            f"{flag} {checks.shown(path, 80)} cannot be written ({reason}); "
            "name a folder you can write to"
        ) from None
    if is_file:
        raise ValueError(f"{flag} {checks.shown(path, 80)} is a file; name a folder")
    return path
