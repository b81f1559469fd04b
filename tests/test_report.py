"""report: builds report.typ and report.pdf (Typst) from a tiny configuration with every
section of the handout in order; references, escaping, edits and --typeset; the figures'
print sizes; the lab excerpt; and every number of the prose against the results."""

import math
import os
import re
import shutil
from pathlib import Path

import pytest

from backprop import report
from backprop.report import typesetting as typeset
from backprop.report.doc import (
    Document,
    Heading,
    Image,
    Table,
    Terminal,
    Text,
    escape,
    to_typst,
)

SECTIONS = [
    "Introduction",
    "Implementation details",
    "Sigmoid function",
    "Neural network architecture",
    "Back-propagation",
    "Experimental results",
    "Screenshot and comparison figure",
    "Accuracy of the prediction",
    "Learning curve (loss–epoch curve)",
    "Anything you want to present",
    "Discussion",
    "Try different learning rates",
    "Try different numbers of hidden units",
    "Try without activation functions",
    "Anything you want to share",
    "Questions",
    "What is the purpose of activation functions?",
    "What might happen if the learning rate is too large or too small?",
    "What is the purpose of weights and biases in a neural network?",
    "Extra",
    "Implement different optimizers",
    "Implement different activation functions",
    "Implement convolutional layers",
    "Appendix: implementation notes",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One report from a tiny configuration (2 seeds, 6 epochs), shared by the tests:
    the build's info, report.typ as written, and the experiments' folder. Skipped for
    each of mutmut's mutants (a ~30 s build each): tests/test_report_context.py's unit
    tests are the ones that must catch them."""
    if "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", ""):
        pytest.skip("builds the whole report; mutation runs use the unit tests")
    tmp = tmp_path_factory.mktemp("report")
    info = report.build(
        tmp / "out",
        tmp / "experiments",
        seeds=2,
        cnn_seeds=1,
        convergence_seeds=3,
        epochs=6,
        progress=False,
        author="Ada Lovelace (student ID 313551157)",
    )
    return info, info["typ"].read_text(encoding="utf-8"), tmp / "experiments"


def _unescape(line: str) -> str:
    return re.sub(r"\\(.)", r"\1", line)


def _headings(typ: str) -> list[str]:
    out = []
    for line in re.sub(r"````.*?````", "", typ, flags=re.S).splitlines():
        m = re.match(r"=+ (.*)$", line) or re.match(r"#heading\(.*\)\[(.*)\]$", line)
        if m:
            out.append(_unescape(m.group(1)))
    return out


def _prose(typ: str) -> list[str]:
    """The paragraphs and bullets of report.typ, unescaped: no headings, figures, tables,
    equations, terminal text or comments (those lines start with a mark or a space)."""
    body = typ.split("#title-block(", 1)[1].split("\n", 1)[1]
    body = re.sub(r"````.*?````", "", body, flags=re.S)
    return [
        _unescape(line.removeprefix("- "))
        for line in body.splitlines()
        if line.strip() and not line.startswith(("=", "#", "$", "/", " ", ")"))
    ]


def _text(built) -> str:
    """The prose of report.typ as a reader sees it (unescaped)."""
    return "\n".join(_prose(built[1]))


def test_report_has_every_section_in_order(built):
    assert _headings(built[1]) == SECTIONS


def test_the_pdf_is_typst_s_and_within_the_page_and_word_limits(built):
    info, typ, _ = built
    data = info["pdf"].read_bytes()
    assert data.startswith(b"%PDF") and b"Typst" in data  # its creator
    assert 1 < info["pages"] <= 12
    assert info["words"] == sum(len(p.split()) for p in _prose(typ))
    assert info["words"] <= 3000


def test_every_figure_and_table_is_labelled_and_cited_in_the_prose(built):
    _, typ, _ = built
    labels = re.findall(r"<((?:fig|tab):\w+)>", typ)
    assert len(labels) == len(set(labels)) and len(labels) > 15
    cited = set(re.findall(r"@((?:fig|tab):\w+)", "\n".join(_prose(typ))))
    assert set(labels) <= cited, set(labels) - cited
    for svg in re.findall(r'image\("([^"]+)"\)', typ):
        assert svg.endswith(".svg") and (built[0]["typ"].parent / svg).is_file()
    assert not re.search(r"TBD|\bnan\b", typ)


def test_a_missing_label_fails_the_build(tmp_path):
    doc = Document("T")
    doc.add(Text("See @fig:nowhere."))
    (tmp_path / "r.typ").write_text(to_typst(doc, tmp_path, typeset.PREAMBLE))
    with pytest.raises(ValueError, match="fig:nowhere"):
        typeset.compile_pdf(tmp_path / "r.typ")


def test_plain_text_prints_as_written(tmp_path):
    """Typst's markup characters in prose are escaped; references, code and maths are not."""
    text = "generate_linear, a*b*c, #x, $y$ not maths? [z] @home // not a comment -- 2-16"
    assert escape(text).count("\\_") == 1 and "\\/\\/" not in escape(text)
    doc = Document("T", "Ada (student ID 1)")
    svg = tmp_path / "a.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    doc.add(
        Heading("Part"),
        Text("odd: generate_linear, a*b, #x, [z], @home, x // y, a -- b; see @fig:a, `c_d`."),
        Image("a", svg, "A figure."),
        Table("t", ["x", "y\nz"], [["1", "a_b"]], "A table."),
    )
    (tmp_path / "r.typ").write_text(to_typst(doc, tmp_path, typeset.PREAMBLE))
    typeset.compile_pdf(tmp_path / "r.typ")
    if shutil.which("pdftotext"):
        import subprocess

        out = subprocess.run(
            ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True
        ).stdout
        assert "generate_linear, a*b, #x, [z], @home, x // y, a -- b; see Figure 1, c_d" in (
            " ".join(out.split())
        )


