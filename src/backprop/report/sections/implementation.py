"""Section 2, implementation details: the sigmoid as the code computes it, the
network (layers, loss, optimizer, schedule), and backpropagation.

About 300 lines because every sentence about the implementation is generated from the
code's own constants (the sigmoid's form, the clip, the schedule's floor) rather than
typed in."""

from __future__ import annotations

import math

import numpy as np

from ...lab.config import DEFAULT, HANDOUT, build, build_model
from ...lab.data import DATASET_NAMES as DATA
from ...nn import Linear, Normalize
from ...nn.activations import scalars, sigmoid
from ...nn.losses import BCELoss
from ...optim.lr_scheduler import MIN_FACTOR
from ..context import (
    CLEAR_RULE,
    Context,
    listing,
    median_phrase,
    verdicts,
)
from ..doc import Document, Equations, Heading, Image, Table, Text


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
        ),
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
        ),
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
            fast_acts,
            [ctx.clearly_faster("activation", a, DEFAULT.activation, "xor") for a in fast_acts],
        )
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
        ),
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
        ),
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
        ),
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
        ),
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
        ),
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
        ),
    )
