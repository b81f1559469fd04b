"""``backprop check`` on zips built here: this project's own ``pack`` output, and one
zip per mistake or attack; each gets its finding, none crashes."""

from __future__ import annotations

import csv
import io
import json
import stat
import unicodedata
import uuid
from pathlib import Path

import pytest
from benchmarks.check_folder import (
    MAIN,
    build_folder,
    make_zip,
    report_pdf,
    scan,
    submission,
)
from benchmarks.check_folder import entry as _info

from backprop.check import archive, check_zip, run, write_csv
from backprop.check.archive import name_findings
from backprop.check.handout import GENERATORS_SOURCE
from backprop.cli import main
from backprop.lab.pack import pack, zip_name

ROOT = Path(__file__).resolve().parents[1]
SID, NAME = "313551157", "陳敬中"
GOOD = zip_name(SID, NAME)


@pytest.fixture(scope="module")
def report() -> bytes:
    return report_pdf()


def lines(result, level: str | None = None) -> str:
    return "\n".join(str(f) for f in result.findings if level in (None, f.level))


# --- this project's own zip and a good small one ---


def test_this_projects_pack_output_is_ok(tmp_path, report):
    (tmp_path / "report.pdf").write_bytes(report)
    path = pack(SID, NAME, root=ROOT, report=tmp_path / "report.pdf", out_dir=tmp_path)
    result = check_zip(path)
    assert result.verdict == "ok", lines(result)
    assert "entry script: src/backprop/__main__.py" in lines(result)
    assert result.facts["generators"] == "equivalent"  # data.py drops the dead `distance`
    assert result.facts["forbidden"] == []  # the peers in benchmarks/ are not the lab's code
    assert "torch" in result.facts["forbidden_unused"]


def test_a_correct_submission_is_ok(tmp_path, report):
    result = check_zip(submission(tmp_path, report))
    assert result.verdict == "ok", lines(result)
    assert result.facts["generators"] == "unchanged"
    assert "all six sections and their sub-items found" in lines(result)


# --- 1. the name ---


@pytest.mark.parametrize(
    "name, message",
    [
        ("DL_LAB1_313551157_陳敬中.rar", "a .rar file; the handout asks for .zip"),
        ("DL_LAB1_313551157_陳敬中.ZIP", "write .zip in lower case"),
        ("DL_LAB1_ 313551157_陳敬中.zip", "spaces around the student ID"),
        ("DL_LAB1_313551157_陳敬中 .zip", "spaces around the name"),
        ("DL LAB1 313551157 陳敬中.zip", "starts with 'DL LAB1 '"),
        ("dl_lab1_313551157_陳敬中.zip", "starts with 'dl_lab1_'"),
        ("DL_LAB1_３１３５５１１５７_陳敬中.zip", "full-width characters '１３５７'"),
        ("DL_LAB1_313551157.zip", "no name after the student ID"),
        ("DL_LAB1_陳敬中.zip", "no student ID"),
        ("LAB1_313551157_陳敬中.zip", "does not start with DL_LAB1_"),
        ("DL_LAB1_31355115a_陳敬中.zip", "is not ASCII digits"),
        ("DL_LAB1_313551157_陳敬中?.zip", "file names may not hold"),  # pack's own message
        (unicodedata.normalize("NFD", "DL_LAB1_1_José.zip"), "not in NFC form"),
    ],
)
def test_a_misnamed_zip_says_what_is_wrong(tmp_path, report, name, message):
    result = check_zip(submission(tmp_path, report, name=name))
    assert result.verdict == "format errors"
    assert message in lines(result, "error"), lines(result)


@pytest.mark.parametrize("sid, name", [(SID, NAME), ("1", "A"), ("0042", "Mary Ann"), ("7", "é")])
def test_every_name_pack_writes_passes(sid, name):
    assert [f.level for f in name_findings(zip_name(sid, name))] in ([], ["info"])


def test_a_rar_is_named_by_its_bytes(tmp_path):
    path = tmp_path / "DL_LAB1_1_A.rar"
    path.write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(64))
    result = check_zip(path)
    assert "cannot be opened: not a zip archive (a RAR archive)" in lines(result, "error")


# --- 2. contents ---