def test_an_edit_survives_typeset_and_stops_a_plain_build(built, tmp_path):
    info, typ, exp = built
    out = tmp_path / "out"
    shutil.copytree(info["typ"].parent, out)
    source = out / "report.typ"
    assert not typeset.edited(source)
    source.write_text(typ.replace("= Introduction", "= Introduction\nMY OWN WORDS."))
    assert typeset.edited(source)
    done = report.typeset(out)
    assert done["pages"] >= 1 and done["seconds"] < 3
    assert "MY OWN WORDS." in source.read_text()
    with pytest.raises(ValueError, match="--typeset.*--force"):
        report.build(out, exp, seeds=2, epochs=6, progress=False)
    assert "MY OWN WORDS." in source.read_text()


def test_the_cli_typesets_an_edit_and_refuses_to_overwrite_it(built, tmp_path, capsys):
    from backprop.cli import main

    info, typ, exp = built
    out = tmp_path / "out"
    shutil.copytree(info["typ"].parent, out)
    (out / "report.typ").write_text(typ.replace("= Questions", "= Questions\nMINE."))
    assert main(["report", "--out", str(out), "--typeset"]) == 0
    assert "(" in capsys.readouterr().out and "MINE." in (out / "report.typ").read_text()
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--out", str(out), "--experiments", str(exp), "--seeds", "2"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--typeset" in err and "--force" in err
    (out / "report.typ").write_text(typ + "\n#broken(\n")  # an edit Typst cannot read
    assert main(["report", "--out", str(out), "--typeset"]) == 2
    err = capsys.readouterr().err
    assert "unclosed delimiter" in err and "#broken(" in err  # where, not a traceback


