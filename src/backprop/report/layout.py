"""A ``doc.Document`` laid out on A4 pages and written as a PDF. (One module past 300
lines: the pager, the placers of each block kind and the drawing calls they leave on
each page share its page state and metrics.)

``write_pdf`` measures every line with matplotlib's font metrics, wraps prose
(``textwrap``) to the text width, keeps headings with what follows, lets figures
and tables float to the next page (the text goes on meanwhile) or shrink a little
to fit, and writes a multi-page PDF (``PdfPages``) with "page i of n" footers. A page
is a list of picklable drawing calls, so with a process pool the second half of the
pages is drawn there and ``pdf.merge`` joins the two files.
"""

from __future__ import annotations

import struct
import textwrap
from collections.abc import Callable
from concurrent.futures import Executor, wait
from functools import cache, partial
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.image import imread
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextToPath

from .doc import Bullets, Document, Equations, Heading, Image, Table, Text
from .pdf import merge

PAGE_W, PAGE_H = 8.27, 11.69  # A4, inches
LEFT, TOP, BOTTOM = 0.85, 0.75, 0.85
TEXT_W = PAGE_W - 2 * LEFT
BODY, SMALL = 10.0, 8.8  # font sizes (pt)
LEADING = 1.38
GAP = 0.15  # between images side by side
SHRINK = 0.75  # a figure may shrink to this to fit the rest of a page
PAD = 0.16  # inside a table cell, left and right together


# ----------------------------------------------------------------------------- measuring


_TEXT = TextToPath()  # one measurer: its mathtext parser caches what it parsed


@cache
def _font(size: float, weight: str = "normal", style: str = "normal", family: str = "sans-serif"):
    return FontProperties(family=family, size=size, weight=weight, style=style)


@cache
def text_width(s: str, size: float, weight: str = "normal", style: str = "normal") -> float:
    """Width of ``s`` in inches (cached: ``wrap`` measures the same lines again as it
    narrows its lines)."""
    w, _, _ = _TEXT.get_text_width_height_descent(s, _font(size, weight, style), False)
    return w / 72


def wrap(text: str, size: float, width: float, weight="normal", style="normal") -> list[str]:
    """``textwrap`` lines of ``text`` that each measure at most ``width`` inches."""
    avg = text_width(text, size, weight, style) / max(1, len(text))
    n = max(12, int(width / max(avg, 1e-6)))
    while True:
        lines = textwrap.wrap(text, n, break_on_hyphens=False) or [""]
        if n <= 12 or all(text_width(s, size, weight, style) <= width for s in lines):
            return lines
        n -= 2


def _math_size(s: str, size: float) -> tuple[float, float, float]:
    """Width, height and depth of a mathtext line, in inches."""
    w, h, d, *_ = _TEXT.mathtext_parser.parse(s, dpi=72, prop=_font(size))
    return w / 72, h / 72, d / 72


# ----------------------------------------------------------------------------- layout

Draw = Callable[[Figure], None]


