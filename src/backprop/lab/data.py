"""The lab's data: points ``(n, 2)`` in [0, 1]² and labels ``(n, 1)``.

``generate_linear`` and ``generate_XOR_easy`` are the handout's, unchanged (they draw
from NumPy's global random state; ``load`` is the one place that seeds them); the extra
sets take a ``numpy.random.Generator``; any set goes to and from CSV (``x1,x2,label``).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from ..checks import file_error, plural, shown

DATASETS = ("linear", "xor")  # the handout's: the lab, experiments and report run these
SETS = (*DATASETS, "circle", "gaussians", "spiral")  # every generated set (train, play)
DATASET_NAMES = {"linear": "linear", "xor": "XOR"}  # as text and figures name them
N_POINTS, NOISE = 100, 0.1  # the generated sets' defaults (linear: the handout's n)
CSV_HEADER = "x1,x2,label"
MIN_POINTS = 2  # the least points of any set: generated, drawn or read


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
        seen = str(values) if text is None else text
        raise ValueError(
            f"{where} is {seen[:40]!r}; expected x1,x2,label with two finite numbers "
            "and a label 0 or 1"
        )
    return x1, x2, label


def points(
    rows: list, max_rows: int | None = None, where: str = "point"
) -> tuple[np.ndarray, np.ndarray]:
    """``(X (n, 2), y (n, 1))`` from rows ``(x1, x2, label)``: ``MIN_POINTS`` to ``max_rows``
    of them, each checked by ``_point`` (``ValueError`` naming the row otherwise)."""
    if max_rows is not None and len(rows) > max_rows:
        raise ValueError(f"{len(rows):,} points are too many; keep at most {max_rows:,}")
    if len(rows) < MIN_POINTS:
        raise ValueError(
            f"only {plural(len(rows), 'point')}; give at least {MIN_POINTS} (x1,x2,label)"
        )
    a = np.array([_point(r, f"{where} {i}") for i, r in enumerate(rows, 1)]).reshape(-1, 3)
    return a[:, :2].copy(), a[:, 2:].copy()


def _delimiter(line: str) -> str:
    """The separator of ``line`` among tab, ``;`` and ``,``: the first that splits it into
    three fields (``,`` when none does, so that the line is refused for its fields)."""
    for d in ("\t", ";", ","):
        if len(_fields(line, d)) == 3:
            return d
    return ","


def _fields(line: str, delimiter: str) -> list[str]:
    """``line``'s fields (``csv`` quoting), stripped, trailing empty ones dropped."""
    fields = [f.strip() for f in next(csv.reader([line], delimiter=delimiter), [])]
    while fields and not fields[-1]:
        fields.pop()
    return fields


def _number(field: str) -> float | None:
    """``field`` as a float (a decimal comma, ``0,5``, too), or ``None``."""
    if field.count(",") == 1 and "." not in field:
        field = field.replace(",", ".")
    try:
        return float(field)
    except ValueError:
        return None


def _wrong(fields: list[str]) -> str | None:
    """What is wrong with a row's ``fields`` as ``x1, x2, label``, or ``None``."""
    if len(fields) != 3:
        return f"expected 3 fields x1, x2, label separated by , ; or tab, found {len(fields)}"
    for name, field in zip(("x1", "x2", "label"), fields):
        value = _number(field)
        if value is None or not math.isfinite(value):
            return f"{name} is {shown(field, 20)!r}, not a finite number"
    if _number(fields[2]) not in (0, 1):
        return f"label is {shown(fields[2], 20)!r}; a label is 0 or 1"
    return None