def test_pack_build_report_passes_the_author_on(tmp_path):
    from backprop import cli, cli_args

    report_pdf = tmp_path / "r" / "report.pdf"
    argv = ["pack", "--student-id", "313551157", "--name", "陳敬中", "--build-report"]
    args = cli.make_parser().parse_args([*argv, "--report", str(report_pdf)])
    parsed = cli_args.report_args(args)
    assert parsed.out == report_pdf.parent and not parsed.typeset
    assert parsed.author == "陳敬中 (student ID 313551157)"


def test_a_second_build_with_nothing_changed_only_writes_the_text(built, tmp_path, monkeypatch):
    info, typ, exp = built
    out = tmp_path / "out"
    shutil.copytree(info["typ"].parent, out)
    args = dict(seeds=2, cnn_seeds=1, convergence_seeds=3, epochs=6, progress=False)
    author = "Ada Lovelace (student ID 313551157)"

    def no(*a, **k):
        raise AssertionError("trained or drew again")

    monkeypatch.setattr(report, "_compute", no)
    again = report.build(out, exp, author=author, **args)
    assert again["typ"].read_text() == typ  # the same text from what was kept
    with pytest.raises(AssertionError, match="trained or drew again"):
        report.build(out, exp, author=author, seed=1, **args)  # a new input: computed anew


def test_the_author_block_is_checked_as_pack_checks_names(built):
    assert report.author_line("313551157", "陳敬中") == "陳敬中 (student ID 313551157)"
    assert report.author_line(None, None) == ""
    for sid, name in (("31x", "A"), ("1", "a/b"), ("1", None)):
        with pytest.raises(ValueError):
            report.author_line(sid, name)
    assert (
        "#title-block([Lab 1: Backpropagation], [Ada Lovelace (student ID 313551157)]" in (built[1])
    )
    assert report.missing_font("Ada Lovelace") is None


def test_every_figure_is_vector_fits_the_column_and_has_no_text_under_7pt(built):
    info, typ, _ = built
    folder = info["typ"].parent
    svgs = [folder / p for p in re.findall(r'image\("([^"]+)"\)', typ)]
    assert len(svgs) >= 10
    for svg in svgs:
        text = svg.read_text()
        width = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', text).group(1))
        assert width <= 6.7 * 72, svg.name  # drawn at its printed size: the text width
        sizes = [float(v) for v in re.findall(r"font-size: *([\d.]+)px", text)]
        sizes += [float(v) for v in re.findall(r"font: *([\d.]+)px", text)]
        assert sizes and min(sizes) >= 7, (svg.name, min(sizes))
        assert "<image" not in text or svg.name == "cnn.svg", svg.name  # no pictures of text
    # maths in a table (8.5 pt) would set its superscripts under 7 pt
    cells = [c for b in info["doc"].blocks if isinstance(b, Table) for r in b.rows for c in r]
    assert cells and not any("$" in c for c in cells)


LAB = "\n".join(
    ["== linear ==  mlp 2-16-16-1", "epoch 40 loss : 0.1"]
    + [f"Iter{i}\tGround truth: 1.0\tprediction: 0.99" for i in range(10)]
    + ["loss=0.00004 accuracy=100.00%", "== xor ==  mlp", "epoch 40 loss : 0.2"]
    + [f"Iter{i}\tGround truth: 0.0\tprediction: 0.01" for i in range(7)]
    + ["loss=0.00021 accuracy=100.00%", "figures, history.json and model.npz in runs/lab/"]
)


def test_terminal_excerpt_shows_every_line_when_there_are_few():
    lines = report.terminal_excerpt(LAB, head=10, tail=10)
    assert sum(line.startswith("Iter") for line in lines) == LAB.count("Iter")
    assert not any(line.startswith("...") for line in lines)


def test_terminal_excerpt_keeps_the_first_and_last_predictions():
    lines = report.terminal_excerpt(LAB, head=3, tail=3)
    assert lines[:3] == [
        "== linear ==  mlp 2-16-16-1",
        "epoch 40 loss : 0.1",
        "Iter0   Ground truth: 1.0   prediction: 0.99",
    ]
    assert "... (4 more predictions)" in lines  # linear's 10 less 3 and 3
    assert lines.count("loss=0.00004 accuracy=100.00%") == 1
    assert sum(line.startswith("Iter") for line in lines) == 6 + 7  # XOR's 7: one cut is no cut
    assert not any(line.startswith("figures,") for line in lines)


