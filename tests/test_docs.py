"""README.md and docs/*.md: every runnable block runs, every output block is what its
block printed, every link and every path named resolves, and nothing points outside the
repository.

A fenced block is read by its language and by an HTML comment on the line above it:

- ```python   run, in order, one namespace per page, in a fresh working folder.
- ```sh       one command a line (``# ...`` comments allowed); ``backprop ...`` and
              ``python -m backprop ...`` run in-process through ``backprop.cli.main``.
              Any other command, or a shell operator, fails unless the block is not run.
              ``play`` (serves until Ctrl-C), ``report``, ``experiments`` and ``pack``
              (minutes) must be in a block that is not run.
- ```text     what the runnable block before it printed; compared by ``same_output``.
              It may not follow a block that is not run: no one would check it.
- ```         (no language, or another one: typst, json, ...) shown, not run.
- ``py``, ``bash`` and ``shell`` are read as ``python`` and ``sh``; ``console`` and
  ``pycon`` (prompts mixed with output) fail: write the commands and the output apart.
- ``<!-- not run: REASON -->`` on the line above a fence: shown, not run (installs,
  the test command itself, runs of minutes). The reason is required.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import math
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from backprop.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A block's language as the test reads it: the runnable kinds under their other names.
ALIASES = {"py": "python", "bash": "sh", "shell": "sh"}
# Prompts mixed with output: write the commands as sh or python and the output as text.
PROMPTS = ("console", "pycon", "shell-session")
SLOW = ("play", "report", "experiments", "pack")  # must not run in the tests
NOT_RUN = re.compile(r"<!-- not run: (\S.*) -->")
NUMBER = re.compile(r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)")
SECONDS = re.compile(r"\(\d+(?:\.\d+)? s\)")  # a wall time, "(1.2 s)": any time matches
# Names the package writes or reads in a student's folder, not files of this repository.
NOT_IN_REPO = {"report.md", "LICENSE.md", "LICENSE.txt"}
SKIP_DIRS = {"runs", "mutants", "build", "dist", "node_modules"}
MACHINE_PATH = re.compile(r"(?<![\w.~])/(?:work|root|home|tmp|Users|mnt|opt)/")


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    not_run: str | None  # the reason

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.language in ("python", "sh") and self.not_run is None


def blocks(page: Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        fence = re.match(r"```(\S*)", lines[i])
        if fence:
            start, body = i, []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            above = NOT_RUN.fullmatch(lines[start - 1].strip()) if start else None
            reason = above.group(1) if above else None
            language = ALIASES.get(fence.group(1), fence.group(1))
            found.append(Block(page, start + 1, language, "\n".join(body), reason))
        i += 1
    return found


def commands(block: Block) -> list[list[str]]:
    """The argv of each ``backprop`` line of an ``sh`` block."""
    argvs = []
    for line in block.text.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[:3] == ["python", "-m", "backprop"]:
            words = ["backprop", *words[3:]]
        assert words[0] == "backprop", f"{block.where}: only backprop runs here: {line!r}"
        assert not set("|&;<>") & set(line.split("#")[0]), f"{block.where}: {line!r}"
        assert not (set(words[1:2]) & set(SLOW)), f"{block.where}: mark it not run: {line!r}"
        argvs.append(words[1:])
    return argvs


def _number_agrees(expected: str, actual: str) -> bool:
    """Whole numbers exactly; others within 1e-6 relative or one unit of the last digit
    shown (CPUs round a few ulps apart, so a printed digit can differ by one)."""
    if not re.search(r"[.e]", expected):
        return expected == actual
    mantissa, _, exponent = expected.partition("e")
    decimals = len(mantissa.partition(".")[2])
    unit = 10.0 ** (int(exponent or 0) - decimals)
    e, a = float(expected), float(actual)
    return math.isclose(e, a, rel_tol=1e-6) or abs(e - a) <= unit * (1 + 1e-9)


def same_line(expected: str, actual: str) -> bool:
    """Equal up to runs of white space, wall times and ``_number_agrees``."""
    parts = [NUMBER.split(SECONDS.sub("(… s)", " ".join(s.split()))) for s in (expected, actual)]
    if len(parts[0]) != len(parts[1]):
        return False
    return all(_number_agrees(e, a) if i % 2 else e == a for i, (e, a) in enumerate(zip(*parts)))


def same_output(expected: list[str], actual: list[str]) -> bool:
    """``expected`` line by line, where a line ``...`` stands for any number of lines."""
    if not expected:
        return not actual
    if expected[0].strip() == "...":
        return any(same_output(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return (
        bool(actual) and same_line(expected[0], actual[0]) and same_output(expected[1:], actual[1:])
    )


def run(block: Block, namespace: dict) -> str:
    """Run ``block``; what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        if block.language == "python":
            exec(compile(block.text, block.where, "exec"), namespace)
        else:
            for argv in commands(block):
                try:
                    code = main(argv)
                except SystemExit as e:  # --help, --version
                    code = e.code
                assert code == 0, f"{block.where}: backprop {shlex.join(argv)} exited {code}"
    return out.getvalue()


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_every_block_is_of_a_known_kind():
    for page in PAGES:
        previous = None
        for block in blocks(page):
            assert block.language not in PROMPTS, f"{block.where}: ```{block.language}"
            if block.language == "text":
                assert previous is not None and previous.runs, (
                    f"{block.where}: output shown after a block that does not run"
                )
            if block.runs and block.language == "sh":
                commands(block)  # only backprop, no operators, nothing slow
            previous = block


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_page_runs_and_prints_what_it_shows(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["backprop"])
    namespace: dict = {"__name__": "__main__"}
    printed = None
    for block in blocks(page):
        if block.runs:
            printed = run(block, namespace)
        elif block.language == "text" and printed is not None:
            expected, actual = block.text.splitlines(), printed.splitlines()
            diff = "\n".join(
                difflib.unified_diff(expected, actual, "shown", "printed", lineterm="")
            )
            assert same_output(expected, actual), f"{block.where}:\n{diff}"
            printed = None


