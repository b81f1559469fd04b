"""The submission zip: name, contents, UTF-8 names, validation, and touching nothing else."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from backprop.lab.pack import pack, source_files, zip_name

SID, NAME = "313551157", "陳敬中"
ZIP = f"DL_LAB1_{SID}_{NAME}.zip"
TOP = f"DL_LAB1_{SID}_{NAME}/"
PDF = b"%PDF-1.4\n% fake report\n"
HAS_GIT = shutil.which("git") is not None

SOURCES = {
    "pyproject.toml": "[project]\nname = 'backprop'\n",
    "README.md": "# backprop\n",
    "LICENSE": "MIT\n",
    ".ci/run": "#!/bin/sh\npytest\n",
    "src/backprop/__init__.py": "",
    "src/backprop/layers.py": "X = 1\n",
    "src/backprop/sub/deep.py": "Y = 2\n",
    "tests/test_layers.py": "def test_x():\n    assert True\n",
    "tests/conftest.py": "",
    "benchmarks/bench_speed.py": "pass\n",
    "docs/lab/xor/comparison.png": "PNG",  # the README's figures
}
JUNK = {
    "src/backprop/__pycache__/layers.cpython-311.pyc": "",
    "src/backprop/__pycache__/stray.py": "",
    "tests/__pycache__/test_layers.cpython-311-pytest.pyc": "",
    "src/backprop.egg-info/PKG-INFO": "",
    "src/backprop.egg-info/top_level.py": "",
    ".pytest_cache/v/cache/lastfailed": "{}",
    ".ruff_cache/0.4/x": "",
    ".hypothesis/examples/x": "",
    "tests/.hypothesis/unicode_data/x.py": "",
    "runs/experiments/lr/results.csv": "setting,seed\n",
    "runs/plot_helper.py": "",
    "tests/runs/leftover.py": "",
    ".venv/pyvenv.cfg": "home = /usr\n",
    ".venv/lib/python3.11/site-packages/numpy/__init__.py": "",
    "tests/myenv/pyvenv.cfg": "home = /usr\n",
    "tests/myenv/lib/python3.11/site-packages/pkg.py": "",
    "old_submission.zip": "PK",
    "src/backprop/data.zip": "PK",
    "notes.txt": "not source\n",
    "src/backprop/data.csv": "not python\n",
    "report.pdf": PDF.decode(),
    "docs/notes.md": "not a README figure\n",
}


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / ".ci/run").chmod(0o755)


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file below ``root`` (``.git`` too) with its mtime, size and bytes."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size, p.read_bytes())
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture(params=["git", "plain"])
def project(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny project with sources and junk; as a git checkout, or a plain folder."""
    # Keep git from finding a repository above tmp_path, so "plain" really is plain.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    root = tmp_path / "proj"
    root.mkdir()
    write_tree(root, SOURCES | JUNK)
    if request.param == "git":
        if not HAS_GIT:
            pytest.skip("git is not installed")
        git(root, "init", "-q")
        # Tracked junk must still be left out: the filter is ours, not just .gitignore's.
        git(root, "add", *SOURCES, "runs/plot_helper.py", "src/backprop/__pycache__/stray.py")
        git(root, "commit", "-q", "-m", "fake project")
    return root


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        return {info.filename: zf.read(info) for info in zf.infolist()}


def test_zip_name():
    assert zip_name(SID, NAME) == "DL_LAB1_313551157_陳敬中.zip"
    assert zip_name("1", "Ada Lovelace") == "DL_LAB1_1_Ada Lovelace.zip"
    # The same name typed as decomposed Unicode (as macOS may hand it over) gives one file name.
    assert zip_name("1", "Jose\u0301") == zip_name("1", "Jos\u00e9") == "DL_LAB1_1_Jos\u00e9.zip"


