"""The report's text, sections 1–2, and what every section is written from.

``document`` assembles all six sections of the handout's report spec: section 3 is
in ``report_results``, 4–5 in ``report_discussion``, 6 in ``report_extra``. Every
number in the text is read from the experiments' results (``Context``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import DEFAULT, HANDOUT, build_model
from .layers import Linear, Normalize
from .report_doc import Document, Equations, Heading, Image, Table, Text
from .sweep import Result

DATA = {"linear": "linear", "xor": "XOR"}


@dataclass
class Context:
    """What the text is written from."""

    results: dict[str, Result]
    figures: dict[str, dict[str, Path]]  # experiment → figure kind → PNG
    lab: object  # report.Lab
    extra: dict  # the report's own figures
    version: str

    @property
    def seeds(self) -> int:
        return len(self.results["lr"].experiment.seeds)

    @property
    def datasets(self) -> tuple[str, ...]:
        return self.results["lr"].experiment.datasets

    def stats(self, experiment: str, label: str, data: str) -> dict:
        return self.results[experiment].stats(label, data)

    def both(self, experiment: str, label: str, key: str) -> str:
        """``key`` of a setting on every dataset: "linear 10/10, XOR 3/10"."""
        fmt = FORMATS[key]
        return ", ".join(
            f"{DATA[d]} {fmt(self.stats(experiment, label, d))}" for d in self.datasets
        )

    def group(self, experiment: str, group: str) -> list:
        return [s for s in self.results[experiment].experiment.settings if s.group == group]

    def all_at_100(self, experiment: str, label: str, share: float = 1.0) -> bool:
        """At least ``share`` of the seeds end at 100 % on every dataset."""
        return all(
            st["at_100"] >= share * st["seeds"]
            for st in (self.stats(experiment, label, d) for d in self.datasets)
        )

    def fastest(self, experiment: str, settings: list) -> object:
        """The setting with the fewest median epochs (summed), among those at 100 %."""
        good = [s for s in settings if self.all_at_100(experiment, s.label)] or settings
        return min(good, key=lambda s: sum(
            self.stats(experiment, s.label, d)["median_epochs_to_100"] for d in self.datasets
        ))  # fmt: skip


def pct(a: float) -> str:
    """0.524 → "52.4 %", 1.0 → "100 %"."""
    return "100 %" if a >= 1 else f"{100 * a:.1f} %"


def ep(e: float) -> str:
    """Median epochs, or "never" when most seeds never reach 100 %."""
    return "never" if not np.isfinite(e) else f"{e:g}"


def seeds_at_100(st: dict) -> str:
    return f"{st['at_100']}/{st['seeds']}"


def loss_str(x: float) -> str:
    return "diverged" if not np.isfinite(x) else f"{x:.2g}" if x < 0.01 else f"{x:.3f}"


def median_phrase(e: float) -> str:
    """The phrase "a median of 8 epochs", or what it means when most seeds never get there."""
    return f"a median of {e:g} epochs" if np.isfinite(e) else "no median (most seeds never do)"


def listing(values) -> str:
    """[0.3, 1, 3] → "0.3, 1 and 3"."""
    values = [f"{v:g}" if isinstance(v, float | int) else str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


FORMATS = {
    "at_100": seeds_at_100,
    "mean_accuracy": lambda st: pct(st["mean_accuracy"]),
    "median_epochs_to_100": lambda st: ep(st["median_epochs_to_100"]),
    "median_final_loss": lambda st: loss_str(st["median_final_loss"]),
}


def document(results, figures, lab, extra, version: str) -> Document:
    """The whole report: sections 1–6 of the handout's report spec, in order."""
    from . import report_discussion as disc
    from .report_results import experimental_results

    ctx = Context(results, figures, lab, extra, version)
    doc = Document(
        "Lab 1: Backpropagation",
        f"Written by `backprop report` (backprop {version}) from measured results: "
        f"{ctx.seeds} seeds per setting unless stated; the lab run uses seed {lab.seed}.",
    )
    for section in (introduction, implementation, experimental_results):
        section(doc, ctx)
    for section in (disc.discussion, disc.questions, disc.extra):
        section(doc, ctx)
    return doc