class _Pages:
    """A cursor ``y`` (inches from the top) on a list of pages of draw calls, and the
    floats (figures, tables) waiting for a page with room for them."""

    def __init__(self) -> None:
        self.pages: list[list[Draw]] = [[]]
        self.y = TOP
        self.floats: list[tuple[float, Callable[[_Pages], None]]] = []
        self._placing = False

    @property
    def room(self) -> float:
        return PAGE_H - BOTTOM - self.y

    @property
    def empty(self) -> bool:
        return self.y <= TOP + 1e-9

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` fits below the cursor; a new page
        starts with the waiting floats that fit on it."""
        if height > self.room and not self.empty:
            self.pages.append([])
            self.y = TOP
            while not self._placing and self.floats and self.floats[0][0] <= self.room:
                self._place(self.floats.pop(0)[1])

    def _place(self, place: Callable[[_Pages], None]) -> None:
        self._placing = True  # a float that needs a new page must not pull in others
        try:
            place(self)
        finally:
            self._placing = False

    def float(self, least: float, place: Callable[[_Pages], None]) -> None:
        """Place now if ``least`` inches fit (and nothing waits), else after the text
        that follows, at the top of the next page."""
        if not self.floats and (least <= self.room or self.empty):
            self._place(place)
        else:
            self.floats.append((least, place))

    def place_waiting(self) -> None:
        """Place the waiting floats that fit below the cursor, in order."""
        while not self._placing and self.floats and self.floats[0][0] <= self.room:
            self._place(self.floats.pop(0)[1])

    def flush(self) -> None:
        while self.floats:
            self._place(self.floats.pop(0)[1])

    def draw(self, fn: Draw) -> None:
        self.pages[-1].append(fn)


def _fy(y: float) -> float:
    return 1 - y / PAGE_H


def _text_lines(p: _Pages, lines: list[str], size: float, x: float = LEFT, **kw) -> None:
    """Lines of text; waiting floats go after them, not between two lines of them."""
    lh = size * LEADING / 72
    held, p._placing = p._placing, True
    try:
        for line in lines:
            p.need(lh)
            y = p.y
            p.draw(partial(_text, x / PAGE_W, _fy(y), line, size=size, va="top", **kw))
            p.y += lh
    finally:
        p._placing = held
    if not held:
        p.place_waiting()


def _heading(p: _Pages, b: Heading, keep: float = 1.3) -> None:
    """A heading, on a new page unless ``keep`` inches of what follows fit below it."""
    size, before, after = {0: (19, 0.0, 0.12), 1: (14.5, 0.22, 0.08), 2: (11.5, 0.12, 0.05)}[
        b.level
    ]
    lines = wrap(b.text, size, TEXT_W, weight="bold")
    height = len(lines) * size * LEADING / 72
    p.need(before + height + keep)  # keep a heading with the start of what follows
    if p.y > TOP + 1e-9:
        p.y += before
    _text_lines(p, lines, size, weight="bold", color="0.05" if b.level else "black")
    p.y += after


def _paragraph(p: _Pages, text: str, bullet: bool = False) -> None:
    indent = 0.22 if bullet else 0.0
    lines = wrap(text, BODY, TEXT_W - indent)
    if bullet:
        p.need(BODY * LEADING / 72)
        y = p.y
        p.draw(partial(_text, (LEFT + 0.06) / PAGE_W, _fy(y), "•", size=BODY, va="top"))
    _text_lines(p, lines, BODY, x=LEFT + indent)
    p.y += 0.05 if bullet else 0.1


def _equations(p: _Pages, b: Equations) -> None:
    p.y += 0.02
    for line in b.lines:
        size = b.size
        w, h, d = _math_size(line, size)
        if w > TEXT_W - 0.4:
            size *= (TEXT_W - 0.4) / w
            w, h, d = _math_size(line, size)
        p.need(h + 0.12)
        y = p.y + 0.06 + h - d  # the baseline
        p.draw(partial(_text, 0.5, _fy(y), line, size=size, ha="center", va="baseline"))
        p.y += h + 0.12
    p.y += 0.08


def _caption(text: str) -> list[str]:
    return wrap(text, SMALL, TEXT_W - 0.3)


def _pixels(path: Path) -> np.ndarray:
    """A PNG's pixels as ``uint8`` ``(H, W, 3 or 4)``: ``imshow`` embeds bytes as they
    are, where a float image would go through its masked-array normalization first."""
    im = imread(str(path))
    return im if im.dtype == np.uint8 else np.rint(im * 255).astype(np.uint8)


def _png_size(path: Path) -> tuple[int, int]:
    """A PNG's ``(width, height)`` in pixels, from its header (nothing decoded)."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


def _image_sizes(b: Image, label: str, images: list) -> tuple[float, list[str], float]:
    """The images' (``(width, height)`` each) full height, the caption's lines and height
    (inches)."""
    width = b.width * TEXT_W - GAP * (len(images) - 1)
    height = width / sum(w / h for w, h in images)
    cap = _caption(f"{label}. {b.caption}")
    cap_h = len(cap) * SMALL * LEADING / 72 + 0.08
    return min(height, PAGE_H - TOP - BOTTOM - cap_h - 0.12), cap, cap_h


def _image(p: _Pages, b: Image, label: str, images: list) -> None:
    height, cap, cap_h = _image_sizes(b, label, images)
    if height + cap_h + 0.11 > p.room and SHRINK * height + cap_h + 0.11 <= p.room:
        height = p.room - cap_h - 0.11  # shrink a little rather than leave the page empty
    p.need(height + cap_h + 0.11)
    inv_aspect = sum(w / h for w, h in images)
    total = height * inv_aspect + GAP * (len(images) - 1)
    x = LEFT + (TEXT_W - total) / 2
    top = p.y + 0.05
    for path, (px_w, px_h) in zip(b.paths, images):
        w = height * px_w / px_h
        p.draw(partial(_imshow, (x / PAGE_W, _fy(top + height), w / PAGE_W, height / PAGE_H), path))
        x += w + GAP
    p.y = top + height + 0.06
    _text_lines(p, cap, SMALL, x=LEFT + 0.15, color="0.15")
    p.y += 0.12


def _image_least(b: Image, label: str, images: list) -> float:
    height, _, cap_h = _image_sizes(b, label, images)
    return SHRINK * height + cap_h + 0.11


def _table_sizes(b: Table, label: str) -> tuple[list[float], float, list[str], float]:
    """Column widths, font size, caption lines and the whole height (inches). Header
    cells may hold line breaks ("\\n")."""
    size, cols = 9.0, len(b.header)

    def widths(size: float) -> list[float]:
        return [
            max(
                max(text_width(part, size, "bold") for part in b.header[c].split("\n")),
                *(text_width(str(r[c]), size) for r in b.rows),
            )
            + PAD
            for c in range(cols)
        ]

    ws = widths(size)
    while sum(ws) > TEXT_W and size > 6.5:
        size -= 0.5
        ws = widths(size)
    cap = _caption(f"{label}. {b.caption}")
    row_h, head_h = _row_heights(b, size)
    height = len(cap) * SMALL * LEADING / 72 + 0.16 + head_h + row_h * len(b.rows)
    return ws, size, cap, height


def _row_heights(b: Table, size: float) -> tuple[float, float]:
    """Height of a body row and of the header (which may have several lines)."""
    lines = max(cell.count("\n") + 1 for cell in b.header)
    row_h = size * 1.9 / 72
    return row_h, row_h + (lines - 1) * size * 1.25 / 72


def _table_height(b: Table, label: str) -> float:
    return _table_sizes(b, label)[3]


def _table(p: _Pages, b: Table, label: str) -> None:
    ws, size, cap, height = _table_sizes(b, label)
    align = b.align or "l" + "r" * (len(b.header) - 1)
    row_h, head_h = _row_heights(b, size)
    p.need(height)
    _text_lines(p, cap, SMALL, x=LEFT + 0.15, color="0.15")
    p.y += 0.04
    total = sum(ws)
    x0 = LEFT + (TEXT_W - total) / 2
    top = p.y
    bottom = top + head_h + row_h * len(b.rows)

    p.draw(partial(_draw_table, b, ws, size, align, (x0, total), (top, head_h, row_h)))
    p.y = bottom + 0.22


# ----------------------------------------------------------------------------- drawing
# What a page holds: ``partial``s of these, which pickle, so a pool can draw pages too.


def _text(x: float, y: float, s: str, f: Figure, **kw) -> None:
    f.text(x, y, s, **kw)


def _imshow(rect: tuple, path: Path, f: Figure) -> None:
    ax = f.add_axes(rect)
    ax.imshow(_pixels(path), aspect="auto", interpolation="none")  # embedded as is
    ax.set_axis_off()


def _draw_table(b: Table, ws: list, size: float, align: str, xs: tuple, ys: tuple, f) -> None:
    """The table ``b`` at ``xs = (left, width)``, ``ys = (top, header height, row height)``."""
    (x0, total), (top, head_h, row_h) = xs, ys
    bottom = top + head_h + row_h * len(b.rows)

    def rule(y: float, lw: float) -> None:
        f.add_artist(
            Line2D(
                [x0 / PAGE_W, (x0 + total) / PAGE_W],
                [_fy(y)] * 2,
                lw=lw,
                color="black",
                transform=f.transFigure,
            )
        )

    for i, row in enumerate([b.header, *b.rows]):
        y = top if i == 0 else top + head_h + (i - 1) * row_h
        h = head_h if i == 0 else row_h
        if i and i % 2 == 0:
            box = (x0 / PAGE_W, _fy(y + h)), total / PAGE_W, h / PAGE_H
            f.add_artist(Rectangle(*box, color="0.94", lw=0, transform=f.transFigure))
        x = x0
        for c, (cell, w) in enumerate(zip(row, ws)):
            a = align[c]
            tx = {"l": x + PAD / 2, "r": x + w - PAD / 2, "c": x + w / 2}[a]
            ha = {"l": "left", "r": "right", "c": "center"}[a]
            f.text(
                tx / PAGE_W,
                _fy(y + h / 2),
                str(cell),
                size=size,
                ha=ha,
                ma=ha,
                va="center_baseline" if i else "center",
                linespacing=1.15,
                weight="bold" if i == 0 else "normal",
            )
            x += w
    rule(top, 1.0)
    rule(top + head_h, 0.6)
    rule(bottom, 1.0)


def layout(doc: Document, ready: Callable[[Path], None] | None = None) -> list[list[Draw]]:
    """The pages of ``doc``, each a list of calls that draw on an A4 ``Figure``;
    ``ready(path)`` (if given) is called before an image is read, to wait for it."""
    p = _Pages()
    numbers = doc.numbers()
    _heading(p, Heading(doc.title, 0))
    if doc.subtitle:
        _text_lines(p, wrap(doc.subtitle, SMALL, TEXT_W), SMALL, color="0.3")
        p.y += 0.15
    for i, b in enumerate(doc.blocks):
        if isinstance(b, Heading):
            p.flush()
            nxt = doc.blocks[i + 1] if i + 1 < len(doc.blocks) else None
            _heading(p, b, 1.3 + (0.5 if isinstance(nxt, Heading) else 0.0))  # not alone
        elif isinstance(b, Text):
            _paragraph(p, _plain(doc.resolve(b.text)))
        elif isinstance(b, Bullets):
            for item in b.items:
                _paragraph(p, _plain(doc.resolve(item)), bullet=True)
            p.y += 0.05
        elif isinstance(b, Equations):
            _equations(p, b)
        elif isinstance(b, Image):
            label = f"Figure {numbers['fig:' + b.key]}"
            for path in b.paths if ready else ():
                ready(path)
            ims = [_png_size(path) for path in b.paths]
            p.float(_image_least(b, label, ims), partial(_image, b=b, label=label, images=ims))
        elif isinstance(b, Table):
            label = f"Table {numbers['tab:' + b.key]}"
            p.float(_table_height(b, label), lambda p, b=b, label=label: _table(p, b, label))
        else:
            raise TypeError(f"unknown block {b!r}")
    p.flush()
    return p.pages


def _plain(text: str) -> str:
    """Prose for the PDF: Markdown's code backticks dropped."""
    return text.replace("`", "")