def test_contents_are_report_and_exactly_the_sources(project: Path):
    path = pack(SID, NAME, root=project, report=project / "report.pdf")
    assert path == project / ZIP
    entries = read_zip(path)
    assert set(entries) == {"report.pdf"} | {TOP + rel for rel in SOURCES}
    assert entries["report.pdf"] == PDF
    for rel in SOURCES:
        assert entries[TOP + rel] == (project / rel).read_bytes(), rel


def test_entries_are_deflated_and_keep_the_executable_bit(project: Path):
    path = pack(SID, NAME, root=project, report=project / "report.pdf")
    with zipfile.ZipFile(path) as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}
        mode = zf.getinfo(TOP + ".ci/run").external_attr >> 16
    assert mode & stat.S_IXUSR


def test_chinese_name_round_trips_with_the_utf8_flag(project: Path):
    path = pack(SID, NAME, root=project, report=project / "report.pdf")
    assert path.name == ZIP and path.is_file()
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        report_flags = zf.getinfo("report.pdf").flag_bits
    named = [i for i in infos if NAME in i.filename]
    assert len(named) == len(SOURCES)
    assert all(i.flag_bits & 0x800 for i in named)
    # ASCII names need no flag; the non-ASCII ones are stored as UTF-8 bytes.
    assert not report_flags & 0x800
    raw = path.read_bytes()
    assert TOP.encode("utf-8") in raw


@pytest.mark.skipif(shutil.which("unzip") is None, reason="the unzip tool is not installed")
def test_unzip_lists_the_utf8_names(project: Path):
    path = pack(SID, NAME, root=project, report=project / "report.pdf")
    env = os.environ | {"LC_ALL": "C.UTF-8"}
    out = subprocess.run(
        ["unzip", "-l", str(path)], capture_output=True, check=True, env=env
    ).stdout.decode("utf-8")
    assert out.splitlines()[0].strip() == f"Archive:  {path}"
    # Rows between the two dashed rules: length, date, time, then the entry name.
    lines = out.splitlines()
    first, last = (i for i, line in enumerate(lines) if line.startswith("---------"))
    rows = lines[first + 1 : last]
    listed = {row.split(maxsplit=3)[3] for row in rows}
    assert listed == {"report.pdf"} | {TOP + rel for rel in SOURCES}


@pytest.mark.skipif(not HAS_GIT, reason="git is not installed")
def test_git_list_respects_gitignore_and_skips_deleted(tmp_path: Path):
    root = tmp_path / "proj"
    root.mkdir()
    write_tree(root, SOURCES | {"tests/scratch.py": "", "src/backprop/gone.py": ""})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "x")
    (root / "src/backprop/gone.py").unlink()  # tracked but deleted from the working tree
    (root / ".gitignore").write_text("tests/scratch.py\n")
    git(root, "rm", "-q", "--cached", "tests/scratch.py")
    (root / "tests/new_test.py").write_text("")  # untracked, not ignored: a new file to ship
    files = source_files(root)
    assert "tests/scratch.py" not in files
    assert "src/backprop/gone.py" not in files
    assert "tests/new_test.py" in files
    assert set(files) == set(SOURCES) | {"tests/new_test.py"}


def test_without_git_the_tree_is_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "proj"
    root.mkdir()
    write_tree(root, SOURCES | JUNK | {"tests/scratch.py": ""})
    (root / ".gitignore").write_text("tests/scratch.py\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # no git executable to be found
    assert set(source_files(root)) == set(SOURCES) | {"tests/scratch.py"}


@pytest.mark.parametrize(
    "bad", ["", "31355115a", " 313551157", "313551157 ", "-1", "３１３", "1.0"]
)
def test_rejects_non_digit_student_id(tmp_path: Path, bad: str):
    (tmp_path / "report.pdf").write_bytes(PDF)
    with pytest.raises(ValueError, match="digits only"):
        pack(bad, NAME, root=tmp_path, report=tmp_path / "report.pdf")
    assert list(tmp_path.iterdir()) == [tmp_path / "report.pdf"]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("", "must not be empty"),
        (" 陳敬中", "whitespace"),
        ("陳敬中\n", "whitespace"),
        ("陳敬中.", "ends with '.'"),
        *[(f"a{c}b", re.escape(repr(c))) for c in '/\\<>:"|?*\t\x00\x7f'],
    ],
)
def test_rejects_bad_name(tmp_path: Path, bad: str, match: str):
    (tmp_path / "report.pdf").write_bytes(PDF)
    with pytest.raises(ValueError, match=match):
        pack(SID, bad, root=tmp_path, report=tmp_path / "report.pdf")
    assert list(tmp_path.iterdir()) == [tmp_path / "report.pdf"]


