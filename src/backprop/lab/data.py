"""The lab's data: points ``(n, 2)`` in [0, 1]² and labels ``(n, 1)``.

``generate_linear`` and ``generate_XOR_easy`` are the handout's, unchanged (they draw
from NumPy's global random state; ``load`` is the one place that seeds them); the extra
sets take a ``numpy.random.Generator``; any set goes to and from CSV (``x1,x2,label``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

DATASETS = ("linear", "xor")  # the handout's: the lab, experiments and report run these
SETS = (*DATASETS, "circle", "gaussians", "spiral")  # every generated set (train, play)
DATASET_NAMES = {"linear": "linear", "xor": "XOR"}  # as text and figures name them
N_POINTS, NOISE = 100, 0.1  # the generated sets' defaults (linear: the handout's n)
CSV_HEADER = "x1,x2,label"


def generate_linear(n=100):
    pts = np.random.uniform(0, 1, (n, 2))
    inputs = []
    labels = []
    for pt in pts:
        inputs.append([pt[0], pt[1]])
        if pt[0] > pt[1]:
            labels.append(0)
        else:
            labels.append(1)
    return np.array(inputs), np.array(labels).reshape(n, 1)


def generate_XOR_easy():
    inputs = []
    labels = []

    for i in range(11):
        inputs.append([0.1 * i, 0.1 * i])
        labels.append(0)

        if 0.1 * i == 0.5:
            continue

        inputs.append([0.1 * i, 1 - 0.1 * i])
        labels.append(1)

    return np.array(inputs), np.array(labels).reshape(21, 1)


def _halves(n: int) -> np.ndarray:
    """Labels ``(n, 1)``: the first ``n // 2`` class 0, the rest class 1."""
    return (np.arange(n) >= n // 2).astype(float).reshape(n, 1)


def _polar(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return 0.5 + np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 in a disc of radius 0.2 about (0.5, 0.5), class 0 on a ring 0.3-0.45 round
    it; each point moved by ``N(0, (0.1·noise)²)`` per coordinate."""
    y = _halves(n)
    inner = y[:, 0] == 1
    r = np.where(inner, 0.2 * np.sqrt(rng.uniform(size=n)), rng.uniform(0.3, 0.45, n))
    x = _polar(r, rng.uniform(0, 2 * math.pi, n))
    return x + rng.normal(0, 0.1 * noise, x.shape), y


def gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 about (0.3, 0.3), class 1 about (0.7, 0.7), spread ``0.05 + 0.15·noise``."""
    y = _halves(n)
    centre = np.where(y == 1, 0.7, 0.3)
    return centre + rng.normal(0, 0.05 + 0.15 * noise, (n, 2)), y


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two arms ``r = 0.05 + 0.4 t``, ``θ = 3π t + π·label``, ``t ~ U(0, 1)``, moved by
    ``N(0, (0.05·noise)²)``."""
    y = _halves(n)
    t = rng.uniform(size=n)
    x = _polar(0.05 + 0.4 * t, 3 * math.pi * t + math.pi * y[:, 0])
    return x + rng.normal(0, 0.05 * noise, x.shape), y


GENERATORS = {"circle": circle, "gaussians": gaussians, "spiral": spiral}


def to_csv(X: np.ndarray, y: np.ndarray) -> str:
    """``X (n, 2)`` and labels ``y (n, 1)`` as ``x1,x2,label`` lines (floats written
    exactly: ``from_csv`` gives the same numbers back)."""
    rows = (f"{a!r},{b!r},{int(c)}" for (a, b), c in zip(X.tolist(), y[:, 0].tolist()))
    return "\n".join([CSV_HEADER, *rows]) + "\n"


def _point(values: object, where: str, text: str | None = None) -> tuple[float, float, float]:
    """``(x1, x2, label)`` from three values, two finite numbers and a 0/1 label, else
    ``ValueError`` naming ``where`` and showing ``text`` (default: the values)."""
    try:
        if isinstance(values, str) or any(isinstance(v, bool) for v in values):  # type: ignore
            raise TypeError
        x1, x2, label = (float(v) for v in values)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        x1 = x2 = label = math.nan
    if not (math.isfinite(x1) and math.isfinite(x2) and label in (0, 1)):
        shown = str(values) if text is None else text
        raise ValueError(
            f"{where} is {shown[:40]!r}; expected x1,x2,label with two finite numbers "
            "and a label 0 or 1"
        )
    return x1, x2, label


def points(
    rows: list, max_rows: int | None = None, where: str = "point"
) -> tuple[np.ndarray, np.ndarray]:
    """``(X (n, 2), y (n, 1))`` from rows ``(x1, x2, label)``: 2 to ``max_rows`` of them,
    each checked by ``_point`` (``ValueError`` naming the row otherwise)."""
    if max_rows is not None and len(rows) > max_rows:
        raise ValueError(f"{len(rows):,} points are too many; keep at most {max_rows:,}")
    if len(rows) < 2:
        raise ValueError(f"{len(rows)} points are too few; give at least 2 (x1,x2,label)")
    a = np.array([_point(r, f"{where} {i}") for i, r in enumerate(rows, 1)]).reshape(-1, 3)
    return a[:, :2].copy(), a[:, 2:].copy()


def from_csv(text: str, max_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from ``x1,x2,label`` lines (a header line is optional, blank lines are
    skipped), checked as ``points`` checks them, naming the CSV line that is wrong."""
    rows = []
    for i, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or (i == 1 and line.replace(" ", "") == CSV_HEADER):
            continue
        fields = line.split(",")
        rows.append(_point(fields if len(fields) == 3 else (), f"CSV line {i}", line))
        if max_rows is not None and len(rows) > max_rows:
            break  # refused by points
    return points(rows, max_rows)


def load(
    name: str, seed: int | None = None, n: int | None = None, noise: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of dataset ``name`` (one of ``SETS``, or a ``.csv`` path) as float64 ``(n, 2)``
    and ``(n, 1)``; ``seed`` goes to ``np.random.seed`` for the handout's sets, as a
    student's script would, and to ``np.random.default_rng`` for the others."""
    if name.endswith(".csv"):
        return from_csv(Path(name).read_text())
    if name not in SETS:
        raise ValueError(
            f"unknown dataset {name!r}; choose one of {', '.join(SETS)} or a .csv file"
        )
    n = N_POINTS if n is None else n
    if name in GENERATORS:
        rng = np.random.default_rng(seed)
        return GENERATORS[name](n, NOISE if noise is None else noise, rng)
    if seed is not None:
        np.random.seed(seed)
    x, y = generate_linear(n) if name == "linear" else generate_XOR_easy()
    return x.astype(float), y.astype(float)
