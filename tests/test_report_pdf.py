"""The report's PDF drawn in two halves (``write_pdf(executor=...)``) and joined by
``report.pdf.merge``: a valid PDF whose pages are those of the one-process PDF.

The pixel comparison renders both with poppler's ``pdftoppm`` (``.ci/run`` installs it);
without it that test skips and says why, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.image import imread

from backprop.experiments.sweep import InProcess
from backprop.report.doc import Bullets, Document, Equations, Heading, Image, Table, Text
from backprop.report.layout import layout, write_pdf
from backprop.report.pdf import _kids, _objects, merge


def _pdf(path: Path, shades: list[int]) -> None:
    """A PdfPages file of one page per shade: text (with a glyph past Latin-1) and an image."""
    with PdfPages(path, metadata={"Title": path.stem}) as pdf:
        for s in shades:
            f = Figure(figsize=(2, 2))
            f.text(0.1, 0.8, f"page {s} σ ⊙ $x^{s}$")
            ax = f.add_axes((0.1, 0.1, 0.5, 0.5))
            ax.imshow(np.full((4, 4, 3), s, np.uint8))
            pdf.savefig(f)


def _check_structure(path: Path, pages: int) -> None:
    """Every xref offset starts its object, every reference resolves, every page hangs
    on the root's page tree, and the trailer's /Size counts the objects."""
    data = path.read_bytes()
    objects, root, tree, info = _objects(data)
    for n, obj in objects.items():
        assert obj.startswith(b"%d 0 obj" % n)
        assert obj.endswith(b"endobj")
        head = obj.partition(b"stream\n")[0]
        for ref in re.findall(rb"(\d+) 0 R\b", head):
            assert int(ref) in objects, (n, ref)
    kids = _kids(objects[tree])
    assert len(kids) == pages
    assert b"/Count %d" % pages in objects[tree]
    for k in kids:
        assert b"/Type /Page " in objects[k] and b"/Parent %d 0 R" % tree in objects[k]
    assert sorted(objects) == list(range(1, len(objects) + 1))
    assert re.search(rb"/Size %d\b" % (len(objects) + 1), data[-200:])
    assert info in objects and root in objects


def _contents(path: Path) -> list[bytes]:
    """Each page's drawing operators, decompressed, in page order."""
    objects, _, tree, _ = _objects(path.read_bytes())
    out = []
    for k in _kids(objects[tree]):
        c = int(re.search(rb"/Contents (\d+) 0 R", objects[k]).group(1))
        stream = objects[c].partition(b"stream\n")[2].rpartition(b"endstream")[0]
        out.append(zlib.decompress(stream))
    return out


def _poppler() -> None:
    """Skip (fail under ``CI=true``) without poppler's ``pdftoppm``."""
    if shutil.which("pdftoppm") is None:
        reason = "pdftoppm (Debian package poppler-utils) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, so the pages must be rendered, but: {reason}")
        pytest.skip(reason)


def _pixels(pdf: Path, prefix: Path) -> list[np.ndarray]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(prefix)], check=True)
    return [imread(p) for p in sorted(prefix.parent.glob(prefix.name + "-*.png"))]


def test_merge_keeps_every_page_in_order(tmp_path):
    a, b, c = (tmp_path / f"{n}.pdf" for n in "abc")
    _pdf(a, [10, 60])
    _pdf(b, [110, 160, 210])
    _pdf(c, [250])
    out = tmp_path / "out.pdf"
    assert merge([a, b, c], out) == 6
    _check_structure(out, 6)
    assert _contents(out) == _contents(a) + _contents(b) + _contents(c)
    assert b"/Title (a)" in out.read_bytes()  # the first file's info is kept
    _poppler()  # a reader other than our own: the same pages, pixel for pixel
    pages = _pixels(out, tmp_path / "out")
    sources = [_pixels(p, tmp_path / p.stem) for p in (a, b, c)]
    assert len(pages) == 6
    assert all(np.array_equal(x, y) for x, y in zip(pages, sum(sources, [])))


def test_merge_refuses_a_pdf_it_cannot_read(tmp_path):
    a = tmp_path / "a.pdf"
    _pdf(a, [10])
    data = a.read_bytes()
    start = int(re.search(rb"startxref\s+(\d+)", data).group(1))
    moved = data[:start] + data[start:].replace(b"0000000016 00000 n", b"0000000017 00000 n")
    (tmp_path / "b.pdf").write_bytes(moved)
    with pytest.raises(ValueError, match="not a PdfPages file"):
        merge([a, tmp_path / "b.pdf"], tmp_path / "out.pdf")


def _document(tmp_path: Path) -> Document:
    """Several pages of every kind of block the report uses."""
    png = tmp_path / "fig.png"
    fig = Figure(figsize=(4, 3))
    fig.add_subplot().plot([0, 1, 4, 9])
    fig.savefig(png, dpi=60)
    doc = Document("A title", "A subtitle")
    words = "backpropagation multiplies each layer's gradient by σ′ ≤ ¼ and by Wᵀ; " * 12
    for i in range(6):
        doc.add(
            Heading(f"Section {i}"),
            Text(words),
            Bullets([words[:120], words[:80]]),
            Equations(
                [r"$Z_1 = \sigma(XW_1), \qquad \dfrac{\partial L}{\partial W} = A^{\top}\delta$"]
            ),
            Image(f"f{i}", [png, png] if i % 2 else [png], f"Figure caption {i}.", width=0.8),
            Table(f"t{i}", ["a", "b\nc"], [[str(j), f"{j / 7:.3f}"] for j in range(8)], "A table."),
        )
    return doc


def test_two_halves_are_the_pages_of_one(tmp_path):
    doc = _document(tmp_path)
    pickle.loads(pickle.dumps(layout(doc)))  # a pool's worker gets pages like these
    one, two = tmp_path / "one.pdf", tmp_path / "two.pdf"
    pages = write_pdf(doc, one)
    assert pages >= 4
    assert write_pdf(doc, two, executor=InProcess()) == pages
    _check_structure(two, pages)
    assert not list(tmp_path.glob(".two.pdf.*"))  # the halves are removed
    _poppler()
    a, b = _pixels(one, tmp_path / "one"), _pixels(two, tmp_path / "two")
    assert len(a) == len(b) == pages
    for i, (x, y) in enumerate(zip(a, b), 1):
        assert x.shape == y.shape and np.array_equal(x, y), f"page {i} differs"


def test_a_half_that_fails_leaves_no_files(tmp_path):
    """A figure of the second half whose PNG is cut after its header: measured, but not
    drawn. The error reaches the caller, and neither half is left behind."""
    doc = _document(tmp_path)
    broken = tmp_path / "broken.png"
    broken.write_bytes((tmp_path / "fig.png").read_bytes()[:40])
    doc.add(Image("broken", [broken], "Cut short."))
    with pytest.raises((OSError, SyntaxError)):  # what Pillow raises for a cut PNG
        write_pdf(doc, tmp_path / "r.pdf", executor=InProcess())
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.pdf")]
