"""The report: read with pypdf (the one place the package imports it, as ``report/``
imports typst), its pages counted, and the handout's six sections and their sub-items
looked for in its text; a PDF without a text layer (a scan) is reported as such."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ..checks import plural
from .findings import Finding, info, look
from .handout import OPTIONAL_SECTIONS, SECTIONS

MAX_PAGES = 100  # pages whose text is read; a lab report has about 10-30
MIN_TEXT_CHARS = 200  # fewer non-space characters in the whole PDF: no text layer


def text_of(data: bytes) -> tuple[int, str]:
    """(pages, text of the first MAX_PAGES pages); ``ValueError`` if pypdf cannot read it."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings are ours to word
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValueError("it is encrypted with a password")
        pages = len(reader.pages)
        text = "\n".join(p.extract_text() or "" for p in reader.pages[:MAX_PAGES])
    except (PyPdfError, OSError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise ValueError(f"pypdf cannot read it ({type(e).__name__}: {str(e)[:80]})") from None
    return pages, text


def _plain(text: str) -> str:
    """Lower case, one space between words, dashes as '-', words split at a line end joined."""
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text.lower())
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text)


def missing_sections(text: str) -> list[tuple[str, str]]:
    """(number, title) of every section and sub-item (``'4.C'``) not found in ``text``."""
    plain = _plain(text)
    found = lambda pats: any(re.search(p, plain) for p in pats)  # noqa: E731
    out = []
    for (num, title, pats), items in SECTIONS:
        if not found(pats):
            out.append((num, title))
        out += [(f"{num}.{letter}", t) for letter, t, p in items if not found(p)]
    return out


def report_findings(data: bytes) -> tuple[list[Finding], dict]:
    """Findings on ``report.pdf``'s bytes, and its pages and missing items for the CSV."""
    try:
        pages, text = text_of(data)
    except ValueError as e:
        return [look("report", f"report.pdf: {e}")], {"pages": "", "missing": "unreadable"}
    facts = {"pages": pages}
    if len(re.sub(r"\s", "", text)) < MIN_TEXT_CHARS:
        facts["missing"] = "no text layer"
        return [
            look(
                "report",
                f"{plural(pages, 'page', sep='')} but no text layer (a scan?): "
                "sections not checked",
            )
        ], facts
    gone = missing_sections(text)
    facts["missing"] = " ".join(n for n, _ in gone)
    needed = [(n, t) for n, t in gone if n.split(".")[0] not in OPTIONAL_SECTIONS]
    optional = [(n, t) for n, t in gone if (n, t) not in needed]
    out = [info("report", f"{plural(pages, 'page', sep='')}, {len(text.split()):,} words")]
    if needed:
        shown = "; ".join(f"{n} {t}" for n, t in needed)
        out.append(look("report", f"not found in its text: {shown}"))
    if optional:
        out.append(
            info("report", f"optional, not found: {'; '.join(f'{n} {t}' for n, t in optional)}")
        )
    if not gone:
        out.append(info("report", "all six sections and their sub-items found"))
    return out, facts