def test_missing_report_names_the_command_that_builds_it(project: Path):
    with pytest.raises(ValueError, match=r"`backprop report`.*--build-report"):
        pack(SID, NAME, root=project, report=project / "nowhere.pdf")
    assert not (project / ZIP).exists()


def test_report_must_be_a_pdf(project: Path):
    with pytest.raises(ValueError, match="not a PDF"):
        pack(SID, NAME, root=project, report=project / "README.md")


def test_root_and_out_dir_must_exist(project: Path, tmp_path: Path):
    report = project / "report.pdf"
    with pytest.raises(ValueError, match="pyproject.toml"):
        pack(SID, NAME, root=tmp_path / "empty", report=report)
    with pytest.raises(ValueError, match="does not exist"):
        pack(SID, NAME, root=project, report=report, out_dir=tmp_path / "missing")


def test_out_dir(project: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    path = pack(SID, NAME, root=project, report=project / "report.pdf", out_dir=out)
    assert path == out / ZIP and path.is_file()
    assert not (project / ZIP).exists()


def test_refuses_to_overwrite_unless_forced(project: Path):
    target = project / ZIP
    target.write_bytes(b"an older submission")
    with pytest.raises(FileExistsError, match="--force"):
        pack(SID, NAME, root=project, report=project / "report.pdf")
    assert target.read_bytes() == b"an older submission"
    assert pack(SID, NAME, root=project, report=project / "report.pdf", force=True) == target
    assert read_zip(target)["report.pdf"] == PDF


def test_changes_no_other_file(project: Path):
    before = snapshot(project)
    path = pack(SID, NAME, root=project, report=project / "report.pdf")
    after = snapshot(project)
    assert after.keys() - before.keys() == {ZIP}
    assert {k: v for k, v in after.items() if k != ZIP} == before
    before = after
    pack(SID, NAME, root=project, report=project / "report.pdf", force=True)
    after = snapshot(project)
    assert after.keys() == before.keys()
    assert {k: v for k, v in after.items() if k != path.name} == {
        k: v for k, v in before.items() if k != path.name
    }


def test_a_failure_midway_leaves_no_partial_zip(project: Path, monkeypatch: pytest.MonkeyPatch):
    (project / ZIP).write_bytes(b"an older submission")
    before = snapshot(project)
    real_write = zipfile.ZipFile.write

    def write_then_fail(self, filename, arcname=None, *args, **kwargs):
        if arcname != "report.pdf":
            raise OSError("disk full")
        return real_write(self, filename, arcname, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "write", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        pack(SID, NAME, root=project, report=project / "report.pdf", force=True)
    assert snapshot(project) == before


def test_this_repository_ships_the_page_and_the_golden_fixtures():
    """The zip's source code runs: the playground's page and the tests' recorded
    fixtures are not Python, and go in too."""
    files = source_files(Path(__file__).resolve().parents[1])
    assert "src/backprop/play/static/index.html" in files
    assert "src/backprop/play/static/app.js" in files
    assert "tests/golden/optim.npz" in files
    assert "src/backprop/report/preamble.typ" in files  # read when backprop.cli is imported
