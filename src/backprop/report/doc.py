"""The report as a document: headings, prose, equations, figures and tables, numbered in
order; ``write_markdown`` writes it as Markdown with links to the images.

In prose, ``@fig:key`` and ``@tab:key`` become the number of that figure or table.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Heading:
    """A section title: level 0 the document's, 1 a section, 2 a subsection."""

    text: str
    level: int = 1  # 0: title, 1: section, 2: subsection


@dataclass
class Text:
    """A paragraph, wrapped to the page width."""

    text: str


@dataclass
class Bullets:
    """A bulleted list, each item wrapped."""

    items: list[str]


@dataclass
class Equations:
    """Lines of mathtext, centred, one per row."""

    lines: list[str]  # mathtext, e.g. r"$Z_1 = XW_1 + b_1$"
    size: float = 11.0


@dataclass
class Image:
    """A numbered figure: one or more PNGs side by side, and its caption."""

    key: str
    paths: list[Path]  # side by side, equal heights
    caption: str
    width: float = 1.0  # fraction of the text width


@dataclass
class Table:
    """A numbered table: a header row, rows of strings, and its caption."""

    key: str
    header: list[str]
    rows: list[list[str]]
    caption: str
    align: str = ""  # one of "l", "r", "c" per column; default: first left, rest right


@dataclass
class Document:
    """Blocks in reading order; numbers figures and tables as it lays them out."""

    title: str
    subtitle: str = ""
    blocks: list = field(default_factory=list)

    def add(self, *blocks) -> None:
        self.blocks.extend(blocks)

    def numbers(self) -> dict[str, int]:
        """``{"fig:key": n, "tab:key": m}`` in order of appearance."""
        out: dict[str, int] = {}
        counts = {"fig": 0, "tab": 0}
        for b in self.blocks:
            kind = "fig" if isinstance(b, Image) else "tab" if isinstance(b, Table) else None
            if kind:
                counts[kind] += 1
                out[f"{kind}:{b.key}"] = counts[kind]
        return out

    def resolve(self, text: str) -> str:
        """Replace ``@fig:key`` / ``@tab:key`` by numbers; an unknown key is a KeyError."""
        numbers = self.numbers()
        return re.sub(r"@((?:fig|tab):\w+)", lambda m: str(numbers[m.group(1)]), text)


def write_markdown(doc: Document, path: Path) -> Path:
    """Write ``doc`` as Markdown; images are linked relative to ``path``'s folder."""
    numbers = doc.numbers()
    out = [f"# {doc.title}", ""]
    if doc.subtitle:
        out += [f"*{doc.subtitle}*", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += ["#" * (b.level + 1) + " " + b.text, ""]
        elif isinstance(b, Text):
            out += [doc.resolve(b.text), ""]
        elif isinstance(b, Bullets):
            out += [f"- {doc.resolve(item)}" for item in b.items] + [""]
        elif isinstance(b, Equations):
            out += [f"$${line.strip('$')}$$" for line in b.lines] + [""]
        elif isinstance(b, Image):
            n = numbers["fig:" + b.key]
            for img in b.paths:
                rel = Path(os.path.relpath(img, path.parent)).as_posix()
                out.append(f"![Figure {n}]({rel})")
            out += ["", f"*Figure {n}. {b.caption}*", ""]
        elif isinstance(b, Table):
            n = numbers["tab:" + b.key]
            out += [f"*Table {n}. {b.caption}*", ""]
            align = b.align or "l" + "r" * (len(b.header) - 1)
            marks = {"l": ":---", "r": "---:", "c": ":---:"}
            out.append("| " + " | ".join(h.replace("\n", " ") for h in b.header) + " |")
            out.append("|" + "|".join(marks[a] for a in align) + "|")
            out += ["| " + " | ".join(map(str, row)) + " |" for row in b.rows]
            out.append("")
    path.write_text("\n".join(out))
    return path