def test_output_comparison_is_not_vacuous():
    shown = ["loss : 0.00024554", "...", "Iter9\tprediction: 0.99995", "done (1.2 s)"]
    printed = ["loss : 0.000245540001", "x", "Iter9  prediction: 0.99996", "done (31.0 s)"]
    assert same_output(shown, printed)
    assert not same_output(shown, printed[:3])  # a line missing
    assert not same_output(shown, [*printed[:2], "Iter8 prediction: 0.99995", printed[3]])
    assert not same_output(shown, [*printed[:2], "Iter9 prediction: 0.99993", printed[3]])
    assert not same_output(["loss : 0.00024554"], ["loss : 0.00024556"])
    assert not same_output(["a", "b"], ["a", "b", "c"])  # no "..." at the end


def _links(page: Path) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_links_and_named_paths_exist(page):
    text = page.read_text(encoding="utf-8")
    missing = []
    for link in _links(page):
        if re.match(r"[a-z]+:", link) or link.startswith("#"):
            continue  # a web address or an anchor of this page
        if not (page.parent / link.split("#")[0]).exists():
            missing.append(link)
    # `src/backprop/nn/activations.py`, `nn/activations.py`, `benchmarks/RESULTS.md`: a
    # path in backquotes names a file of the repository (runs/ holds outputs).
    for path in re.findall(r"`([\w.-]+(?:/[\w.-]+)+/?)`", text):
        if path.startswith("runs/"):
            continue
        bases = (ROOT, ROOT / "src", ROOT / "src/backprop")
        if not any((base / path).exists() for base in bases):
            missing.append(path)
    assert not missing, f"{_id(page)} names what is not in the repository: {missing}"


def _walk():
    """``os.walk`` of the repository, without hidden folders, caches and outputs."""
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_")) and d not in SKIP_DIRS]
        yield folder, dirs, files


def _sources() -> list[Path]:
    src = [p for p in (ROOT / "src").rglob("*") if p.suffix in (".py", ".js", ".html", ".css")]
    return [*PAGES, *sorted(src)]


def test_nothing_points_outside_the_repository():
    """No machine's paths (/work/..., /tmp/...) and no notes file that is not here."""
    names = {name for _, _, files in _walk() for name in files}
    found = []
    for path in _sources():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{n}"
            if MACHINE_PATH.search(line):
                found.append(f"{where}: {line.strip()}")
            for name in re.findall(r"[\w-]+\.(?:md|txt)\b", line):
                if name not in names and name not in NOT_IN_REPO:
                    found.append(f"{where}: {name}")
    assert not found, "\n".join(found)


def test_readme_is_short_and_ci_runs_its_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    setup = next(b for b in blocks(ROOT / "README.md") if b.language == "sh")
    lines = [shlex.split(line, comments=True) for line in setup.text.splitlines()]
    assert lines == [
        ["pip", "install", "-e", ".", "&&", "backprop", "lab"],
        ["pip", "install", "-e", ".[test]", "&&", "python", "-m", "pytest"],
    ]
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert '\npip install -e ".[test]" && python -m pytest\n' in ci


def test_pytest_prints_its_summary_line(tmp_path):
    """The README's test command ends with ``N passed``, even with a ``-q`` of one's own
    (with ``addopts = "-q"`` that made ``-qq``, which hides it); without ``-q`` pytest
    says more, not less."""
    probe = tmp_path / "test_probe.py"
    probe.write_text("def test_one():\n    pass\n")
    config = ["-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT), "-p", "no:cacheprovider"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *config, "-q", str(probe)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^=*\s*1 passed in ", proc.stdout, re.M), proc.stdout