def from_csv(
    text: str, max_rows: int | None = None, name: str = "CSV"
) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from the text of a CSV file ``name``: a BOM, a header row, CRLF, ``,``
    ``;`` or tab separators, quoted numbers and decimal commas (``0,5``) are taken,
    blank lines skipped; anything else, or one class only, raises ``ValueError``
    ``name: line N: the line: what is wrong``."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    delimiter, rows, first = None, [], True
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            delimiter = delimiter or _delimiter(line)
            fields = _fields(line, delimiter)
        except csv.Error as e:  # e.g. a field longer than csv.field_size_limit()
            raise ValueError(f"{shown(name, 80)}: line {i}: {shown(line)}: {e}") from None
        if not fields:
            continue  # ",,": a blank row as a spreadsheet writes it
        wrong = _wrong(fields)
        header = first and len(fields) == 3 and all(_number(f) is None for f in fields)
        first = False
        if header:
            continue  # x1,x2,label or any other names
        if not wrong and max_rows is not None and len(rows) == max_rows:
            wrong = f"more than {max_rows:,} points; keep at most {max_rows:,}"
        if wrong:
            raise ValueError(f"{shown(name, 80)}: line {i}: {shown(line)}: {wrong}")
        rows.append([_number(f) for f in fields])
    if len(rows) < MIN_POINTS:
        raise ValueError(
            f"{shown(name, 80)}: {plural(len(rows), 'point')}; give at "
            f"least {MIN_POINTS} lines x1,x2,label"
        )
    X, y = points(rows, max_rows)
    if one_class(y):
        raise ValueError(f"{shown(name, 80)}: {one_class(y)} (is the label the third column?)")
    return X, y


def one_class(y: np.ndarray) -> str | None:
    """What is wrong with labels ``y (n, 1)`` of one class only (a classifier needs both),
    or ``None``: the one rule for a CSV file and the page's drawn points."""
    if len(np.unique(y)) != 1:
        return None
    return f"every label is {int(y[0, 0])}; a classifier needs points of both classes, 0 and 1"


def read_csv(path: str, max_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``from_csv`` of the UTF-8 file at ``path`` (a BOM is taken); an OS error or text
    that is not UTF-8 raises ``ValueError`` naming the path."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ValueError(file_error(path, e, "CSV file")) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(f"{shown(path, 80)}: is UTF-16 text; save it as CSV UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        start = raw.rfind(b"\n", 0, e.start) + 1
        end = raw.find(b"\n", e.start)
        bad = raw[start : None if end < 0 else end].decode("utf-8", "replace").rstrip("\r")
        raise ValueError(
            f"{shown(path, 80)}: line {line}: {shown(bad)}: byte 0x{raw[e.start]:02x} "
            "is not UTF-8; save the file as CSV UTF-8"
        ) from None
    return from_csv(text, max_rows, path)


def load(
    name: str, seed: int | None = None, n: int | None = None, noise: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of dataset ``name`` (one of ``SETS``, or a ``.csv`` path) as float64 ``(n, 2)``
    and ``(n, 1)``; ``seed`` goes to ``np.random.seed`` for the handout's sets, as a
    student's script would, and to ``np.random.default_rng`` for the others."""
    if name.endswith(".csv"):
        return read_csv(name)
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


def split(
    X: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: ``round(fraction · n_c)`` (ties to even) of each
    class ``c`` held out, drawn by ``rng`` (stratified: on a set as small as XOR's 21
    points a plain draw could leave the training part one class, or the test part
    none of one). Both parts keep the data's order. ``ValueError`` unless the test part
    has ``MIN_POINTS`` and the training part ``MIN_POINTS`` and both classes."""
    labels = y[:, 0] > 0.5
    test = np.zeros(len(y), bool)
    for c in (False, True):
        where = np.flatnonzero(labels == c)
        test[rng.permutation(where)[: round(fraction * len(where))]] = True
    kept = ~test
    if test.sum() < MIN_POINTS or kept.sum() < MIN_POINTS or len(set(labels[kept])) < 2:
        classes = plural(len(set(labels[kept])), "class", "classes")
        raise ValueError(
            f"a test fraction of {fraction:g} splits {len(y)} points into {kept.sum()} to "
            f"train ({classes}) and {test.sum()} to test; both parts "
            f"need {MIN_POINTS} points and training both classes: change the fraction or "
            "use more points"
        )
    return X[kept], y[kept], X[test], y[test]