def write_pdf(
    doc: Document,
    path: Path,
    ready: Callable[[Path], None] | None = None,
    executor: Executor | None = None,
) -> int:
    """Write ``doc`` to ``path`` (A4, numbered pages); return the number of pages.
    ``ready``: see ``layout``. With an ``executor`` (a process pool), the second half of
    the pages is drawn there while this process draws the first; ``pdf.merge`` joins them.
    """
    pages = layout(doc, ready)
    path.parent.mkdir(parents=True, exist_ok=True)
    if executor is None or len(pages) < 2:
        return render(pages, range(1, len(pages) + 1), len(pages), path, doc.title)
    half = len(pages) // 2
    parts = [path.with_name(f".{path.name}.{i}") for i in (1, 2)]
    second = executor.submit(
        render, pages[half:], range(half + 1, len(pages) + 1), len(pages), parts[1], doc.title
    )
    try:
        render(pages[:half], range(1, half + 1), len(pages), parts[0], doc.title)
        second.result()
        merge(parts, path)
    finally:  # also on an error: no half is left behind, none still being written
        second.cancel()
        wait([second])
        for part in parts:
            part.unlink(missing_ok=True)
    return len(pages)


def render(pages: list[list[Draw]], numbers: range, total: int, path: Path, title: str) -> int:
    """Draw ``pages`` (from ``layout``), numbered ``numbers`` of ``total``, into ``path``."""
    with PdfPages(path, metadata={"Title": title, "Creator": "backprop report"}) as pdf:
        for i, draws in zip(numbers, pages, strict=True):
            fig = Figure(figsize=(PAGE_W, PAGE_H))
            for draw in draws:
                draw(fig)
            fig.text(0.5, 0.45 / PAGE_H, f"page {i} of {total}", size=8, ha="center", color="0.35")
            pdf.savefig(fig)
    return len(pages)
