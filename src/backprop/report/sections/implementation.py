"""Section 2, implementation details: the sigmoid, the two networks, backpropagation and
the update rules; and the appendix's implementation notes, read from the code."""

from __future__ import annotations

import numpy as np

from ...lab.config import DEFAULT, HANDOUT, build, build_model
from ...nn import Linear, Normalize
from ...nn.losses import BCELoss
from ...optim.lr_scheduler import MIN_FACTOR
from ..context import Context, listing, verdicts
from ..doc import Document, Equations, Heading, Image, Table, Text


def _architecture_rows() -> list[list[str]]:
    model = build_model(DEFAULT, rng=np.random.default_rng(0))
    rows, width = [], 2
    for m in model.modules:
        if isinstance(m, Normalize):
            rows.append(["Normalize", f"(x − {m.mean:g}) / {m.std:g}", f"N × {width}", "0"])
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


def normalize_layer() -> Normalize:
    model = build_model(DEFAULT, rng=np.random.default_rng(0))
    return next(m for m in model.modules if isinstance(m, Normalize))


def implementation(doc: Document, ctx: Context) -> None:
    h = HANDOUT
    doc.add(
        Heading("Implementation details"),
        Heading("Sigmoid function", 2),
        Text(
            "The sigmoid squashes any score into (0, 1), so the output unit's value reads as "
            "the probability of class 1; a prediction is class 1 when it exceeds 0.5. Its "
            "derivative is a function of its own value, so the backward pass reuses the "
            "forward output instead of recomputing exponentials:"
        ),
        Equations([r"sigma(x) = 1 / (1 + e^(-x)), quad sigma'(x) = sigma(x)(1 - sigma(x)) <= 1/4"]),
        Text(
            "Backwards, each sigmoid layer multiplies the gradient by σ′ ≤ 1/4, where tanh, "
            "the default network's hidden activation, multiplies it by at most 1 (@fig:sigmoid)."
        ),
        Image("sigmoid", ctx.figures["sigmoid"], "Left: σ and σ′. Right: tanh and tanh′."),
        Heading("Neural network architecture", 2),
        Text(
            "The handout's network has two hidden layers, each a linear map followed by the "
            "sigmoid, and no biases:"
        ),
        Equations([r"Z_1 = sigma(X W_1), quad Z_2 = sigma(Z_1 W_2), quad y = sigma(Z_2 W_3)"]),
        Text(
            f"`backprop lab --handout` trains exactly this network: {h.hidden[0]}-"
            f"{h.hidden[1]} hidden units, {h.init.replace('_', '-')} initial weights, the mean "
            f"squared error and gradient descent at ρ = {h.lr:g} for {h.epochs} epochs (its "
            "preset, in Section 3; Sections 4 and 5 train it for "
            f"{ctx.results['handout_lr'].experiment.settings[0].config.epochs}). The default "
            "network (@tab:architecture) adds biases, uses tanh in the hidden layers, centres "
            "the inputs, and trains with binary cross-entropy and Adam (ρ = "
            f"{DEFAULT.lr:g}, cosine decay, {DEFAULT.epochs} epochs, "
            f"{DEFAULT.init.replace('_', '-')} initial weights). " + _choices(ctx)
        ),
        Table(
            "architecture",
            ["layer", "computes", "output", "parameters"],
            _architecture_rows(),
            "The default network for a batch of N points (2-16-16-1).",
            align="llll",
        ),
    )
    _backpropagation(doc, ctx)


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
    """What was varied around the default, and where the sweeps favour something else."""
    acts = [s.label for s in ctx.results["activation"].experiment.settings]
    fast_acts = faster_than(ctx, "activation", acts, DEFAULT.activation, "xor")
    tuned = ctx.results["optimizer"].tuned
    total = {
        n: sum(t.stats[d].median_epochs_to_100 for d in ctx.datasets) for n, t in tuned.items()
    }
    fast_opts = [n for n in tuned if total[n] < total[DEFAULT.optimizer]]
    text = (
        "Sections 4 and 6 vary the learning rate, hidden units, activation, biases, centring "
        "and optimizer one at a time around it, except that 4A's gradient-descent runs also "
        "drop the schedule (a constant rate, as in the handout); initialisation, loss and "
        "epochs are not swept. Not everything favours the default: "
    )
    found = []
    if fast_acts:
        verdict = verdicts(
            fast_acts,
            [ctx.clearly_faster("activation", a, DEFAULT.activation, "xor") for a in fast_acts],
        )
        found.append(
            f"on XOR, {listing(fast_acts)} need fewer median epochs than "
            f"{DEFAULT.activation}, {verdict} by the rule of Section 5A"
        )
    if fast_opts:
        found.append(
            f"tuned, {listing(fast_opts)} {'needs' if len(fast_opts) == 1 else 'need'} fewer "
            f"median epochs (summed over both datasets) than {DEFAULT.optimizer}"
        )
    return text + ("; ".join(found) if found else "none of the varied settings is faster") + "."