# ------------------------------------------------------------ claims against their sources

METRICS = ("mean accuracy", "median epochs", "at 100 %")


def _numbered(info) -> dict[str, str]:
    """ "tab:bias" → its caption and header row; "fig:lr" → its caption."""
    out = {}
    for b in info["doc"].blocks:
        if isinstance(b, Table):
            out[f"tab:{b.key}"] = b.caption + " " + " ".join(h.replace("\n", " ") for h in b.header)
        elif isinstance(b, Image | Terminal):
            out[f"fig:{b.key}"] = b.caption
    return out


def _fragments(paragraph: str):
    """Each reference ("@tab:bias") with the clause that cites it: the innermost
    parentheses around it, else its part of the sentence between ; and ."""
    for m in re.finditer(r"@((?:fig|tab):\w+)", paragraph):
        before, after = paragraph[: m.start()], paragraph[m.end() :]
        if before.count("(") > before.count(")"):
            start = before.rfind("(") + 1
            end = m.end() + after.find(")") if ")" in after else len(paragraph)
        else:
            start = max(before.rfind(";"), before.rfind(". ")) + 1
            ends = [i for i in (after.find(";"), after.find(". ")) if i >= 0]
            end = m.end() + min(ends) if ends else len(paragraph)
        yield m.group(1), paragraph[start:end]


def test_every_cited_quantity_is_in_the_table_or_figure_cited(built):
    """ "(mean accuracy 52.4 %, @tab:bias)": the bias table must have a mean-accuracy column."""
    info, typ, _ = built
    numbered = _numbered(info)
    checked = 0
    for paragraph in _prose(typ):
        for ref, fragment in _fragments(paragraph):
            assert ref in numbered, ref
            for q in (q for q in METRICS if q in fragment):
                checked += 1
                assert q in numbered[ref], f"{ref} has no {q!r}: …{fragment}…"
    assert checked >= 3  # the check ran on real citations


def test_the_bias_table_has_the_accuracy_the_answers_cite(built):
    info, typ, _ = built
    assert "XOR mean accuracy" in _numbered(info)["tab:bias"]
    assert "(mean accuracy" in typ.split("== What is the purpose of weights")[1]


NUMBER = re.compile(r"(?<![\w.])[−-]?\d+(?:\.\d+)?(?:e[−+-]?\d+)?(?:/\d+)?")


def _numbers(text: str) -> set[str]:
    return {n.replace("−", "-") for n in NUMBER.findall(text)}


