"""The report's text, sections 1–2, and what every section is written from.

``document`` assembles all six sections of the handout's report spec: section 3 is
in ``report_results``, 4–5 in ``report_discussion``, 6 in ``report_extra``. Every
number in the text is read from the experiments' results (``Context``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..experiments.results import Result, SettingStats, median_epochs
from ..experiments.sweep import seed_draws_data
from ..lab.config import DEFAULT, HANDOUT, build, build_model
from ..lab.data import DATASET_NAMES as DATA
from ..nn import Linear, Normalize
from ..nn.activations import ACTIVATIONS, scalars, sigmoid
from ..nn.losses import BCELoss
from ..optim import OPTIMIZERS
from ..optim.lr_scheduler import MIN_FACTOR
from .doc import Document, Equations, Heading, Image, Table, Text


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

    def stats(self, experiment: str, label: str, data: str) -> SettingStats:
        return self.results[experiment].stats(label, data)

    def both(self, experiment: str, label: str, fmt: Callable[[SettingStats], str]) -> str:
        """``fmt`` of a setting's statistics on every dataset: "linear 10/10, XOR 3/10"."""
        return ", ".join(
            f"{DATA[d]} {fmt(self.stats(experiment, label, d))}" for d in self.datasets
        )

    def group(self, experiment: str, group: str) -> list:
        return [s for s in self.results[experiment].experiment.settings if s.group == group]

    def all_at_100(self, experiment: str, label: str, share: float = 1.0) -> bool:
        """At least ``share`` of the seeds end at 100 % on every dataset."""
        return all(
            st.at_100 >= share * st.seeds
            for st in (self.stats(experiment, label, d) for d in self.datasets)
        )

    def speed(self, experiment: str, label: str) -> float:
        """Median epochs to 100 %, summed over the datasets (inf if any is never)."""
        return sum(self.stats(experiment, label, d).median_epochs_to_100 for d in self.datasets)

    def fastest(self, experiment: str, settings: list) -> object:
        """FASTEST_RULE: the fewest summed median epochs among the settings with every seed
        at 100 % on every dataset (among all settings if none is)."""
        good = [s for s in settings if self.all_at_100(experiment, s.label)] or settings
        return min(good, key=lambda s: self.speed(experiment, s.label))

    def epochs(self, experiment: str, label: str, data: str) -> np.ndarray:
        """Epochs to 100 % of every seed, with the seeds not at 100 % as inf."""
        outcomes = self.results[experiment].outcomes(label, data)
        e = np.array([r.epochs_to_100 for r in outcomes], float)
        return np.where(e < 0, np.inf, e)

    def clearly_faster(self, experiment: str, a: str, b: str, data: str) -> bool:
        """CLEAR_RULE: ``a``'s upper quartile of epochs to 100 % is below ``b``'s lower one."""
        big = np.finfo(float).max / 4  # "never", finite so that quartiles interpolate
        qa = np.percentile(np.minimum(self.epochs(experiment, a, data), big), 75)
        qb = np.percentile(np.minimum(self.epochs(experiment, b, data), big), 25)
        return bool(qa < qb)


FASTEST_RULE = (
    "the fewest median epochs to 100 % summed over both datasets, among the settings at "
    "which every seed ends at 100 % on both"
)
CLEAR_RULE = (
    "its upper quartile of epochs to 100 % over the seeds lies below the other's lower quartile"
)


def verdicts(names: list[str], clear: list[bool]) -> str:
    """CLEAR_RULE's verdict on each of ``names``: "each of them clearly so", ..."""
    yes = [n for n, c in zip(names, clear) if c]
    no = [n for n, c in zip(names, clear) if not c]
    if not no:
        return "each of them clearly so"
    if not yes:
        return "none of them clearly so"
    return f"{listing(yes)} clearly so, {listing(no)} not clearly"


def pct(a: float) -> str:
    """0.524 → "52.4 %", 1.0 → "100 %"."""
    return "100 %" if a >= 1 else f"{100 * a:.1f} %"


