"""CSV files as people have them: what ``lab.data.read_csv`` takes and how it refuses."""

import numpy as np
import pytest

from backprop.cli import main
from backprop.lab import data

X = [[0.25, 0.5], [0.75, 1.0]]


def read(tmp_path, content: bytes | str, name: str = "p.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return data.read_csv(str(path))


@pytest.mark.parametrize(
    "text",
    [
        "x1,x2,label\n0.25,0.5,0\n0.75,1,1\n",  # the header to_csv writes
        "0.25,0.5,0\n0.75,1,1\n",  # no header
        "\ufeffx1,x2,label\r\n0.25,0.5,0\r\n0.75,1,1\r\n",  # Excel's CSV UTF-8: BOM, CRLF
        "\ufeff0.25,0.5,0\n0.75,1,1",  # BOM on a number, no last newline
        "x;y;class\n0.25;0.5;0\n0.75;1;1\n",  # ; and another header
        "x1\tx2\tlabel\n0.25\t0.5\t0\n0.75\t1\t1\n",  # tab
        '"x1","x2","label"\n"0.25","0.5","0"\n" 0.75 ","1","1"\n',  # quoted numbers
        "0,25;0,5;0\n0,75;1;1\n",  # decimal commas with ;
        '"0,25","0,5",0\n"0,75",1,1\n',  # quoted decimal commas with ,
        "\n0.25,0.5,0\n\n0.75,1,1,,\n,,\n",  # blank lines, empty trailing cells
    ],
)
def test_csv_as_spreadsheets_write_it_is_read(tmp_path, text):
    x, y = read(tmp_path, text)
    assert x.tolist() == X and y.tolist() == [[0.0], [1.0]]


@pytest.mark.parametrize(
    "text, line, wrong",
    [
        ("x1,x2,label\n0,0,1\n0.5,abc,0\n", "line 3: 0.5,abc,0: x2 is 'abc'", "not a finite"),
        ("0;0;1\n0;1;1;0\n", "line 2: 0;1;1;0: expected 3 fields", "found 4"),
        ("0,0,1\n1,1,2\n", "line 2: 1,1,2: label is '2'", "a label is 0 or 1"),
        ("0,0,1\n0,1,0.5\n", "line 2: 0,1,0.5: label is '0.5'", "a label is 0 or 1"),
        ("0,0,1\n\n1|1|0\n", "line 3: 1|1|0: expected 3 fields", "found 1"),
        ("x1,x2,label\nx1,x2,label\n", "line 2: x1,x2,label: x1 is 'x1'", "not a finite"),
    ],
)
def test_a_bad_line_is_refused_with_file_line_number_and_line(tmp_path, text, line, wrong):
    with pytest.raises(ValueError) as e:
        read(tmp_path, text)
    message = str(e.value)
    assert message.startswith(f"{tmp_path / 'p.csv'}: {line}") and wrong in message, message
    assert "\n" not in message


def test_a_one_class_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"p\.csv: every label is 1; .* both classes"):
        read(tmp_path, "x1,x2,label\n0,0,1\n1,1,1\n0.5,0.5,1\n")


def test_too_few_points_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"p\.csv: 1 point; give at least 2"):
        read(tmp_path, "\ufeffx1,x2,label\r\n0,0,1\r\n")


@pytest.mark.parametrize(
    "make, wrong",
    [
        (lambda t: t / "folder.csv", "is a folder, not a CSV file"),
        (lambda t: t / "missing.csv", "no such file"),
        (lambda t: t / "file.csv" / "p.csv", "is a file, not a folder"),
        (lambda t: t / ("a" * 600 + ".csv"), "is too long: "),
    ],
)
def test_an_os_error_is_a_sentence_with_the_path(tmp_path, make, wrong):
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "file.csv").write_text("0,0,1\n1,1,0\n")
    path = str(make(tmp_path))
    with pytest.raises(ValueError) as e:
        data.read_csv(path)
    message = str(e.value)
    assert wrong in message and "Errno" not in message, message
    assert message.startswith(path[:30]) and len(message) < 200, message


def test_a_file_that_is_not_utf8_names_the_line_and_byte(tmp_path):
    latin1 = "x1,x2,label\n0,0,1\n0,1,0 # café\n".encode("latin-1")
    with pytest.raises(ValueError) as e:
        read(tmp_path, latin1)
    assert str(e.value) == (
        f"{tmp_path / 'p.csv'}: line 3: 0,1,0 # caf\ufffd: byte 0xe9 is not UTF-8; "
        "save the file as CSV UTF-8"
    )
    with pytest.raises(ValueError, match=r"p\.csv: is UTF-16 text"):
        read(tmp_path, "x1,x2,label\n0,0,1\n".encode("utf-16"))


def test_a_long_line_is_shown_cut(tmp_path):
    with pytest.raises(ValueError) as e:
        read(tmp_path, "0,0,1\n" + "1," * 500 + "0\n")
    assert "line 2: 1,1,1" in str(e.value) and len(str(e.value)) < 250


def test_n_points_takes_the_same_minimum(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--data", "linear", "--n-points", "1", "--epochs", "1"])
    assert exit_.value.code == 2 and f"at least {data.MIN_POINTS}" in capsys.readouterr().err


def test_train_reports_a_bad_csv_on_one_line_and_exits_2(tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfx1;x2;label\r\n0,5;0,5;1\r\n0,5;x;0\r\n")
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--data", str(path), "--epochs", "1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.splitlines()) == 1, err
    assert (
        err == f"backprop train: error: {path}: line 3: 0,5;x;0: x2 is 'x', not a finite number\n"
    )
    assert not (tmp_path / "o").exists()


def test_train_runs_on_an_excel_csv(tmp_path, capsys):
    path = tmp_path / "excel.csv"
    rows = "".join(
        f"{a / 10:.1f};{b / 10:.1f};{int(a > b)}\r\n" for a in range(4) for b in range(4)
    )
    path.write_bytes(b"\xef\xbb\xbf" + ("x1;x2;label\r\n" + rows.replace(".", ",")).encode())
    assert np.shape(data.read_csv(str(path))[0]) == (16, 2)
    assert main(["train", "--data", str(path), "--epochs", "1", "--out", str(tmp_path / "o")]) == 0
