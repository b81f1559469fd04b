"""``python -m benchmarks.check_folder [FOLDER] [--run]``: build a folder of varied
submission zips (this project's own ``pack`` output, good ones, and one per mistake or
attack), run ``backprop check FOLDER --csv FOLDER/check.csv`` on it, and print the CSV
and the time the check took. The tests build their zips with the same helpers."""

from __future__ import annotations

import argparse
import io
import json
import stat
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import typst

from backprop.check.handout import GENERATORS_SOURCE, SECTIONS
from backprop.cli import main as backprop
from backprop.lab.pack import pack, zip_name

ROOT = Path(__file__).resolve().parents[1]
PROSE = "We train a small network with hand-written backpropagation on two data sets. "
MAIN = (
    "import numpy as np\n"
    + GENERATORS_SOURCE
    + "\n\nif __name__ == '__main__':\n"
    + "    x, y = generate_linear(n=100)\n"
    + "    print('loss=0.03844 accuracy=100.00%')\n"
)


def report_typ(skip: str = "") -> str:
    """Typst source of a report with the handout's headings (but those containing ``skip``)."""
    lines = []
    for (num, title, _), items in SECTIONS:
        lines += [f"= {num}. {title}", PROSE]
        lines += [f"== {t}\n{PROSE}" for _, t, _ in items if not (skip and skip in t)]
    return "\n".join(lines)


def report_pdf(skip: str = "") -> bytes:
    return typst.compile(report_typ(skip).encode(), format="pdf")


def scan() -> bytes:
    """A one-page PDF that is one image: a scanned report, no text layer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8.27, 11.69))
    fig.figimage(plt.cm.gray(np.random.default_rng(0).random((300, 200))))
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    plt.close(fig)
    return buf.getvalue()


def entry(name: str, mode: int | None = None) -> zipfile.ZipInfo:
    """A raw entry; ``mode`` (e.g. ``S_IFLNK | 0o777``) as a Unix zip stores it."""
    zi = zipfile.ZipInfo(name)
    if mode is not None:
        zi.create_system, zi.external_attr = 3, mode << 16
    return zi


def make_zip(path, files: dict, entries: tuple = ()):
    """``files`` (name → str or bytes) and raw ``(ZipInfo, bytes)`` entries."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for zi, data in entries:
            zf.writestr(zi, data)
    return path


def submission(folder: Path, report: bytes, files: dict | None = None, name: str = "") -> Path:
    """A correct small submission (report.pdf at the top, main.py in a folder) with
    ``files`` added or replaced (their paths inside the folder; None leaves one out)."""
    name = name or zip_name("313551157", "陳敬中")
    top = name.rsplit(".", 1)[0] + "/"
    base = {"report.pdf": report, "main.py": MAIN, **(files or {})}
    named = {(k if k == "report.pdf" else top + k): v for k, v in base.items()}
    return make_zip(folder / name, {k: v for k, v in named.items() if v is not None})


def build_folder(folder: Path) -> list[Path]:
    """Fifteen zips, each named for who sent it, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf = report_pdf()
    (folder / ".report.pdf").write_bytes(pdf)
    own = pack("313551001", "陳敬中", root=ROOT, report=folder / ".report.pdf", out_dir=folder)
    (folder / ".report.pdf").unlink()
    nb = {"cells": [{"cell_type": "code", "source": MAIN}]}
    nb["cells"].append({"cell_type": "code", "source": "%matplotlib inline\nimport torch"})
    inner = io.BytesIO()
    make_zip(inner, {"main.py": MAIN})
    made = [
        own,
        submission(folder, pdf, name="DL_LAB1_313551002_王小明.zip"),
        submission(
            folder,
            pdf,
            {"main.py": None, "lab1.ipynb": json.dumps(nb)},
            name="DL_LAB1_313551003_李四.zip",
        ),
        submission(folder, pdf, name="DL_LAB1_ 313551004_張三.zip"),
        submission(folder, pdf, name="DL_LAB1_３１３５５１００５_林一.zip"),
        submission(folder, pdf, name="DL_LAB1_313551006.zip"),
        submission(
            folder, pdf, {"model.py": "import torch\n"}, name="DL_LAB1_313551007_Torch User.zip"
        ),
        submission(
            folder,
            pdf,
            {"main.py": MAIN.replace("0.1*i == 0.5", "0.1*i == 0.6")},
            name="DL_LAB1_313551008_Edit.zip",
        ),
        submission(folder, scan(), name="DL_LAB1_313551009_Scan.zip"),
        submission(folder, report_pdf(skip="Try"), name="DL_LAB1_313551010_NoDiscussion.zip"),
        submission(
            folder,
            pdf,
            {"report.pdf": None, "Report.docx": b"PK\3\4"},
            name="DL_LAB1_313551011_NoPdf.zip",
        ),
        submission(
            folder,
            pdf,
            {
                "__pycache__/main.cpython-311.pyc": bytes(4000),
                ".venv/pyvenv.cfg": "home = /usr\n",
                "data.npy": np.random.default_rng(0).bytes(2**21),
                "code.zip": inner.getvalue(),
            },
            name="DL_LAB1_313551012_Stray.zip",
        ),
        make_zip(
            folder / "DL_LAB1_313551013_Slip.zip",
            {"report.pdf": pdf, "main.py": MAIN},
            (
                (entry("../../evil.py"), "x = 1\n"),
                (entry("/etc/cron.d/x"), "* * * * *\n"),
                (entry("link.py", stat.S_IFLNK | 0o777), "/etc/passwd"),
            ),
        ),
        submission(folder, pdf, {"zeros.bin": bytes(8 * 2**20)}, name="DL_LAB1_313551014_Bomb.zip"),
    ]
    utf = submission(folder, pdf, {"AB.py": "x = 1\n"}, name="DL_LAB1_313551015_Big5.zip")
    utf.write_bytes(utf.read_bytes().replace(b"AB.py", "陳.py".encode("big5")))
    rar = folder / "DL_LAB1_313551016_Rar.rar"
    rar.write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(64))
    return [*made, utf, rar]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", nargs="?", type=Path, help="default: a temporary folder")
    p.add_argument("--run", action="store_true", help="pass --run to backprop check")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "submissions"
        zips = build_folder(folder)
        csv = folder.parent / "check.csv"
        start = time.perf_counter()
        status = backprop(["check", str(folder), "--csv", str(csv), *(["--run"] * args.run)])
        took = time.perf_counter() - start
        print(f"\n{csv}:\n{csv.read_text(encoding='utf-8')}")
        print(f"{len(zips)} zips checked in {took:.2f} s (exit {status})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