def test_a_missing_or_fake_report_is_a_format_error(tmp_path, report):
    result = check_zip(submission(tmp_path, report, {"report.pdf": None}))
    assert "no report.pdf at the top of the zip" in lines(result, "error")
    (tmp_path / GOOD).unlink()
    result = check_zip(submission(tmp_path, report, {"report.pdf": b"<html>report</html>"}))
    assert "report.pdf is not a PDF" in lines(result, "error")


def test_no_source_code_is_a_format_error(tmp_path, report):
    result = check_zip(submission(tmp_path, report, {"main.py": None, "notes.txt": "hi"}))
    assert "no source code" in lines(result, "error")


def test_caches_virtualenvs_and_data_dumps_are_listed_with_sizes(tmp_path, report):
    files = {
        "__pycache__/main.cpython-311.pyc": b"x" * 3000,
        "venv/pyvenv.cfg": "home = /usr\n",
        "venv/lib/site.py": "import torch\n",
        "env2/pyvenv.cfg": "home = /usr\n",
        "env2/bin/activate_this.py": "import jax\n",
        "weights.npy": bytes(2**20),
        ".DS_Store": b"\0",
    }
    result = check_zip(submission(tmp_path, report, files))
    found = lines(result, "look")
    assert "stray DL_LAB1_313551157_陳敬中/__pycache__/ (1 file, 3,000 B)" in found
    assert "stray DL_LAB1_313551157_陳敬中/venv/ (2 files" in found
    assert "stray DL_LAB1_313551157_陳敬中/weights.npy (1 file, 1,049 kB)" in found
    assert "stray DL_LAB1_313551157_陳敬中/.DS_Store" in found
    assert "stray DL_LAB1_313551157_陳敬中/env2/ (2 files" in found
    assert result.verdict == "needs a look" and result.facts["forbidden"] == []  # not parsed


# --- 3. imports ---


def test_import_torch_is_flagged_with_file_and_line(tmp_path, report):
    main_py = "import numpy as np\nimport torch\n" + GENERATORS_SOURCE
    model = "import os\n\n\nfrom tensorflow import keras\nos.x = __import__('keras')\n"
    entry = main_py + "\nimport model\n\nif __name__ == '__main__':\n    pass\n"
    files = {"main.py": entry, "model.py": model, "old/try.py": "import jax.numpy as jnp\n"}
    files["tests/test_grad.py"] = "import numpy as np\n\n\ndef test():\n    import torch\n"
    result = check_zip(submission(tmp_path, report, files))
    assert result.verdict == "needs a look"
    found = lines(result, "look")
    assert "torch (PyTorch, forbidden) at main.py:2" in found
    assert "tensorflow (TensorFlow, forbidden) at model.py:4" in found  # reached by main.py
    assert "keras (Keras, forbidden) at model.py:5" in found
    assert "jax (JAX, forbidden) at old/try.py:1" in found  # not run, but not a test either
    assert "torch (PyTorch) at tests/test_grad.py:5: tests or benchmarks" in lines(result, "info")
    assert result.facts["forbidden"] == ["jax", "keras", "tensorflow", "torch"]


def test_other_third_party_imports_are_listed_for_a_human(tmp_path, report):
    result = check_zip(
        submission(tmp_path, report, {"util.py": "import pandas as pd\nimport sys\n"})
    )
    assert result.verdict == "ok"
    assert "outside NumPy, matplotlib and the standard library: pandas (util.py:1)" in lines(result)


def test_a_notebook_code_cell_with_a_forbidden_import(tmp_path, report):
    cells = [
        {"cell_type": "markdown", "source": ["import torch  (prose, not code)"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np"]},
        {"cell_type": "code", "source": "x = 1\nfrom sklearn.neural_network import MLPClassifier"},
    ]
    nb = json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}})
    result = check_zip(submission(tmp_path, report, {"main.py": None, "lab.ipynb": nb}))
    found = lines(result, "look")
    assert "sklearn (scikit-learn, forbidden) at lab.ipynb cell 2:2" in found, lines(result)
    assert "torch" not in lines(result)


def test_a_file_that_does_not_parse_is_a_look_not_a_crash(tmp_path, report):
    result = check_zip(submission(tmp_path, report, {"broken.py": "def f(:\n"}))
    assert "broken.py:1 does not parse" in lines(result, "look")


# --- 4. the generators ---


def test_reformatted_generators_are_unchanged(tmp_path, report):
    text = MAIN.replace("0.1*i", "0.1 * i").replace("labels = []", "labels = []  # y")
    result = check_zip(submission(tmp_path, report, {"main.py": text}))
    assert result.facts["generators"] == "unchanged", lines(result)


