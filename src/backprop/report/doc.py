"""The report as blocks (headings, prose, equations, figures, tables, terminal text) and
``to_typst``, which writes them as one Typst source a student can read and edit.

Prose is plain text with three kinds of markup kept as Typst reads them: ``@fig:key`` /
``@tab:key`` references (Typst numbers them; a missing label fails the build),
`` `code` `` (set in monospace) and ``$math$``; everything else is escaped. The blocks
stay because the tests read the prose from them (its numbers, its word count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Heading:
    """A section title: level 1 a section, 2 a subsection."""

    text: str
    level: int = 1
    numbered: bool = True


@dataclass
class Text:
    """A paragraph of prose."""

    text: str


@dataclass
class Bullets:
    """A bulleted list of prose items."""

    items: list[str]


@dataclass
class Equations:
    """Display equations in Typst math syntax, one per line."""

    lines: list[str]


@dataclass
class Image:
    """A numbered figure: one SVG drawn at its printed size, and its caption."""

    key: str
    path: Path
    caption: str


@dataclass
class Table:
    """A numbered table: a header row, rows of strings, and its caption."""

    key: str
    header: list[str]
    rows: list[list[str]]
    caption: str
    align: str = ""  # one of "l", "r", "c" per column; default: first left, rest right


@dataclass
class Terminal:
    """Terminal output set in monospace, side by side in ``columns``, each with a title."""

    columns: list[tuple[str, list[str]]]
    key: str = ""
    caption: str = ""


AUTHOR_PLACEHOLDER = "Name — Student ID"  # the title block without --name/--student-id


@dataclass
class Document:
    """Blocks in reading order, with the title block above them."""

    title: str
    author: str = ""  # "Name (student ID)" or "": AUTHOR_PLACEHOLDER is shown
    version: str = ""  # the tool's version: in the PDF's metadata only
    blocks: list = field(default_factory=list)

    def add(self, *blocks) -> None:
        self.blocks.extend(blocks)

    def prose(self) -> list[str]:
        """Every paragraph and bullet as written (tables, captions and equations not)."""
        out = []
        for b in self.blocks:
            out += [b.text] if isinstance(b, Text) else b.items if isinstance(b, Bullets) else []
        return out

    def words(self) -> int:
        return sum(len(p.split()) for p in self.prose())


_SPECIAL = re.compile(r"([\\#*_<@\[\]~$`]|(?<=/)[/*]|(?<=-)-)")
_KEEP = re.compile(r"(`[^`]+`|\$[^$]+\$|@(?:fig|tab|sec):\w+)")


def escape(text: str) -> str:
    """Typst markup for plain ``text``: references, code spans and math kept, the rest
    escaped (``generate_linear``, ``x * y``, ``--`` print as written)."""
    parts = _KEEP.split(text.replace("\n", " "))
    out = "".join(part if i % 2 else _SPECIAL.sub(r"\\\1", part) for i, part in enumerate(parts))
    return "\\" + out if out[:1] in ("=", "+", "-", "/") else out


def _string(text: str) -> str:
    """A Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cell(text: str) -> str:
    return "[" + r" \ ".join(escape(t) for t in text.split("\n")) + "]"


def _table(b: Table) -> list[str]:
    align = b.align or "l" + "r" * (len(b.header) - 1)
    names = {"l": "left", "r": "right", "c": "center"}
    out = [
        "#figure(",
        "  table(",
        f"    columns: {len(b.header)},",
        f"    align: ({', '.join(names[a] for a in align)}),",
        "    table.header(" + ", ".join(_cell(h) for h in b.header) + "),",
    ]
    out += ["    " + ", ".join(_cell(c) for c in row) + "," for row in b.rows]
    out += ["  ),", f"  caption: [{escape(b.caption)}],", f") <tab:{b.key}>", ""]
    return out


def _terminal(b: Terminal) -> list[str]:
    out = ["#figure(", f"  grid(columns: {len(b.columns)}, gutter: 6pt, align: left,"]
    for title, lines in b.columns:
        body = "\n".join(lines).replace("```", "` ` `")
        head = f"`{title}`" if "`" not in title else escape(title)  # the prompt as typed
        out += [f"    terminal[{head}][", "````", body, "````", "    ],"]
    out += ["  ),", "  kind: image,", f"  caption: [{escape(b.caption)}],", f") <fig:{b.key}>", ""]
    return out


def to_typst(doc: Document, folder: Path, preamble: str) -> str:
    """``doc`` as a Typst source; figures are linked relative to ``folder``."""
    out = [preamble, ""]
    meta = f"title: {_string(doc.title)}" + (
        f", author: {_string(doc.author)}" if doc.author else ""
    )
    if doc.version:
        meta += f", keywords: ({_string('written by backprop report, ' + doc.version)},)"
    out += [f"#set document({meta})", ""]  # the PDF's metadata
    author = f"[{escape(doc.author)}]" if doc.author else "none"
    out += [f"#title-block([{escape(doc.title)}], {author}, [{escape(AUTHOR_PLACEHOLDER)}])", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            if b.numbered:
                out += ["=" * b.level + " " + escape(b.text), ""]
            else:
                out += [f"#heading(level: {b.level}, numbering: none)[{escape(b.text)}]", ""]
        elif isinstance(b, Text):
            out += [escape(b.text), ""]
        elif isinstance(b, Bullets):
            out += [f"- {escape(item)}" for item in b.items] + [""]
        elif isinstance(b, Equations):
            out += [f"$ {line} $" for line in b.lines] + [""]
        elif isinstance(b, Image):
            rel = Path(b.path).resolve().relative_to(folder.resolve()).as_posix()
            out += [
                f'#figure(image("{rel}"), caption: [{escape(b.caption)}]) <fig:{b.key}>',
                "",
            ]
        elif isinstance(b, Table):
            out += _table(b)
        elif isinstance(b, Terminal):
            out += _terminal(b)
    return "\n".join(out)
