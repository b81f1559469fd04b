"""report: builds from a tiny configuration with every section of the handout in order;
the layout's numbering, wrapping and page breaks; the lab excerpt."""

import math
import re
from pathlib import Path

import pytest

from backprop import report
from backprop.report.context import pct
from backprop.report.doc import Document, Heading, Image, Table, Text, write_markdown
from backprop.report.layout import TEXT_W, layout, text_width, wrap

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
        tmp / "out",
        tmp / "experiments",
        seeds=2,
        cnn_seeds=1,
        convergence_seeds=3,
        epochs=6,
        progress=False,
    )
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
    assert f"linear {pct(small.mean_accuracy)}" in answers
    assert "Figure" in answers and "Table" in answers


def test_numbers_resolve_in_order_and_unknown_refs_fail(tmp_path):
    png = Path(report.__file__).parents[3] / "docs" / "lab" / "xor" / "comparison.png"
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


def test_terminal_excerpt_shows_every_prediction_up_to_full():
    lines = report.terminal_excerpt(LAB, full=10)
    assert sum(line.startswith("Iter") for line in lines) == LAB.count("Iter")
    assert not any(line.startswith("...") for line in lines)


def test_terminal_excerpt_keeps_the_first_and_last_predictions():
    lines = report.terminal_excerpt(LAB, full=0, head=3, tail=3)
    assert lines[:3] == ["== linear ==  mlp 2-16-16-1", "epoch 40 loss : 0.1", LAB.split("\n")[2]]
    assert "... (4 more predictions)" in lines and "... (1 more predictions)" in lines
    assert lines.count("loss=0.00004 accuracy=100.00%") == 1
    assert sum(line.startswith("Iter") for line in lines) == 12
    assert not any(line.startswith("figures,") for line in lines)


# ------------------------------------------------------------ claims against their sources

METRICS = ("mean accuracy", "median epochs", "at 100 %")


def _numbered(md: str) -> dict[str, str]:
    """ "Table 4" → its caption and header row; "Figure 2" → its caption."""
    out = {}
    for kind, n, caption in re.findall(r"^\*(Table|Figure) (\d+)\. (.*)\*$", md, re.M):
        text = caption
        if kind == "Table":
            rest = md.split(f"*Table {n}. {caption}*", 1)[1].lstrip("\n")
            text += " " + rest.splitlines()[0]
        out[f"{kind} {n}"] = text
    return out


def _prose(md: str) -> list[str]:
    """The report's paragraphs and bullets: no headings, tables, captions or equations."""
    return [
        line
        for line in md.splitlines()
        if line.strip() and not line.startswith(("#", "|", "*", "!", "$$"))
    ]


def _fragments(paragraph: str):
    """Each reference ("Table 4", "Figures 10 and 11") with the clause that cites it: the
    innermost parentheses around it, else its part of the sentence between ; and ."""
    for m in re.finditer(r"(Tables?|Figures?) (\d+)((?:, \d+)*(?:,? and \d+)?)", paragraph):
        kind = "Table" if m.group(1).startswith("Table") else "Figure"
        plural = m.group(1).endswith("s")  # "Figure 12, 2000 epochs" is one figure
        numbers = [m.group(2), *(re.findall(r"\d+", m.group(3)) if plural else [])]
        before, after = paragraph[: m.start()], paragraph[m.end() :]
        if before.count("(") > before.count(")"):
            start = before.rfind("(") + 1
            end = m.end() + after.find(")") if ")" in after else len(paragraph)
        else:
            start = max(before.rfind(";"), before.rfind(". ")) + 1
            ends = [i for i in (after.find(";"), after.find(". ")) if i >= 0]
            end = m.end() + min(ends) if ends else len(paragraph)
        yield [f"{kind} {n}" for n in numbers], paragraph[start:end]


def test_every_cited_quantity_is_in_the_table_or_figure_cited(built):
    """ "(mean accuracy 52.4 %, Table 4)": Table 4 must have a mean-accuracy column."""
    _, md, _ = built
    numbered = _numbered(md)
    checked = 0
    for paragraph in _prose(md):
        for refs, fragment in _fragments(paragraph):
            cited = [q for q in METRICS if q in fragment]
            for ref in refs:
                assert ref in numbered, ref
                for q in cited:
                    checked += 1
                    assert q in numbered[ref], f"{ref} has no {q!r}: …{fragment}…"
    assert checked >= 3  # the check ran on real citations


def test_the_bias_table_has_the_accuracy_the_answers_cite(built):
    _, md, _ = built
    n = re.search(r"\*Table (\d+)\. Biases and input centring", md).group(1)
    header = _numbered(md)[f"Table {n}"]
    assert "XOR mean accuracy" in header
    assert "(mean accuracy" in md.split("### C. What is the purpose of weights")[1]