def test_an_edited_generator_is_shown_as_a_diff(tmp_path, report):
    text = MAIN.replace("if 0.1*i == 0.5:", "if 0.1*i == 0.6:")
    result = check_zip(submission(tmp_path, report, {"main.py": text}))
    assert result.verdict == "needs a look" and result.facts["generators"] == "changed"
    found = lines(result, "look")
    assert "generate_XOR_easy at main.py:" in found and "differs from the handout's" in found
    assert "-        if 0.1 * i == 0.5:" in found and "+        if 0.1 * i == 0.6:" in found
    assert "generate_linear at main.py:3: the handout's, unchanged" in lines(result, "info")


def test_a_missing_or_renamed_generator(tmp_path, report):
    text = MAIN.replace("def generate_XOR_easy", "def generate_xor_easy")
    result = check_zip(submission(tmp_path, report, {"main.py": text}))
    assert "generate_XOR_easy not found; renamed? main.py:" in lines(result, "look")


# --- 5. the report ---


def test_a_scanned_report_has_no_text_layer(tmp_path):
    result = check_zip(submission(tmp_path, scan()))
    assert "1 page but no text layer (a scan?)" in lines(result, "look"), lines(result)


def test_a_missing_sub_item_is_named(tmp_path):
    pdf = report_pdf(skip="without activation")
    result = check_zip(submission(tmp_path, pdf))
    assert "not found in its text: 4.C Try without activation functions" in lines(result, "look")


def test_a_pdf_pypdf_cannot_read_is_a_look(tmp_path):
    result = check_zip(submission(tmp_path, b"%PDF-1.4\n% fake report\n"))
    assert result.verdict == "needs a look"
    assert "report.pdf: pypdf cannot read it" in lines(result, "look")


# --- safety: refused as findings, never a crash ---


def test_zip_slip_and_absolute_paths_are_refused(tmp_path, report):
    evil = f"evil_{uuid.uuid4().hex}.py"
    entries = [(_info(f"../../{evil}"), "x = 1\n"), (_info(f"/tmp/{evil}"), "x = 1\n")]
    path = make_zip(tmp_path / GOOD, {"report.pdf": report, "main.py": MAIN}, entries)
    result = check_zip(path, run=True, timeout=60)
    assert f"zip-slip entry '../../{evil}' points outside the folder" in lines(result, "error")
    assert f"absolute path '/tmp/{evil}': refused" in lines(result, "error")
    assert not list(Path("/tmp").glob(evil)) and not list(tmp_path.parent.glob(evil))


def test_a_symlink_is_not_followed(tmp_path, report):
    entries = [(_info("link.py", stat.S_IFLNK | 0o777), "/etc/passwd")]
    path = make_zip(tmp_path / GOOD, {"report.pdf": report, "main.py": MAIN}, entries)
    result = check_zip(path)
    assert "symlink 'link.py' → '/etc/passwd': not followed" in lines(result, "look")


def test_a_nested_zip_is_named(tmp_path, report):
    inner = io.BytesIO()
    make_zip(inner, {"main.py": MAIN})
    result = check_zip(submission(tmp_path, report, {"code.zip": inner.getvalue()}))
    assert "nested archive 'DL_LAB1_313551157_陳敬中/code.zip'" in lines(result, "look")


def test_a_bomb_like_member_is_not_read(tmp_path, report, monkeypatch):
    monkeypatch.setattr(archive, "RATIO_FLOOR", 10_000)
    path = submission(tmp_path, report, {"zeros.bin": bytes(500_000)})
    result = check_zip(path)
    assert "bomb-like 'DL_LAB1_313551157_陳敬中/zeros.bin'" in lines(result, "error")
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 100_000)
    assert "over 0 MB: not read" in lines(check_zip(path), "error")


def test_a_name_not_in_utf8_is_a_look(tmp_path, report):
    path = make_zip(tmp_path / GOOD, {"report.pdf": report, "main.py": MAIN, "AB.py": "x = 1\n"})
    path.write_bytes(path.read_bytes().replace(b"AB.py", "陳.py".encode("big5")))  # 2 bytes
    result = check_zip(path)
    assert "is not UTF-8 (a local code page?)" in lines(result, "look"), lines(result)