def _vocabulary(exp_dir: Path, typ: str, boundary_range: dict) -> set[str]:
    """Every number the results, the lab run and the code's constants can print."""
    import json

    import numpy as np

    from backprop.experiments import trajectories
    from backprop.lab.config import CNN, DEFAULT, HANDOUT, build_model
    from backprop.lab.data import load
    from backprop.optim.lr_scheduler import MIN_FACTOR
    from backprop.report import context as rt
    from backprop.report.sections import extra as report_extra
    from backprop.report.sections import implementation as ri

    values: list[float] = []
    fractions: set[str] = set()  # "8/10"
    for summary in exp_dir.glob("*/summary.json"):
        s = json.loads(summary.read_text())
        for st in s["by_setting"]:
            values += [v for v in st.values() if isinstance(v, int | float)]
            values += [x for x in (st["x"],) if isinstance(x, int | float)]
            fractions.add(f"{st['at_100']}/{st['seeds']}")
        summed: dict[str, float] = {}  # a setting's median epochs summed over the datasets
        for st in s["by_setting"]:
            summed[st["setting"]] = summed.get(st["setting"], 0) + st["median_epochs_to_100"]
        values += list(summed.values())
        for t in s.get("tuned", {}).values():
            values += [v for v in t.values() if isinstance(v, int | float)]
            fractions |= {v for k, v in t.items() if k.startswith("at_100")}
    for curves in exp_dir.glob("*/curves.npz"):
        with np.load(curves) as z:
            for name in z.files:
                values += [float(v) for v in z[name][:1]]  # the first epoch
    for h in exp_dir.parent.glob("out/lab/*/*/history.json"):
        d = json.loads(h.read_text())
        values += [d["loss"][0], max(d["loss"]), int(np.argmax(d["loss"])), d["epochs_to_100"]]
        values += [d["final_loss"], len(d["loss"])]
        n = len(d["loss"]) - 1
        values += [v for k in (1, 2, 3, 4) for v in (d["loss"][n * k // 4], n * k // 4)]
    for lo, hi in boundary_range.values():  # the XOR output range of Figure boundaries_noact
        values += [lo, hi]
    _, y_xor = load("xor", 0)
    values += [float(np.mean(y_xor)), float(y_xor.sum()), y_xor.size]
    for cfg in (DEFAULT, HANDOUT, CNN):
        values += [v for v in cfg.to_dict().values() if isinstance(v, int | float)]
        values += list(cfg.hidden)
    rates, after = ri.schedule_rates(DEFAULT)
    values += [rates[0], rates[-1], after, ri.bce_eps(), MIN_FACTOR, 1 / (1 + math.exp(40))]
    values += [s.steps for s in trajectories.SURFACES.values()]
    model = build_model(CNN, rng=np.random.default_rng(0))
    out = fractions | _numbers(report_extra._architecture(model))
    out |= {str(sum(p.data.size for p in model.parameters()))}
    for v in values:
        v = float(v)
        if not np.isfinite(v):
            continue
        for f in ("g", ".1f", ".2f", ".3f", ".6f", ".2g", ".3g", ".1e", ".0f"):
            out |= _numbers(format(v, f))
        out |= _numbers(rt.pct(v)) | _numbers(rt.pct(v / 100 if v > 1 else v))
        out |= _numbers(rt.loss_str(v))
    return out


def _literals() -> set[str]:
    """Numbers typed into the report's source: fixed prose (0.5, 90 %, 1/4, ...)."""
    src = Path(report.__file__).parent
    text = "".join(p.read_text() for p in [src / "context.py", *(src / "sections").glob("*.py")])
    return _numbers(text)


def test_every_number_in_the_text_comes_from_the_results_or_the_code(built):
    """A number in the prose is typed in the report's source (a fixed fact such as the
    0.5 threshold) or printed from the cached results, the lab run or a code constant."""
    info, typ, exp_dir = built
    vocab, literal = _vocabulary(exp_dir, typ, info["extra"]["boundary_range"]), _literals()
    prose = "\n".join(_prose(typ))
    unknown = sorted(n for n in _numbers(prose) if n not in vocab | literal)
    # counts of things (seeds, settings, optimizers) are small integers read from the code
    unknown = [n for n in unknown if not (n.isdigit() and int(n) <= 64)]
    assert not unknown, [
        (n, re.findall(rf".{{60}}{re.escape(n)}.{{20}}", prose)[:1]) for n in unknown
    ]


# ------------------------------------------------ implementation sentences pinned to the code


def test_a_saturated_output_gets_no_gradient_through_bce_and_the_sigmoid(built):
    """Section 2C: δ₃ = (ŷ − y)/N inside the clip, 0 when ŷ rounds to exactly 1."""
    import numpy as np

    from backprop.nn.kernels import run, sigmoid_backward_steps
    from backprop.nn.losses import BCELoss
    from backprop.report.sections import implementation as ri

    y = np.array([[0.0], [1.0]])
    for pred, expected in (
        (np.array([[0.7], [0.2]]), (np.array([[0.7], [0.2]]) - y) / 2),
        (np.array([[1.0], [0.2]]), np.array([[0.0], [-0.4]])),
    ):
        _, grad = BCELoss()(pred, y)
        delta = np.empty_like(grad)
        run(sigmoid_backward_steps(pred, grad, delta))
        np.testing.assert_allclose(delta, expected, rtol=1e-9)
    lo = ri.bce_eps()
    _, grad = BCELoss()(np.array([[0.0]]), np.array([[1.0]]))
    np.testing.assert_allclose(grad, (lo - 1) / (lo * (1 - lo)), rtol=1e-9)  # p clipped to eps
    assert f"[{lo:g}, 1 − {lo:g}], so an output that rounds to exactly 0 or 1 gets no" in (
        _text(built)
    )


def test_the_schedule_sentence_reads_the_rates_the_scheduler_gives(built):
    from backprop.lab.config import DEFAULT
    from backprop.optim.lr_scheduler import MIN_FACTOR
    from backprop.report.sections import implementation as ri

    rates, after = ri.schedule_rates(DEFAULT)
    assert len(rates) == DEFAULT.epochs and rates[0] == DEFAULT.lr
    assert 0 < rates[-1] < 1e-4 * DEFAULT.lr and after == DEFAULT.lr * MIN_FACTOR
    typ = _text(built)
    assert f"from ρ₀ = {rates[0]:g} for the first update to {rates[-1]:.2g}" in typ
    assert f"floored at {MIN_FACTOR:g}" in typ and f"rate set then ({after:.2g})" in typ


def test_gelu_is_the_tanh_approximation_not_pytorchs_exact_default(built):
    import numpy as np

    from backprop.nn.activations import ACTIVATIONS

    x = np.linspace(-4, 4, 81).reshape(-1, 1)
    y = ACTIVATIONS["gelu"]().forward(x.copy())
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    exact = 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    np.testing.assert_allclose(y, tanh_form, rtol=1e-12, atol=1e-15)
    assert np.abs(y - exact).max() > 1e-4
    assert "GELU(approximate='tanh')" in _text(built)


def test_the_introduction_counts_the_optimizers_and_activations_of_the_code(built):
    from backprop.nn.activations import ACTIVATIONS
    from backprop.optim import OPTIMIZERS

    n_act = len([a for a in ACTIVATIONS if a != "identity"])
    info, typ, _ = built
    intro = typ.split("= Implementation details")[0]
    assert f"{len(OPTIMIZERS) - 1} optimizers besides gradient descent" in intro
    assert f"{n_act - 2} activations besides sigmoid and tanh" in intro
    table = next(b for b in info["doc"].blocks if isinstance(b, Table) and b.key == "activations")
    assert len(table.rows) == n_act + 1  # every activation and none


# ------------------------------------------------ rules the text states, read from the code


def test_the_never_definition_is_read_from_median_epochs(built):
    from backprop.experiments.results import median_epochs
    from backprop.report import context as rt

    for n in (2, 3, 10, 11):
        k = rt.never_from(n)
        assert median_epochs([1] * (n - k) + [-1] * k) == float("inf")
        assert median_epochs([1] * (n - k + 1) + [-1] * (k - 1)) == 1
    assert "'never' when at least half" in rt.definitions(10) and "5 or more" in rt.definitions(10)
    assert rt.definitions(2) in _text(built)


def test_the_tune_rule_printed_is_the_one_tune_uses(built):
    from backprop.experiments.results import TUNE_RULE

    text = _text(built)  # stated in 5A (handout network), referred to in 6A (optimizers)
    assert text.count(TUNE_RULE) == 1 and "tuned by the rule of Section 5A" in text
    assert "harder dataset" not in _text(built)


def _ctx(info):
    from backprop.report.context import Context

    return Context(info["results"], {}, None, info["extra"], "")


def test_every_rate_whose_mean_loss_rises_is_the_set_from_the_curves(built):
    import numpy as np

    from backprop.report.sections import questions as rd

    info, md = built[0], _text(built)
    ctx = _ctx(info)
    for g in ("sgd", "adam"):
        got = rd.rises(ctx, "lr", g)
        for d in ctx.datasets:
            expected = []
            for s in ctx.group("lr", g):
                c = info["results"]["lr"].curves[s.label, d]["loss_mean"][:20]
                if np.isfinite(c[0]) and np.nanmax(c) > c[0]:
                    expected.append(s.x)
            assert got[d] == expected
    assert "The mean loss rises above its start within the first 20 epochs" in md


def test_the_no_activation_sentence_quotes_the_plotted_output_range(built):
    info, md = built[0], _text(built)
    lo, hi = info["extra"]["boundary_range"]["identity"]
    assert f"it outputs between {lo:.6f} and {hi:.6f}" in md
    assert "its boundary is a straight line" not in md


def test_the_cnn_caveat_names_each_rows_optimizer_rate_schedule_and_epochs(built):
    from backprop.report.sections import extra as rx

    info, md = built[0], _text(built)
    e = info["results"]["cnn"].experiment
    for s in e.settings:
        c = s.config
        assert rx._config_phrase(c) in md
        assert f"{c.optimizer} at ρ = {c.lr:g}" in rx._config_phrase(c)
        assert f"{c.epochs} epochs" in rx._config_phrase(c)


def test_every_activation_said_faster_than_the_default_gets_the_rules_verdict(built):
    from backprop.lab.config import DEFAULT
    from backprop.report import context as rt
    from backprop.report.sections import implementation as ri

    assert rt.verdicts(["a", "b"], [True, True]) == "each of them clearly so"
    assert rt.verdicts(["a", "b"], [False, False]) == "none of them clearly so"
    assert rt.verdicts(["a", "b", "c"], [True, False, True]) == "a and c clearly so, b not clearly"
    info, md = built[0], _text(built)
    ctx = _ctx(info)
    acts = [s.label for s in ctx.results["activation"].experiment.settings]
    fast = ri.faster_than(ctx, "activation", acts, DEFAULT.activation, "xor")
    if fast:
        clear = [ctx.clearly_faster("activation", a, DEFAULT.activation, "xor") for a in fast]
        assert f"than {DEFAULT.activation}, {rt.verdicts(fast, clear)} by the rule of" in md


def test_pct_keeps_one_decimal_and_says_100_only_for_all():
    from backprop.report.context import pct

    assert [pct(a) for a in (0.0, 0.5, 0.524, 0.5249, 0.97, 0.999)] == [
        "0.0 %",
        "50.0 %",
        "52.4 %",
        "52.5 %",
        "97.0 %",
        "99.9 %",
    ]
    assert pct(1.0) == "100 %" and pct(0.9996) == "99.9 %"  # a seed's miss is not 100


def test_stats_cells_are_seeds_at_100_and_the_median_not_the_max():
    from backprop.experiments.results import SettingStats
    from backprop.report.context import stats_cells, stats_head

    def st(at_100, median, most):
        return SettingStats(
            "s", "g", 1, 0.1, "xor", 5, 9, 0.9, 0.5, 1.0, at_100, median, most, 0.1, 0
        )

    assert stats_cells(st(5, 12.0, 40)) == ["5/5", "12"]
    assert stats_cells(st(3, 7.5, -1)) == ["3/5", "7.5"]
    assert stats_cells(st(2, float("inf"), -1)) == ["2/5", "never"]
    assert stats_cells(st(5, 0.0, 0)) == ["5/5", "0"]  # at 100 % from the start
    assert stats_head(["linear", "xor"]) == [
        "linear\nat 100 %",
        "linear\nmedian epochs",
        "XOR\nat 100 %",
        "XOR\nmedian epochs",
    ]
