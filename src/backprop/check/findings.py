"""A finding: one thing the checker saw in one part of a submission, at one of three
levels; the worst level decides the submission's verdict."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("error", "look", "info")  # a format error / needs a human / a note
VERDICTS = {"error": "format errors", "look": "needs a look", "info": "ok"}


@dataclass(frozen=True)
class Finding:
    part: str  # name, contents, safety, imports, generators, report, run
    level: str
    text: str

    def __str__(self) -> str:
        return f"[{self.level}] {self.part}: {self.text}"


def error(part: str, text: str) -> Finding:
    return Finding(part, "error", text)


def look(part: str, text: str) -> Finding:
    return Finding(part, "look", text)


def info(part: str, text: str) -> Finding:
    return Finding(part, "info", text)


def verdict(findings: list[Finding]) -> str:
    """'format errors' if any error, else 'needs a look' if any look, else 'ok'."""
    levels = {f.level for f in findings}
    return VERDICTS[next((lv for lv in LEVELS if lv in levels), "info")]