def test_a_damaged_member_is_a_finding(tmp_path, report):
    text = "".join(f"x{i} = {i * 7919 % 10007}\n" for i in range(2000))  # ~10 kB deflated
    path = submission(tmp_path, report, {"util.py": text})
    data = path.read_bytes()
    at = data.index(b"util.py") + 100  # inside its deflated bytes
    path.write_bytes(data[:at] + bytes(40) + data[at + 40 :])
    assert "'DL_LAB1_313551157_陳敬中/util.py' cannot be read" in lines(check_zip(path), "error")


def test_a_checker_bug_is_a_finding_not_a_crash(tmp_path, report, monkeypatch):
    import backprop.check as check

    monkeypatch.setattr(check, "generator_findings", lambda code: 1 / 0)
    result = check_zip(submission(tmp_path, report))
    # a checker's bug is not the student's format error: a human looks
    assert "the checker failed (ZeroDivisionError" in lines(result, "look")
    assert result.verdict == "needs a look"


# --- 6. --run ---


def test_run_reads_the_accuracy_lines(tmp_path, report):
    ok = check_zip(submission(tmp_path, report), run=True, timeout=60)
    assert "main.py: accuracy 100.00%, at or above 90%" in lines(ok, "info"), lines(ok)
    low = MAIN.replace("accuracy=100.00%", "accuracy=0.52")
    (tmp_path / GOOD).unlink()
    result = check_zip(submission(tmp_path, report, {"main.py": low}), run=True, timeout=60)
    assert "main.py: accuracy 52.00%; below the 90% bar" in lines(result, "look")


def test_run_stops_a_script_at_the_timeout(tmp_path, report):
    looping = MAIN.replace("    print(", "    while True:\n        pass\n    print(")
    result = check_zip(submission(tmp_path, report, {"main.py": looping}), run=True, timeout=1)
    assert "main.py: still running after 1 s; stopped" in lines(result, "look")


def test_run_says_when_the_network_is_not_isolated(tmp_path, report, monkeypatch):
    monkeypatch.setattr(run, "_unshare", lambda: [])
    result = check_zip(submission(tmp_path, report), run=True, timeout=60)
    assert "network not isolated" in lines(result, "look")


# --- the command ---


def test_cli_folder_csv_and_exit_codes(tmp_path, report, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    submission(folder, report)
    assert main(["check", str(folder)]) == 0
    submission(folder, report, name="DL_LAB1_313551157.zip")
    csv_path = tmp_path / "out.csv"
    assert main(["check", str(folder), "--csv", str(csv_path)]) == 1
    out = capsys.readouterr().out
    assert "DL_LAB1_313551157.zip: format errors\n" in out and f"{GOOD}: ok\n" in out
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and rows[0].startswith("zip,verdict,errors,looks")
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(tmp_path / "nope")])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == f"backprop check: error: {tmp_path / 'nope'} does not exist\n"
    with pytest.raises(SystemExit) as exit_:  # past ~1e8 s the OS timers overflow
        main(["check", str(folder), "--run", "--timeout", "1e9"])
    assert exit_.value.code == 2 and "--timeout must be between" in capsys.readouterr().err


def test_cli_run_warns_that_it_runs_student_code(tmp_path, report, capsys):
    assert main(["check", str(submission(tmp_path, report)), "--run", "--timeout", "60"]) == 0
    assert "--run runs each submission's own code" in capsys.readouterr().err


def test_pack_prints_the_verdict_of_its_zip(tmp_path, report, capsys):
    (tmp_path / "report.pdf").write_bytes(report)
    argv = ["pack", "--student-id", SID, "--name", NAME, "--report", str(tmp_path / "report.pdf")]
    assert main([*argv, "--root", str(ROOT), "--out", str(tmp_path)]) == 0
    assert f"{GOOD}: ok\n" in capsys.readouterr().out


def test_write_csv_one_row_per_zip(tmp_path, report):
    results = [check_zip(submission(tmp_path, report))]
    write_csv(results, tmp_path / "r.csv")
    row = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()[1]
    assert row.startswith(f"{GOOD},ok,0,0,True,") and ",unchanged," in row


def test_the_benchmark_folder_gets_one_verdict_per_zip(tmp_path, capsys):
    zips = build_folder(tmp_path / "in")
    assert main(["check", str(tmp_path / "in"), "--csv", str(tmp_path / "c.csv")]) == 1
    with (tmp_path / "c.csv").open(encoding="utf-8", newline="") as fh:
        verdicts = [row["verdict"] for row in csv.DictReader(fh)]
    assert len(zips) >= 10 and len(verdicts) == len(zips)
    assert verdicts.count("ok") == 2  # this project's pack output and one good zip