def ep(e: float) -> str:
    """Median epochs, or "never" when most seeds never reach 100 %."""
    return "never" if not np.isfinite(e) else f"{e:g}"


def seeds_at_100(st: SettingStats) -> str:
    return f"{st.at_100}/{st.seeds}"


def accuracy_text(st: SettingStats) -> str:
    return pct(st.mean_accuracy)


def epochs_text(st: SettingStats) -> str:
    return ep(st.median_epochs_to_100)


def loss_text(st: SettingStats) -> str:
    return loss_str(st.median_final_loss)


def loss_str(x: float) -> str:
    return "diverged" if not np.isfinite(x) else f"{x:.2g}" if x < 0.01 else f"{x:.3f}"


def median_phrase(e: float) -> str:
    """The phrase "a median of 8 epochs", or what it means when most seeds never get there."""
    return f"a median of {e:g} epochs" if np.isfinite(e) else "no median (most seeds never do)"


def listing(values) -> str:
    """[0.3, 1, 3] → "0.3, 1 and 3"."""
    values = [f"{v:g}" if isinstance(v, float | int) else str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def seed_sentence(datasets) -> str:
    """What a seed changes on each dataset, from ``sweep.seed_draws_data``."""
    drawn = [DATA[d] for d in datasets if seed_draws_data(d)]
    fixed = [DATA[d] for d in datasets if not seed_draws_data(d)]
    text = "Seed s draws the initial weights from np.random.default_rng(s)"
    if drawn:
        text += f" and the {listing(drawn)} data after np.random.seed(s)"
    if fixed:
        text += (
            f"; the {listing(fixed)} data are the same points for every seed, so there the "
            "seeds differ only in their initial weights"
        )
    return text + ". `backprop train --seed s` re-runs any single run."


def seeds_of(n: int, datasets) -> str:
    """ "1000 seeds (1000 linear datasets, and 1000 initialisations on the fixed XOR data)"."""
    parts = [
        f"{n} {DATA[d]} datasets and initialisations"
        if seed_draws_data(d)
        else f"{n} initialisations on the fixed {DATA[d]} data"
        for d in datasets
    ]
    return f"{n} seeds ({listing(parts)})"


def never_from(seeds: int) -> int:
    """The fewest of ``seeds`` seeds not at 100 % that make results.median_epochs 'never'."""
    return next(k for k in range(seeds + 1)
                if not np.isfinite(median_epochs([0] * (seeds - k) + [-1] * k)))  # fmt: skip


def definitions(seeds: int) -> str:
    """The definitions paragraph; the 'never' threshold is read from results.median_epochs."""
    k = never_from(seeds)
    share = "at least half" if k == math.ceil(seeds / 2) else f"at least {k} of {seeds}"
    return (
        "Definitions used throughout (train.epochs_to_100). One epoch is one full-batch "
        "update. Epochs to 100 % counts the updates after which the training accuracy is "
        "100 % and stays at 100 % to the end of training; 0 means the initial weights "
        "already classify every point. A run is at 100 % when its final accuracy is 100 %, "
        "which is exactly when it has an epochs-to-100 % value, so a column 'at 100 %' and "
        "the median beside it count the same seeds: the median (results.median_epochs) counts "
        f"the other seeds as never, and is 'never' when {share} of them do not end at 100 % "
        f"(with {seeds} seeds: {k} or more). Figures draw such a median on the 'never' line."
    )


def introduction(doc: Document, ctx: Context) -> None:
    conv = ctx.results["convergence"]
    n_conv = len(conv.experiment.seeds)
    out = ctx.lab.outcome
    reached = ", ".join(
        f"{seeds_at_100(conv.stats('default', d))} on {DATA[d]}" for d in ctx.datasets
    )
    n_opt, n_act = len(OPTIMIZERS), len([a for a in ACTIVATIONS if a != "identity"])
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
            f"experiments` over {ctx.seeds} seeds per setting unless stated otherwise. "
            + seed_sentence(ctx.datasets)
            + " Settings that differ only in their seed or learning rate train together as one "
            "stacked NumPy computation: every array carries a leading 'models' axis, and a test "
            "checks that each model of a stack ends with the numbers of its separate run."
        ),
        Text(definitions(ctx.seeds)),
        Text(
            "The network used by default (Section 2B) reaches an accuracy of "
            + " and ".join(f"{pct(out[d]['accuracy'])} on {DATA[d]}" for d in ctx.datasets)
            + f" in the lab run (seed {ctx.lab.seed}), and over {seeds_of(n_conv, ctx.datasets)}"
            f" the runs that end at 100 % are {reached} (Table @tab:accuracy). Section 4 varies "
            "the learning rate, the hidden units and the activation; Section 5 answers the "
            "handout's questions from those measurements; Section 6 adds "
            f"{n_opt - 1} optimizers besides gradient descent ({n_opt} in all), "
            f"{n_act - 2} hidden activations besides sigmoid and tanh ({n_act} in all, and the "
            "identity) and a convolutional network."
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


def sigmoid_zero_below(dtype) -> float:
    """The largest x (to 0.01) at which the code's ``sigmoid`` in ``dtype`` is exactly 0."""
    lo, hi = -1000.0, 0.0  # sigmoid(lo) == 0 < sigmoid(hi)
    while hi - lo > 0.01:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sigmoid(np.asarray(mid, dtype)) == 0 else (lo, mid)
    return lo


def sigmoid_form(dtype) -> str:
    """The formula ``activations.sigmoid`` evaluates in ``dtype``."""
    return "½ (1 + tanh(x/2))" if scalars(np.dtype(dtype)).tanh_sigmoid else "1/(1 + e^(−x))"


def schedule_rates(config) -> tuple[list[float], float]:
    """The rates the cosine schedule gives updates 1 … T (it steps after each update),
    and the rate after the last step, from the scheduler ``lab.build`` makes itself."""
    run = build(config, rng=np.random.default_rng(0))
    rates = []
    for _ in range(config.epochs):
        rates.append(float(run.optimizer.lr))
        run.scheduler.step()
    return rates, float(run.optimizer.lr)


def bce_eps(dtype=np.float64) -> float:
    """BCELoss's clip: p ∈ [eps, 1 − eps], eps at least the dtype's machine epsilon."""
    return max(BCELoss().eps, float(np.finfo(dtype).eps))


def implementation(doc: Document, ctx: Context) -> None:
    h = HANDOUT
    z64, z32 = sigmoid_zero_below(np.float64), sigmoid_zero_below(np.float32)
    hand = ctx.results["handout_lr"]
    hand_default = next(s for s in hand.experiment.settings if s.x == h.lr)
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
            f"In float64, the default, the code computes σ(x) = {sigmoid_form(np.float64)} as "
            f"written; in float32 it uses σ(x) = {sigmoid_form(np.float32)}, which NumPy "
            "computes faster there. Neither overflows to a NaN: for very negative x the result "
            f"rounds to exactly 0, below x ≈ {z64:.1f} in float64 and x ≈ {z32:.1f} in float32, "
            f"so σ' = σ(1 − σ) is then 0 as well. At the float32 threshold the true "
            f"σ({z32:.1f}) is {1 / (1 + math.exp(-z32)):.1e}, which float32 could represent "
            f"(its smallest normal number is {float(np.finfo(np.float32).tiny):.1e}): the tanh "
            "form loses it because 1 + tanh(x/2) rounds to 0 first. Backwards, a sigmoid "
            "layer multiplies the gradient by σ' ≤ 1/4 "
            "(Figure @fig:sigmoid), and the layer's weights multiply it by Wᵀ, which can make "
            "it larger or smaller; the handout's all-sigmoid network, trained with gradient "
            f"descent at ρ = {h.lr:g}, needs "
            + " and ".join(
                f"{median_phrase(hand.stats(hand_default.label, d).median_epochs_to_100)} "
                f"on {DATA[d]}"
                for d in ctx.datasets
            )
            + " (Table @tab:networks). That median alone does not show that σ' ≤ 1/4 is what "
            "makes it slow: Section 5A compares sigmoid with tanh on this network and names "
            "what else differs."
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
            f"{DEFAULT.init.replace('_', '-')} initial weights). Table @tab:architecture "
            "lists its layers for a batch of N points. " + _choices(ctx)
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


def faster_than(ctx: Context, exp: str, labels, ref: str, data: str) -> list[str]:
    """Settings of ``labels`` whose median epochs on ``data`` are fewer than ``ref``'s, among
    those with every seed at 100 % on every dataset."""
    mine = ctx.stats(exp, ref, data).median_epochs_to_100
    return [
        lb
        for lb in labels
        if ctx.all_at_100(exp, lb) and ctx.stats(exp, lb, data).median_epochs_to_100 < mine
    ]


def _choices(ctx: Context) -> str:
    """What was measured of the default's choices, and what the sweeps favour instead."""
    acts = [s.label for s in ctx.results["activation"].experiment.settings]
    fast_acts = faster_than(ctx, "activation", acts, DEFAULT.activation, "xor")
    tuned = ctx.results["optimizer"].tuned
    total = {
        n: sum(t.stats[d].median_epochs_to_100 for d in ctx.datasets) for n, t in tuned.items()
    }
    fast_opts = [n for n in tuned if total[n] < total[DEFAULT.optimizer]]
    n_conv = len(ctx.results["convergence"].experiment.seeds)
    text = (
        "Of these choices, this report measures the learning rate with gradient descent and "
        "Adam (Section 4A), the hidden units (4B), the activation (4C, Table @tab:activations), "
        "the biases and the centring (Table @tab:bias) and the optimizer (Table "
        "@tab:optimizers), each varied alone around the default; the initialisation, the loss, "
        "the schedule and the number of epochs are not swept. The sweeps do not all favour "
        "the default: "
    )
    found = []
    if fast_acts:
        verdict = verdicts(
            fast_acts, [ctx.clearly_faster("activation", a, DEFAULT.activation, "xor")
                        for a in fast_acts]
        )  # fmt: skip
        found.append(
            f"on XOR, {listing(fast_acts)} reach 100 % in fewer median epochs than "
            f"{DEFAULT.activation}, {verdict}, where 'clearly' means {CLEAR_RULE} (the rule "
            "of Section 5A)"
        )
    if fast_opts:
        found.append(
            f"tuned, {listing(fast_opts)} {'needs' if len(fast_opts) == 1 else 'need'} fewer "
            f"median epochs (summed over both datasets) than {DEFAULT.optimizer}"
        )
    text += ("; ".join(found) if found else "none of the varied settings is faster") + (
        f". The default stays the reference point of every sweep and is the one setting run "
        f"over {n_conv} seeds (Table @tab:convergence); the faster settings were run over "
        f"{ctx.seeds}."
    )
    return text


def normalize_layer() -> Normalize:
    model = build_model(DEFAULT, rng=np.random.default_rng(0))
    return next(m for m in model.modules if isinstance(m, Normalize))


def _backpropagation(doc: Document) -> None:
    norm = normalize_layer()
    eps = bce_eps()
    rates, after = schedule_rates(DEFAULT)
    T = DEFAULT.epochs
    doc.add(
        Heading("C. Back-propagation", 2),
        Text(
            "Forward pass for a batch X (N × 2), with φ the hidden activation (tanh by default, "
            "σ in the handout's network) and biases bᵢ (absent in the handout's network). The "
            f"default network first centres its inputs, A₀ = (X − {norm.mean:g}) / {norm.std:g} "
            "(the Normalize layer of Table @tab:architecture, no parameters); the handout's "
            "network uses A₀ = X:"
        ),
        Equations(
            [
                r"$Z_1 = A_0W_1 + b_1, \qquad A_1 = \varphi(Z_1)$",
                r"$Z_2 = A_1W_2 + b_2, \qquad A_2 = \varphi(Z_2)$",
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
            "the input. Write δᵢ = ∂L/∂Zᵢ. At the output, algebra cancels the sigmoid's "
            "derivative against the cross-entropy's and leaves the prediction error; under the "
            "squared error the sigmoid's derivative ŷ(1 − ŷ) stays:"
        ),
        Equations(
            [
                r"$\delta_3 = \dfrac{\partial L}{\partial \hat{y}} \odot \sigma'(Z_3) = "
                r"\dfrac{1}{N}(\hat{y} - y)\ \ (\mathrm{BCE}), \qquad "
                r"\delta_3 = \dfrac{2}{N}(\hat{y} - y) \odot \hat{y} \odot (1 - \hat{y})\ \ "
                r"(\mathrm{MSE})$",
            ]
        ),  # fmt: skip
        Text(
            "The code does not use the cancelled form. The loss's backward returns "
            "∂L/∂ŷ = (p − y) / (p (1 − p) N) with p = ŷ clipped to "
            f"[{eps:g}, 1 − {eps:g}] (float64), and the sigmoid's backward multiplies it by "
            "ŷ(1 − ŷ). So δ₃ = (p − y) ŷ(1 − ŷ) / (p (1 − p) N) has three cases: while "
            f"{eps:g} ≤ ŷ ≤ 1 − {eps:g} it is (ŷ − y)/N; for 0 < ŷ < {eps:g} it is "
            f"({eps:g} − y)/N shrunk by about ŷ/{eps:g}, and for 1 − {eps:g} < ŷ < 1 it is "
            f"(1 − {eps:g} − y)/N shrunk by about (1 − ŷ)/{eps:g}; when ŷ rounds to exactly 0 "
            "or 1 (Section 2A) it is 0, so a saturated wrong output gets δ₃ = 0 rather than "
            "the error. Then, for layers i = 3, 2, 1:"
        ),
        Equations(
            [
                r"$\dfrac{\partial L}{\partial W_i} = A_{i-1}^{\top}\,\delta_i, \qquad "
                r"\dfrac{\partial L}{\partial b_i} = \sum_{n=1}^{N} \delta_{i,n}, \qquad "
                r"\dfrac{\partial L}{\partial A_{i-1}} = \delta_i\,W_i^{\top}$",
                r"$\delta_{i-1} = \dfrac{\partial L}{\partial A_{i-1}} \odot "
                r"\varphi'(Z_{i-1}), \qquad \tanh' = 1 - A^2, \qquad \sigma' = A\,(1 - A)$",
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
            "handout, with learning rate ρ and g = ∇L:"
        ),  # fmt: skip
        Equations([r"$\theta \leftarrow \theta - \rho\,g$"]),
        Text(
            "The default network uses Adam instead. Its step divides a running mean of the "
            "gradient g by a running root-mean-square, so each parameter moves by about ρ per "
            "step whatever its gradient's scale. The rate follows a cosine over the "
            f"T = {T} epochs; the schedule steps after each update, so update t uses ρ_(t−1), "
            f"from ρ₀ = {rates[0]:g} for the first update to {rates[-1]:.2g} for the last. "
            f"The code floors the factor ½(1 + cos(πt/T)) at {MIN_FACTOR:g} (an optimizer "
            f"rejects a rate of 0), which only the rate after the last update, {after:.2g}, "
            "reaches:"
        ),
        Equations(
            [
                r"$m \leftarrow \beta_1 m + (1 - \beta_1)\,g, \quad v \leftarrow \beta_2 v + "
                r"(1 - \beta_2)\,g^2, \quad \theta \leftarrow \theta - \rho_{t-1}\,"
                r"\dfrac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}$",
                r"$\rho_t = \rho_0 \max\left(\dfrac{1}{2}\left(1 + \cos\dfrac{\pi t}{T}"
                r"\right),\ 10^{" + str(round(math.log10(MIN_FACTOR))) + r"}\right)$",
            ]
        ),  # fmt: skip
    )