def introduction(doc: Document, ctx: Context) -> None:
    conv = ctx.results["convergence"]
    n_conv = len(conv.experiment.seeds)
    out = ctx.lab.outcome
    reached = ", ".join(
        f"{seeds_at_100(conv.stats('default', d))} on {DATA[d]}" for d in ctx.datasets
    )
    doc.add(
        Heading("1 Introduction"),
        Text(
            "This report covers Lab 1, Backpropagation: a neural network with two hidden layers, "
            "trained with backpropagation written by hand, using only NumPy and the Python "
            "standard library (and matplotlib for the figures). It learns the handout's two "
            "2-D binary classification problems: generate_linear (100 random points in the "
            "unit square, class 1 on or above the diagonal) and generate_XOR_easy (21 points on "
            "the two diagonals, an XOR pattern). As the handout says, the network is trained "
            "and tested on the same data."
        ),
        Text(
            "Everything in this report, text included, is produced by one command, `backprop "
            "report`, which also writes it as report.md. Each number is measured by `backprop "
            f"experiments` over {ctx.seeds} seeds per setting unless stated otherwise. Seed s "
            "draws the linear data after np.random.seed(s) and the initial weights from "
            "np.random.default_rng(s), so `backprop train --seed s` re-runs any single run. "
            "Settings that differ only in their seed or learning rate train together as one "
            "stacked NumPy computation: every array carries a leading 'models' axis, and a test "
            "checks that each model of a stack ends with the numbers of its separate run."
        ),
        Text(
            "The network used by default (Section 2B) reaches an accuracy of "
            + " and ".join(f"{pct(out[d]['accuracy'])} on {DATA[d]}" for d in ctx.datasets)
            + f" in the lab run (seed {ctx.lab.seed}), and over {n_conv} seeds the number of "
            f"runs that end at 100 % is {reached} (Table @tab:accuracy). Section 4 varies the "
            "learning rate, the hidden units and the activation; Section 5 answers the "
            "handout's questions from those measurements; Section 6 adds eight optimizers, "
            "eight activation functions and a convolutional network."
        ),
    )


def _architecture_rows() -> list[list[str]]:
    model = build_model(DEFAULT, rng=np.random.default_rng(0))
    rows, width = [], 2
    for m in model.modules:
        if isinstance(m, Normalize):
            op = f"(x − {m.mean:g}) / {m.std:g}"
            rows.append(["Normalize", op, f"N × {width}", "0"])
        elif isinstance(m, Linear):
            w = m.weight.data.shape
            n = sum(p.data.size for p in m.parameters())
            width = w[-1]
            rows.append([f"Linear({w[-2]}, {w[-1]})", "Z = AW + b", f"N × {width}", str(n)])
        else:
            name = type(m).__name__
            rows.append([name, f"A = {name.lower()}(Z)", f"N × {width}", "0"])
    total = sum(p.data.size for p in model.parameters())
    rows.append(["total", "", "", str(total)])
    return rows


def implementation(doc: Document, ctx: Context) -> None:
    h = HANDOUT
    doc.add(
        Heading("2 Implementation details"),
        Heading("A. Sigmoid function", 2),
        Text(
            "The sigmoid squashes any real number into (0, 1). That makes it the output unit: "
            "its value reads as the probability of class 1, and a prediction counts as class 1 "
            "when it exceeds 0.5. Its derivative is a function of its own value, so the "
            "backward pass reuses the forward output instead of recomputing exponentials:"
        ),
        Equations(
            [
                r"$\sigma(x) = \dfrac{1}{1 + e^{-x}}, \qquad "
                r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x)) \leq \dfrac{1}{4}$"
            ]
        ),  # fmt: skip
        Text(
            "Computing 1/(1 + e^(−x)) literally overflows for x < −709 (e^(−x) exceeds the "
            "largest float64). The implementation uses the identity σ(x) = ½ (1 + tanh(x/2)), "
            "exact and finite for every x. Since σ' ≤ 1/4, each sigmoid layer shrinks the "
            "gradient at least four-fold on its way back (Figure @fig:sigmoid), one reason the "
            "handout's all-sigmoid network needs thousands of epochs (Section 4A)."
        ),
        Image("sigmoid", [ctx.extra["sigmoid"]], "The sigmoid and its derivative.", 0.72),
        Heading("B. Neural network architecture", 2),
        Text(
            "The handout's network has two hidden layers, each a linear transformation "
            "followed by the sigmoid, and no biases:"
        ),
        Equations(
            [
                r"$Z_1 = \sigma(XW_1), \qquad Z_2 = \sigma(Z_1W_2), \qquad "
                r"y = \sigma(Z_2W_3)$"
            ]
        ),  # fmt: skip
        Text(
            f"It is implemented exactly (`--handout`: {h.hidden[0]}-{h.hidden[1]} hidden units, "
            f"{h.init.replace('_', '-')} initial weights, mean squared error, plain gradient "
            f"descent with ρ = {h.lr:g}, {h.epochs} epochs). The default network keeps the two "
            "hidden layers and the sigmoid output, but adds biases, uses tanh in the hidden "
            "layers, centres the inputs, and trains with binary cross-entropy and Adam "
            f"(ρ = {DEFAULT.lr:g} with cosine decay, {DEFAULT.epochs} epochs, "
            f"{DEFAULT.init.replace('_', '-')} initial weights). Each of these choices was "
            "measured: Sections 4 and 6 show the sweeps behind them. Table @tab:architecture "
            "lists its layers for a batch of N points."
        ),
        Table(
            "architecture",
            ["layer", "computes", "output", "parameters"],
            _architecture_rows(),
            "The default network, layer by layer (2-16-16-1). Every layer is a Module with "
            "forward and backward; Sequential applies them in order and backward in reverse.",
            align="llll",
        ),
    )
    _backpropagation(doc)