# --- found by an independent trial ---


@pytest.mark.parametrize(
    "name, source, finding",
    [
        ("alias.py", "from importlib import import_module as im\nim('keras')\n", "keras"),
        ("exec.py", "exec('import torch')\n", "torch"),
        ("bom.py", b"\xef\xbb\xbfimport torch\n", "torch"),  # Notepad's UTF-8
        ("latin.py", "# caf\xe9\nimport numpy\n".encode("latin-1"), "does not decode"),
        ("deep.py", "x=" + "-" * 100000 + "1\n", "does not parse"),
        ("nb.ipynb", '"just a string"', "is not a notebook: no list of cells"),
    ],
)
def test_imports_python_would_run_are_found(tmp_path, report, name, source, finding):
    """What Python runs (a BOM, an alias of import_module, exec) is read as Python reads
    it; what Python refuses (not UTF-8, nested too deep) needs a look, never "ok"."""
    result = check_zip(submission(tmp_path, report, {name: source}))
    assert result.verdict == "needs a look", lines(result)
    assert finding in lines(result, "look"), lines(result)


def test_a_generator_rebound_by_assignment_is_changed(tmp_path, report):
    main = MAIN + "\ngenerate_XOR_easy = lambda: None\n"
    result = check_zip(submission(tmp_path, report, {"main.py": main}))
    assert result.facts["generators"] == "changed" and "is assigned at" in lines(result, "look")


def test_names_with_control_characters_are_escaped(tmp_path, report):
    """A newline in an entry name would print a forged verdict line, an escape code would
    clear the TA's terminal: both are shown escaped."""
    forged = "src/x\nDL_LAB1_999_fake.zip: ok\n  [info] y.py"
    path = submission(tmp_path, report, {forged: "import numpy\n", "\x1b[2Jred.py": "x = 1\n"})
    text = format_result_of(path)
    assert "\nDL_LAB1_999_fake.zip: ok" not in text and "\x1b" not in text, text
    assert "holds control characters" in text


def format_result_of(path):
    from backprop.check import format_result

    return format_result(check_zip(path))


def test_a_zip_not_read_makes_no_claim_about_its_contents(tmp_path, report, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    path = submission(tmp_path, report, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    text = lines(check_zip(path))
    assert "entries; more than 3" in text
    assert "no source code" not in text and "no report.pdf" not in text, text


def test_csv_that_names_a_submission_is_refused(tmp_path, report, capsys):
    """``check --csv *.zip``: the shell makes the first zip the CSV, which would be
    written over it."""
    path = submission(tmp_path, report)
    data = path.read_bytes()
    for csv_arg in (str(path), str(tmp_path / "other.zip")):
        with pytest.raises(SystemExit) as e:
            main(["check", str(tmp_path), "--csv", csv_arg])
        assert e.value.code == 2 and "is a submission, not a CSV" in capsys.readouterr().err
    assert path.read_bytes() == data


def test_a_folder_or_pipe_named_like_a_zip_is_refused_not_skipped(tmp_path, report, capsys):
    submission(tmp_path, report)
    (tmp_path / "DL_LAB1_1_a.zip").mkdir()
    with pytest.raises(SystemExit) as e:
        main(["check", str(tmp_path)])
    assert e.value.code == 2 and "DL_LAB1_1_a.zip is not a file" in capsys.readouterr().err
    (tmp_path / "DL_LAB1_1_a.zip").rmdir()
    with pytest.raises(SystemExit) as e:
        main(["check", str(tmp_path), "--csv", str(tmp_path / "new" / "rows.csv")])
    assert e.value.code == 2 and "there is no folder" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_run_takes_a_notebook_entry_as_its_code_cells(tmp_path, report):
    """A notebook is run as its code cells, magics blanked, as the checker parsed them."""
    cells = [MAIN, "%matplotlib inline\nprint('accuracy=95.00%')"]
    nb = {"cells": [{"cell_type": "code", "source": c} for c in cells]}
    path = submission(tmp_path, report, {"main.py": None, "lab1.ipynb": json.dumps(nb)})
    result = check_zip(path, run=True, timeout=60)
    assert "lab1.ipynb: accuracy 100.00%, 95.00%, at or above 90%" in lines(result), lines(result)
