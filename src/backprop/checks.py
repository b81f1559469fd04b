"""Argument checks shared by the CLI, ``limits``, ``Config`` and the optimizers: each
returns the value or raises with a message that names it and the allowed range."""

from __future__ import annotations

import errno
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


def plural(n: int, word: str, many: str = "", sep: str = ",") -> str:
    """``"1 seed"``, ``"2 seeds"``, ``"1,000 seeds"`` (``sep=""``: ``"1000 seeds"``):
    ``n`` and ``word``, or ``many`` if the plural is not ``word + "s"``."""
    return f"{n:{sep}} {word if n == 1 else many or word + 's'}"


def escaped(text: str) -> str:
    """``text`` with what is not printable (a newline, an escape code) written as Python
    writes it in a string (``\\n``, ``\\x1b``): one line that cannot restyle a terminal."""
    return text if text.isprintable() else repr(text)[1:-1]


def shown(text: object, most: int = 60) -> str:
    """``text`` on one line, ``escaped``, cut in the middle past ``most`` (a 600-character
    path is shown as its start and its end)."""
    text = escaped(str(text))
    return text if len(text) <= most else f"{text[: most - 21]}…{text[-20:]}"


# errno → why, for the OS errors that have no subclass of their own
_REASONS = {
    errno.ENAMETOOLONG: "the path or a name in it is too long",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is used up",
    errno.ELOOP: "too many symbolic links",
}


def os_reason(e: OSError | ValueError, what: str = "file") -> str:
    """Why ``e`` happened, as words: no ``[Errno N]``, no codec name. ``what`` names the
    thing the path should have been (``"CSV file"``, ``"folder"``)."""
    if isinstance(e, UnicodeDecodeError):
        return f"byte 0x{e.object[e.start]:02x} at offset {e.start:,} is not UTF-8"
    if isinstance(e, FileNotFoundError):
        return "no such file or folder"
    if isinstance(e, IsADirectoryError):
        return f"is a folder, not a {what}"
    if isinstance(e, NotADirectoryError):
        return "a part of the path before the last is a file, not a folder"
    if isinstance(e, PermissionError):
        return "permission denied"
    number = getattr(e, "errno", None)
    if number in _REASONS:
        name = getattr(e, "filename", None)
        long = number == errno.ENAMETOOLONG and name is not None
        return _REASONS[number] + (f": {len(str(name)):,} characters" if long else "")
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return text[:1].lower() + text[1:]


def file_error(path: object, e: OSError | ValueError, what: str = "file") -> str:
    """``e``, raised opening, reading or writing ``path``, as one sentence naming the path:
    ``"data.csv: is a folder, not a CSV file"``."""
    return f"{shown(path, 80)}: {os_reason(e, what)}"
