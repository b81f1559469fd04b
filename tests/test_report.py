"""report: builds from a tiny configuration with every section of the handout in order;
the layout's numbering, wrapping and page breaks; the lab excerpt; the CLI options."""

import argparse
import re
from pathlib import Path

import pytest

from backprop import report
from backprop.report_doc import Document, Heading, Image, Table, Text, write_markdown
from backprop.report_layout import TEXT_W, layout, text_width, wrap
from backprop.report_text import pct

SECTIONS = [
    "1 Introduction",
    "2 Implementation details",
    "A. Sigmoid function",
    "B. Neural network architecture",
    "C. Back-propagation",
    "3 Experimental results",
    "A. Screenshot and comparison figure",
    "B. Accuracy of the prediction",
    "C. Learning curve (loss–epoch curve)",
    "D. Anything you want to present",
    "4 Discussion",
    "A. Try different learning rates",
    "B. Try different numbers of hidden units",
    "C. Try without activation functions",
    "D. Anything you want to share",
    "5 Questions",
    "A. What is the purpose of activation functions?",
    "B. What might happen if the learning rate is too large or too small?",
    "C. What is the purpose of weights and biases in a neural network?",
    "6 Extra",
    "A. Implement different optimizers",
    "B. Implement different activation functions",
    "C. Implement convolutional layers",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One report from a tiny configuration (2 seeds, 6 epochs), shared by the tests."""
    tmp = tmp_path_factory.mktemp("report")
    info = report.build(
        tmp / "out", tmp / "experiments", seeds=2, cnn_seeds=1, convergence_seeds=3, epochs=6,
        progress=False,
    )  # fmt: skip
    return info, (tmp / "out" / "report.md").read_text(), tmp / "experiments"


def test_report_has_every_section_in_order(built):
    _, md, _ = built
    headings = [line.lstrip("#").strip() for line in md.splitlines() if line.startswith("##")]
    assert headings == SECTIONS


def test_report_pdf_has_numbered_pages(built):
    info, _, _ = built
    data = info["pdf"].read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages == info["pages"] > 1


def test_every_figure_and_table_is_numbered_captioned_and_linked(built):
    info, md, _ = built
    figures = [int(n) for n in re.findall(r"^\*Figure (\d+)\. \S", md, re.M)]
    tables = [int(n) for n in re.findall(r"^\*Table (\d+)\. \S", md, re.M)]
    assert figures == list(range(1, len(figures) + 1)) and len(figures) > 20
    assert tables == list(range(1, len(tables) + 1)) and len(tables) > 5
    for link in re.findall(r"!\[Figure \d+\]\(([^)]+)\)", md):
        assert (info["md"].parent / link).is_file(), link
    cited = {int(n) for n in re.findall(r"Figures? (\d+)", md)}
    assert cited <= set(figures)
    assert not re.search(r"@(fig|tab):|TBD|\bnan\b", md)


def test_answers_quote_the_measured_numbers(built):
    """The answers are written from the cached results, not typed in."""
    from backprop import experiments

    _, md, exp_dir = built
    lr = experiments.run_experiment(
        experiments.define("lr", seeds=2, epochs=6), exp_dir, progress=False
    )
    assert lr.cached
    answers = md.split("## 5 Questions")[1].split("## 6 Extra")[0]
    small = lr.stats("sgd lr=0.001", "linear")
    assert f"linear {pct(small['mean_accuracy'])}" in answers
    assert "Figure" in answers and "Table" in answers


def test_numbers_resolve_in_order_and_unknown_refs_fail(tmp_path):
    png = Path(report.__file__).parents[2] / "docs" / "lab" / "xor" / "comparison.png"
    if not png.exists():
        pytest.skip("docs/lab figures not in this checkout")
    doc = Document("T")
    doc.add(
        Text("See Figure @fig:b, Figure @fig:a and Table @tab:t."),
        Image("a", [png], "first"),
        Table("t", ["x", "y"], [["1", "2"]], "table"),
        Image("b", [png], "second"),
    )
    assert doc.resolve(doc.blocks[0].text) == "See Figure 2, Figure 1 and Table 1."
    with pytest.raises(KeyError):
        doc.resolve("Figure @fig:missing")
    md = write_markdown(doc, tmp_path / "r.md").read_text()
    assert "![Figure 1](" in md and "*Table 1. table*" in md


def test_wrap_keeps_every_line_within_the_width():
    text = "Backpropagation computes ∂L/∂W for all weights at once, layer by layer. " * 12
    lines = wrap(text, 10, TEXT_W)
    assert len(lines) > 5
    assert all(text_width(line, 10) <= TEXT_W for line in lines)
    assert " ".join(lines) == text.strip()


def test_long_documents_break_into_pages():
    doc = Document("T")
    for i in range(40):
        doc.add(Heading(f"{i} Section"), Text("word " * 150))
    assert len(layout(doc)) > 5


LAB = "\n".join(
    ["== linear ==  mlp 2-16-16-1", "epoch 40 loss : 0.1"]
    + [f"Iter{i}\tGround truth: 1.0\tprediction: 0.99" for i in range(10)]
    + ["loss=0.00004 accuracy=100.00%", "== xor ==  mlp", "epoch 40 loss : 0.2"]
    + [f"Iter{i}\tGround truth: 0.0\tprediction: 0.01" for i in range(7)]
    + ["loss=0.00021 accuracy=100.00%", "figures, history.json and model.npz in runs/lab/"]
)


def test_terminal_excerpt_keeps_the_first_and_last_predictions():
    lines = report.terminal_excerpt(LAB)
    assert lines[:3] == ["== linear ==  mlp 2-16-16-1", "epoch 40 loss : 0.1", LAB.split("\n")[2]]
    assert "... (4 more predictions)" in lines and "... (1 more predictions)" in lines
    assert lines.count("loss=0.00004 accuracy=100.00%") == 1
    assert sum(line.startswith("Iter") for line in lines) == 12
    assert not any(line.startswith("figures,") for line in lines)


def test_command_passes_its_options_to_build(monkeypatch, tmp_path, capsys):
    seen = {}

    def fake_build(out, experiments_dir, **kwargs):
        seen.update(out=out, experiments_dir=experiments_dir, **kwargs)
        return {"pdf": out / "report.pdf", "md": out / "report.md", "pages": 3, "seconds": 1.0}

    monkeypatch.setattr(report, "build", fake_build)
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    argv = ["--out", str(tmp_path), "--seeds", "12", "--epochs", "5", "--seed", "3", "--force"]
    assert report.command(parser.parse_args(argv)) == 0
    assert seen["out"] == tmp_path and seen["experiments_dir"] == Path("runs/experiments")
    assert (seen["seeds"], seen["epochs"], seen["seed"], seen["force"]) == (12, 5, 3, True)
    assert (seen["cnn_seeds"], seen["convergence_seeds"], seen["progress"]) == (5, 1000, True)
    assert "(3 pages)" in capsys.readouterr().out
    defaults = parser.parse_args([])
    assert defaults.out == Path("runs/report")