NUMBER = re.compile(r"(?<![\w.])[−-]?\d+(?:\.\d+)?(?:e[−+-]?\d+)?(?:/\d+)?")


def _numbers(text: str) -> set[str]:
    return {n.replace("−", "-") for n in NUMBER.findall(text)}


def _vocabulary(exp_dir: Path, md: str, boundary_range: dict) -> set[str]:
    """Every number the results, the lab run and the code's constants can print."""
    import json

    import numpy as np

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
        for t in s.get("tuned", {}).values():
            values += [v for v in t.values() if isinstance(v, int | float)]
            fractions |= {v for k, v in t.items() if k.startswith("at_100")}
    for curves in exp_dir.glob("*/curves.npz"):
        with np.load(curves) as z:
            for name in z.files:
                values += [float(v) for v in z[name][:1]]  # the first epoch
    for h in exp_dir.parent.glob("out/lab/*/history.json"):
        d = json.loads(h.read_text())
        values += [d["loss"][0], max(d["loss"]), int(np.argmax(d["loss"])), d["epochs_to_100"]]
        values += [d["final_loss"], len(d["loss"])]
        n = len(d["loss"]) - 1
        values += [v for k in (1, 2, 3, 4) for v in (d["loss"][n * k // 4], n * k // 4)]
    for lo, hi in boundary_range.values():  # the XOR output range of Figure boundaries_noact
        values += [lo, hi]
    _, y_xor = load("xor", 0)
    values += [float(np.mean(y_xor)), float(y_xor.sum()), y_xor.size]
    z32 = ri.sigmoid_zero_below(np.float32)
    values += [1 / (1 + math.exp(-z32)), float(np.finfo(np.float32).tiny)]
    for cfg in (DEFAULT, HANDOUT, CNN):
        values += [v for v in cfg.to_dict().values() if isinstance(v, int | float)]
        values += list(cfg.hidden)
    rates, after = ri.schedule_rates(DEFAULT)
    values += [rates[0], rates[-1], after, ri.bce_eps(), MIN_FACTOR, 1 / (1 + math.exp(40))]
    values += [ri.sigmoid_zero_below(np.float64), ri.sigmoid_zero_below(np.float32)]
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
    info, md, exp_dir = built
    vocab, literal = _vocabulary(exp_dir, md, info["extra"]["boundary_range"]), _literals()
    prose = "\n".join(_prose(md)).split("## 1 Introduction")[-1]
    unknown = sorted(n for n in _numbers(prose) if n not in vocab | literal)
    # counts of things (seeds, settings, optimizers) are small integers read from the code
    unknown = [n for n in unknown if not (n.isdigit() and int(n) <= 64)]
    assert not unknown, [
        (n, re.findall(rf".{{60}}{re.escape(n)}.{{20}}", prose)[:1]) for n in unknown
    ]


# ------------------------------------------------ implementation sentences pinned to the code


def test_the_sigmoid_sentence_names_the_formula_each_dtype_computes(built):
    import numpy as np

    from backprop.nn.activations import sigmoid
    from backprop.report.sections import implementation as ri

    x = np.linspace(-30, 30, 601)
    forms = {
        "1/(1 + e^(−x))": lambda v: 1 / (1 + np.exp(-v)),
        "½ (1 + tanh(x/2))": lambda v: 0.5 * (1 + np.tanh(v / 2)),
    }
    for dtype in (np.float64, np.float32):
        v = x.astype(dtype)
        with np.errstate(over="ignore"):
            expected = forms[ri.sigmoid_form(dtype)](v).astype(dtype)
        np.testing.assert_allclose(sigmoid(v), expected, rtol=4 * np.finfo(dtype).eps, atol=0)
        z = ri.sigmoid_zero_below(dtype)
        assert sigmoid(np.asarray(z, dtype)) == 0 < sigmoid(np.asarray(z + 0.02, dtype))
        assert f"σ(x) = {ri.sigmoid_form(dtype)}" in built[1]


def test_a_saturated_output_gets_no_gradient_through_bce_and_the_sigmoid(built):
    """Section 2C: δ₃ = (ŷ − y)/N inside the clip, 0 when ŷ rounds to exactly 1."""
    import numpy as np

    from backprop.nn.activations import sigmoid_backward
    from backprop.nn.losses import BCELoss
    from backprop.report.sections import implementation as ri

    y = np.array([[0.0], [1.0]])
    for pred, expected in (
        (np.array([[0.7], [0.2]]), (np.array([[0.7], [0.2]]) - y) / 2),
        (np.array([[1.0], [0.2]]), np.array([[0.0], [-0.4]])),
    ):
        _, grad = BCELoss()(pred, y)
        delta = sigmoid_backward(pred, grad, np.empty_like(grad))
        np.testing.assert_allclose(delta, expected, rtol=1e-9)
    lo = ri.bce_eps()
    _, grad = BCELoss()(np.array([[0.0]]), np.array([[1.0]]))
    np.testing.assert_allclose(grad, (lo - 1) / (lo * (1 - lo)), rtol=1e-9)  # p clipped to eps
    assert f"[{lo:g}, 1 − {lo:g}]" in built[1]
    # between 0 and the clip: δ₃ is (lo − y)/N shrunk by ŷ(1 − ŷ)/(lo(1 − lo)) ≈ ŷ/lo
    pred, y1 = np.array([[lo / 100]]), np.array([[1.0]])
    _, grad = BCELoss()(pred, y1)
    delta = sigmoid_backward(pred, grad, np.empty_like(grad))
    np.testing.assert_allclose(delta, (lo - 1) * (pred / lo) * (1 - pred) / (1 - lo), rtol=1e-9)
    assert f"for 0 < ŷ < {lo:g} it is ({lo:g} − y)/N shrunk by about ŷ/{lo:g}" in built[1]


def test_the_schedule_sentence_reads_the_rates_the_scheduler_gives(built):
    from backprop.lab.config import DEFAULT
    from backprop.optim.lr_scheduler import MIN_FACTOR
    from backprop.report.sections import implementation as ri

    rates, after = ri.schedule_rates(DEFAULT)
    assert len(rates) == DEFAULT.epochs and rates[0] == DEFAULT.lr
    assert 0 < rates[-1] < 1e-4 * DEFAULT.lr and after == DEFAULT.lr * MIN_FACTOR
    md = built[1]
    assert f"from ρ₀ = {rates[0]:g} for the first update to {rates[-1]:.2g}" in md
    assert f"at {MIN_FACTOR:g}" in md and f"{after:.2g}, reaches" in md


def test_gelu_is_the_tanh_approximation_not_pytorchs_exact_default(built):
    import numpy as np

    from backprop.nn.activations import ACTIVATIONS

    x = np.linspace(-4, 4, 81).reshape(-1, 1)
    y = ACTIVATIONS["gelu"]().forward(x.copy())
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    exact = 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    np.testing.assert_allclose(y, tanh_form, rtol=1e-12, atol=1e-15)
    assert np.abs(y - exact).max() > 1e-4
    assert "GELU(approximate='tanh')" in built[1]


def test_the_introduction_counts_the_optimizers_and_activations_of_the_code(built):
    from backprop.nn.activations import ACTIVATIONS
    from backprop.optim import OPTIMIZERS

    n_act = len([a for a in ACTIVATIONS if a != "identity"])
    intro = built[1].split("## 2 ")[0]
    assert f"{len(OPTIMIZERS) - 1} optimizers besides gradient descent" in intro
    assert f"({n_act} in all, and the identity)" in intro
    table = re.split(r"\*Table \d+\. Hidden activation in the default network", built[1])[1]
    table = table.split("\n\n")[1]
    assert len(table.splitlines()) - 2 == n_act + 1  # rows: every activation and none


# ------------------------------------------------ rules the text states, read from the code


def test_the_never_definition_is_read_from_median_epochs(built):
    from backprop.experiments.results import median_epochs
    from backprop.report import context as rt

    for n in (2, 3, 10, 11):
        k = rt.never_from(n)
        assert median_epochs([1] * (n - k) + [-1] * k) == float("inf")
        assert median_epochs([1] * (n - k + 1) + [-1] * (k - 1)) == 1
    assert "'never' when at least half" in rt.definitions(10) and "5 or more" in rt.definitions(10)
    assert rt.definitions(2) in built[1]


def test_the_tune_rule_printed_is_the_one_tune_uses(built):
    from backprop.experiments.results import TUNE_RULE

    assert built[1].count(TUNE_RULE) >= 2  # 5A (handout network) and 6A (optimizers)
    assert "harder dataset" not in built[1]


def _ctx(info):
    from backprop.report.context import Context

    return Context(info["results"], {}, None, info["extra"], "")


def test_every_rate_whose_mean_loss_rises_is_the_set_from_the_curves(built):
    import numpy as np

    from backprop.report.sections import questions as rd

    info, md, _ = built
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
    info, md, _ = built
    lo, hi = info["extra"]["boundary_range"]["identity"]
    assert f"it outputs between {lo:.6f} and {hi:.6f}" in md
    assert "its boundary is a straight line" not in md


def test_the_cnn_caveat_names_each_rows_optimizer_rate_schedule_and_epochs(built):
    from backprop.report.sections import extra as rx

    info, md, _ = built
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
    info, md, _ = built
    ctx = _ctx(info)
    acts = [s.label for s in ctx.results["activation"].experiment.settings]
    fast = ri.faster_than(ctx, "activation", acts, DEFAULT.activation, "xor")
    if fast:
        clear = [ctx.clearly_faster("activation", a, DEFAULT.activation, "xor") for a in fast]
        assert f"than {DEFAULT.activation}, {rt.verdicts(fast, clear)}, where" in md
