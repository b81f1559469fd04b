"""Argument checks shared by the CLI, ``limits``, ``Config`` and the optimizers: each
returns the value or raises with a message that names it and the allowed range."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

INF = math.inf


def _num(x: float) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def _span(low: float, high: float) -> str:
    if low > -INF and high < INF:
        return f"between {_num(low)} and {_num(high)}"
    if low > -INF:
        return f"at least {_num(low)}"
    return f"at most {_num(high)}" if high < INF else "finite"


def whole(name: str, value: object, low: float = -INF, high: float = INF) -> int:
    """``value`` as an int in ``[low, high]``: ``TypeError`` if not a whole number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
    if not low <= value <= high:
        raise ValueError(f"{name} must be {_span(low, high)}, got {int(value):,}")
    return int(value)


def real(
    name: str, value: object, low: float = -INF, high: float = INF, *, message: str = ""
) -> float:
    """``value`` as a finite float in ``[low, high]`` (NaN is refused).

    ``message`` replaces the start of the error (``{value}`` is filled in), e.g. torch's
    ``"Invalid eps value: {value}"``."""
    head = message or f"{name} must be a number, got {{value}}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(head.format(value=repr(value)) + "; pass a number")
    if not (low <= value <= high and math.isfinite(value)):
        if message:
            raise ValueError(f"{message.format(value=value)} (must be {_span(low, high)})")
        raise ValueError(f"{name} must be {_span(low, high)}, got {value}")
    return float(value)


def choice(name: str, value: object, choices: Iterable[str]) -> str:
    """``value`` if it is one of ``choices``, else ``ValueError`` listing them."""
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
    return value