def _backpropagation(doc: Document) -> None:
    doc.add(
        Heading("C. Back-propagation", 2),
        Text(
            "Forward pass for a batch X (N × 2), with g the hidden activation (tanh by default, "
            "σ in the handout's network) and biases bᵢ (absent in the handout's network):"
        ),
        Equations(
            [
                r"$Z_1 = XW_1 + b_1, \qquad A_1 = g(Z_1)$",
                r"$Z_2 = A_1W_2 + b_2, \qquad A_2 = g(Z_2)$",
                r"$Z_3 = A_2W_3 + b_3, \qquad \hat{y} = \sigma(Z_3)$",
            ]
        ),  # fmt: skip
        Text(
            "The loss is averaged over the N points: binary cross-entropy by default, the mean "
            "squared error in the handout's network:"
        ),
        Equations(
            [
                r"$L_{\mathrm{BCE}} = -\dfrac{1}{N}\sum_{n=1}^{N}\left[\,y_n \ln \hat{y}_n"
                r" + (1 - y_n)\ln(1 - \hat{y}_n)\right], \qquad "
                r"L_{\mathrm{MSE}} = \dfrac{1}{N}\sum_{n=1}^{N}(\hat{y}_n - y_n)^2$",
            ]
        ),  # fmt: skip
        Text(
            "The backward pass applies the chain rule layer by layer, from the loss back to "
            "the input. Write δᵢ = ∂L/∂Zᵢ. At the output the sigmoid's derivative cancels "
            "against the cross-entropy's, leaving the prediction error:"
        ),
        Equations(
            [
                r"$\delta_3 = \dfrac{\partial L}{\partial \hat{y}} \odot \sigma'(Z_3) = "
                r"\dfrac{1}{N}(\hat{y} - y)\ \ (\mathrm{BCE}), \qquad "
                r"\delta_3 = \dfrac{2}{N}(\hat{y} - y) \odot \hat{y} \odot (1 - \hat{y})\ \ "
                r"(\mathrm{MSE})$",
            ]
        ),  # fmt: skip
        Text("Then, for layers i = 3, 2, 1 (with A₀ = X):"),
        Equations(
            [
                r"$\dfrac{\partial L}{\partial W_i} = A_{i-1}^{\top}\,\delta_i, \qquad "
                r"\dfrac{\partial L}{\partial b_i} = \sum_{n=1}^{N} \delta_{i,n}, \qquad "
                r"\dfrac{\partial L}{\partial A_{i-1}} = \delta_i\,W_i^{\top}$",
                r"$\delta_{i-1} = \dfrac{\partial L}{\partial A_{i-1}} \odot g'(Z_{i-1}), \qquad "
                r"\tanh' = 1 - A^2, \qquad \sigma' = A\,(1 - A)$",
            ]
        ),  # fmt: skip
        Text(
            "This is the handout's chain rule ∂L/∂w₁ = (∂x'/∂w₁)(∂z/∂x')(∂x''/∂z)(∂y/∂x'')"
            "(∂L/∂y), evaluated for all weights at once with matrix products. In the code each "
            "Module's backward receives ∂L/∂(its output), adds ∂L/∂(its parameters) to their "
            ".grad and returns ∂L/∂(its input); there is no autograd. The test suite checks every "
            "backward against central finite differences in float64 (relative error below 1e-6)."
        ),
        Text(
            "Each epoch ends with one gradient-descent step on all parameters θ, as in the "
            "handout, with learning rate ρ:"
        ),  # fmt: skip
        Equations([r"$\theta \leftarrow \theta - \rho\,\nabla_{\theta} L(\theta)$"]),
        Text(
            "The default network uses Adam instead. Its step divides a running mean of the "
            "gradient g by a running root-mean-square, so each parameter moves by about ρ per "
            f"step whatever its gradient's scale; ρ follows a cosine from ρ₀ = {DEFAULT.lr:g} "
            f"down to 0 over the T = {DEFAULT.epochs} epochs:"
        ),
        Equations(
            [
                r"$m \leftarrow \beta_1 m + (1 - \beta_1)\,g, \quad v \leftarrow \beta_2 v + "
                r"(1 - \beta_2)\,g^2, \quad \theta \leftarrow \theta - \rho_t\,"
                r"\dfrac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}$",
                r"$\rho_t = \dfrac{\rho_0}{2}\left(1 + \cos\dfrac{\pi t}{T}\right)$",
            ]
        ),  # fmt: skip
    )
