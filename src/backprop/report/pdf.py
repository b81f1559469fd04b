"""Join PDFs that matplotlib's ``PdfPages`` wrote into one, their pages in order.

``write_pdf`` renders the second half of the report's pages in another process when a
pool is there (``build(jobs > 1)``); this puts the halves back together. It reads only
what ``PdfPages`` writes: one cross-reference table, objects one after another, a
trailer naming ``/Root`` and ``/Info``, one ``/Pages`` node that holds every page.
The first file's catalog, page tree and info are kept; every later file's objects are
renumbered past those before it, its pages hung on the first file's page tree, and its
own catalog, page tree and info dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

_REF = re.compile(rb"(\d+) 0 R\b")


def _objects(data: bytes) -> tuple[dict[int, bytes], int, int, int]:
    """``{number: bytes of 'N 0 obj … endobj'}``, and the numbers of the catalog, the
    page tree and the info dictionary. ``ValueError`` for a layout ``PdfPages`` does not
    write (several cross-reference sections, objects not where the table says)."""
    start = int(re.search(rb"startxref\s+(\d+)", data[-64:]).group(1))
    table, trailer = data[start:].split(b"trailer", 1)
    head = re.match(rb"xref\s+0 (\d+)\s", table)
    rows = re.findall(rb"(\d{10}) (\d{5}) ([nf])", table)
    if head is None or len(rows) != int(head.group(1)):
        raise ValueError("not a PdfPages file: expected one cross-reference section from 0")
    offsets = {i: int(o) for i, (o, _, kind) in enumerate(rows) if kind == b"n"}
    ends = sorted(offsets.values()) + [start]
    nxt = dict(zip(ends, ends[1:]))
    objects = {n: data[o : nxt[o]].rstrip() for n, o in offsets.items()}
    for n, obj in objects.items():
        if not (obj.startswith(b"%d 0 obj" % n) and obj.endswith(b"endobj")):
            raise ValueError(f"not a PdfPages file: object {n} is not where the table says")
    root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
    info = int(re.search(rb"/Info (\d+) 0 R", trailer).group(1))
    pages = int(re.search(rb"/Pages (\d+) 0 R", objects[root]).group(1))
    return objects, root, pages, info


def _kids(tree: bytes) -> list[int]:
    return [int(k) for k in _REF.findall(re.search(rb"/Kids \[([^\]]*)\]", tree).group(1))]


def _renumber(obj: bytes, new: dict[int, int]) -> bytes:
    """``obj`` with its number and every reference in its dictionary part (not in its
    stream, which is compressed data) mapped through ``new``."""
    at = re.search(rb">>\s*stream\r?\n", obj)  # a stream starts after its dictionary
    cut = len(obj) if at is None else at.end()
    head, stream = obj[:cut], obj[cut:]
    head = _REF.sub(lambda m: b"%d 0 R" % new[int(m.group(1))], head)
    head = re.sub(rb"^\d+ 0 obj", lambda m: b"%d 0 obj" % new[int(m.group(0).split()[0])], head)
    return head + stream


def merge(parts: list[Path], out: Path) -> int:
    """Write the pages of ``parts``, in order, to ``out`` as one PDF; return the number
    of pages."""
    objects, root, pages, info = _objects(Path(parts[0]).read_bytes())
    kids = _kids(objects[pages])
    size = max(objects) + 1
    for part in parts[1:]:
        objs, r, p, i = _objects(Path(part).read_bytes())
        keep = sorted(set(objs) - {r, p, i})
        new = {n: size + k for k, n in enumerate(keep)}
        new[p] = pages  # its pages hang on the first file's page tree
        kids += [new[k] for k in _kids(objs[p])]
        objects.update((new[n], _renumber(objs[n], new)) for n in keep)
        size += len(keep)
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[pages] = b"%d 0 obj\n<< /Type /Pages /Kids [ %s ] /Count %d >>\nendobj" % (
        pages,
        refs,
        len(kids),
    )
    body = bytearray(b"%PDF-1.4\n%\xac\xdc \xab\xba\n")
    offsets = {}
    for n in sorted(objects):
        offsets[n] = len(body)
        body += objects[n] + b"\n"
    xref = len(body)
    last = max(objects) + 1
    body += b"xref\n0 %d\n0000000000 65535 f \n" % last
    for n in range(1, last):
        body += b"%010d 00000 n \n" % offsets[n]
    body += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (last, root, info)
    body += b"startxref\n%d\n%%%%EOF\n" % xref
    Path(out).write_bytes(bytes(body))
    return len(kids)
