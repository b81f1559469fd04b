"""Typst does the typesetting: the report's preamble, compiling ``report.typ`` to
``report.pdf``, telling an edited ``report.typ`` from the one written, and the font a
name needs.

``report.typ`` starts with a line holding the SHA-256 of the rest as written, so an edit
(anything after that line) is found without a second file to keep in step.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import matplotlib
import typst

from ..files import write_bytes

# matplotlib's own DejaVu fonts: the figures' SVG text is set in DejaVu Sans, found here
# on every machine; body, maths and code use the fonts inside the typst wheel.
FONT_PATHS = [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]
CJK_HINT = "Noto CJK (Debian/Ubuntu: apt install fonts-noto-cjk; macOS and Windows have one)"

HEADER = "// Written by `backprop report`; edit freely, then run `backprop report --typeset`."
STAMP = re.compile(r"^// sha256 of the text below as written: ([0-9a-f]{64})\n")

PREAMBLE = (Path(__file__).parent / "preamble.typ").read_text(encoding="utf-8").strip()


def stamp(body: str) -> str:
    """``body`` with the header and the hash line that mark it as written."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    return f"// sha256 of the text below as written: {digest}\n{HEADER}\n{body}"


def edited(path: Path) -> bool:
    """Whether ``path`` (a ``report.typ``) differs from what ``backprop report`` wrote."""
    if not path.exists():
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:  # not the UTF-8 backprop writes: someone else's text
        return True
    m = STAMP.match(text)
    if not m:
        return True
    body = text[m.end() :].split("\n", 1)[1] if "\n" in text[m.end() :] else ""
    return hashlib.sha256(body.encode()).hexdigest() != m.group(1)


def compile_pdf(source: Path, pdf: Path | None = None) -> Path:
    """Compile ``source`` (a ``.typ`` file, with whatever it includes from its folder)
    into ``pdf`` (default: beside it); a Typst error is raised as ``ValueError``."""
    source = Path(source)
    pdf = Path(pdf) if pdf else source.with_suffix(".pdf")
    try:  # to bytes, written here: Typst's own temporary name is the same for every process
        data = typst.compile(str(source), root=str(source.parent), font_paths=FONT_PATHS)
    except typst.TypstError as e:  # its diagnostic names the line and shows it
        where = getattr(e, "diagnostic", "") or str(e)
        raise ValueError(f"Typst could not compile {source}:\n{where.rstrip()}") from None
    return write_bytes(pdf, data)


def _wide(name: str) -> bool:
    return any(unicodedata.east_asian_width(c) in "WF" for c in name)


def missing_font(name: str) -> str | None:
    """A line naming the font to install when ``name`` has CJK characters and no font
    Typst can see covers them; else None."""
    if not _wide(name):
        return None
    fonts = typst.Fonts(include_system_fonts=True, include_embedded_fonts=True, font_paths=[])
    for family in fonts.families():
        if re.search(
            r"CJK|Han|Hei|Song|Ming|Kai|Gothic|Mincho|WenQuanYi|Noto Sans [TSJK]C", family
        ):
            return None
    return (
        f"backprop: no font here has the characters of the name {name!r}, so the PDF "
        f"shows boxes in their place; install {CJK_HINT}, then run backprop report --typeset"
    )