def _backpropagation(doc: Document, ctx: Context) -> None:
    norm = normalize_layer()
    rates, _ = schedule_rates(DEFAULT)
    doc.add(
        Heading("Back-propagation", 2),
        Text(
            "For a batch X (N × 2), with φ the hidden activation (σ in the handout's network, "
            "tanh in the default) and biases bᵢ (none in the handout's), the forward pass and "
            "the loss are below; the default first centres its inputs, A₀ = (X − μ)/s with "
            f"μ = {norm.mean:g} and s = {norm.std:g}, the handout's uses A₀ = X."
        ),
        Equations(
            [
                r"Z_i = A_(i-1) W_i + b_i, quad A_i = phi(Z_i) quad (i = 1, 2), "
                r"quad hat(y) = sigma(A_2 W_3 + b_3)",
                r'L_"BCE" = -1/N sum_(n=1)^N [y_n ln hat(y)_n + (1 - y_n) ln(1 - hat(y)_n)],'
                r' quad L_"MSE" = 1/N sum_(n=1)^N (hat(y)_n - y_n)^2',
            ]
        ),
        Text(
            "The backward pass applies the chain rule from the loss back to the input, with "
            "δᵢ = ∂L/∂Zᵢ. At the output the cross-entropy cancels the sigmoid's derivative; "
            "the squared error keeps ŷ(1 − ŷ). Then, for layers i = 3, 2, 1:"
        ),
        Equations(
            [
                r'delta_3 = 1/N (hat(y) - y) quad ("BCE"), quad quad '
                r'delta_3 = 2/N (hat(y) - y) dot.o hat(y) dot.o (1 - hat(y)) quad ("MSE")',
                r"(partial L)/(partial W_i) = A_(i-1)^T delta_i, quad "
                r"(partial L)/(partial b_i) = sum_n delta_(i,n), quad "
                r"delta_(i-1) = (delta_i W_i^T) dot.o phi'(Z_(i-1))",
            ]
        ),
        Text(
            "This is the handout's chain rule ∂L/∂w₁ = (∂x′/∂w₁)(∂z/∂x′)(∂x″/∂z)(∂y/∂x″)(∂L/∂y) "
            "for all weights at once, as matrix products. Each epoch ends with one step on all "
            "parameters θ with g = ∇L: gradient descent, as in the handout, or Adam, which "
            "divides a running mean of g by a running root-mean-square, so no parameter moves "
            f"by more than about ρ. The default's rate follows a cosine from ρ₀ = {rates[0]:g} "
            f"for the first update to {rates[-1]:.2g} for the last:"
        ),
        Equations(
            [
                r"theta <- theta - rho g, quad "
                r"m <- beta_1 m + (1 - beta_1) g, quad v <- beta_2 v + (1 - beta_2) g^2, quad "
                r"theta <- theta - rho_(t-1) (m \/ (1 - beta_1^t)) / "
                r"(sqrt(v \/ (1 - beta_2^t)) + epsilon)",
            ]
        ),
    )


def appendix(doc: Document, ctx: Context) -> None:
    """Implementation notes a grader does not need for the answers."""
    eps = bce_eps()
    _, after = schedule_rates(DEFAULT)
    doc.add(
        Heading("Appendix: implementation notes", numbered=False),
        Text(
            "Sweeps train all seeds and rates of a setting as one stacked NumPy computation, "
            "each stacked model checked against training it alone. The cross-entropy clips "
            "p = ŷ to "
            f"[{eps:g}, 1 − {eps:g}], so an output that rounds to exactly 0 or 1 gets no "
            "gradient. The cosine factor ½(1 + cos(πt/T)) is floored at "
            f"{MIN_FACTOR:g}, since an optimizer rejects a rate of 0. It binds only at t = T, "
            f"after the last update, on the rate set then ({after:.2g}), which no update uses."
        ),
    )
