"""Section 4, discussion A–C: learning rates, hidden units, no activation; D is in
``discussion_more``. Each part opens with its answer, then the evidence, then why."""

from __future__ import annotations

import numpy as np

from ...lab.data import load
from ..context import (
    DATA,
    FASTEST_RULE,
    Context,
    accuracy_text,
    epochs_text,
    never_rule,
    pct,
    seeds_at_100,
)
from ..doc import Document, Heading, Image, Table, Text
from .discussion_more import more

NONE = "none (identity)"


def discussion(doc: Document, ctx: Context) -> None:
    doc.add(Heading("Discussion"))
    _learning_rates(doc, ctx)
    _hidden_units(doc, ctx)
    _without_activation(doc, ctx)
    more(doc, ctx)


def good_rates(ctx: Context, exp: str, group: str, share: float) -> list:
    return [s.x for s in ctx.group(exp, group) if ctx.all_at_100(exp, s.label, share)]


def rate_range(rates: list) -> str:
    """ "at ρ = 0.1 to 3", or "at no rate of the grid"."""
    return f"at ρ = {rates[0]:g} to {rates[-1]:g}" if rates else "at no rate of the grid"


def _lr_takeaway(ctx: Context) -> str:
    """4A's answer: where each optimizer and network works, from the sweeps."""
    sgd, adam = good_rates(ctx, "lr", "sgd", 0.9), good_rates(ctx, "lr", "adam", 0.9)
    hand = good_rates(ctx, "handout_lr", "handout", 0.9)
    best = ctx.fastest("handout_lr", ctx.group("handout_lr", "handout")).x
    text = (
        "Each network learns only within a band of rates, and the band depends on the "
        "optimizer: on the default network at least 90 % of the seeds end at 100 % on both "
        f"datasets with gradient descent {rate_range(sgd)} and with Adam {rate_range(adam)}. "
    )
    if hand:
        return text + f"The handout's network needs larger steps: {rate_range(hand)}."
    return text + (
        "The handout's network reaches that at no rate within its "
        f"{ctx.group('handout_lr', 'handout')[0].config.epochs} epochs; it does best at a "
        f"large rate, ρ = {best:g}."
    )


def _lr_row(ctx: Context, exp: str, group: str, name: str) -> list[str]:
    """A row of the rate table: the grid's two ends and its fastest rate, by FASTEST_RULE
    (or the fewest summed median epochs when no rate brings every seed to 100 %)."""
    settings = ctx.group(exp, group)
    small, large = settings[0], settings[-1]
    best = ctx.fastest(exp, settings)
    star = "" if good_rates(ctx, exp, group, 1.0) else " *"

    def pair(label: str, fmt) -> str:
        return ", ".join(fmt(ctx.stats(exp, label, d)) for d in ctx.datasets)

    return [
        name,
        f"{small.x:g}",
        pair(small.label, accuracy_text),
        f"{large.x:g}",
        pair(large.label, seeds_at_100),
        f"{best.x:g}{star}",
        pair(best.label, epochs_text),
    ]


def _learning_rates(doc: Document, ctx: Context) -> None:
    lr = ctx.results["lr"].experiment
    hand = ctx.results["handout_lr"].experiment
    epochs = lr.settings[0].config.epochs
    hand_epochs = hand.settings[0].config.epochs
    doc.add(
        Heading("Try different learning rates", 2),
        Text(_lr_takeaway(ctx)),
        Text(
            f"@fig:lr trains the default network for {epochs} epochs with gradient descent at "
            "a constant rate (the handout's rule) and Adam (cosine decay), the handout's for "
            f"{hand_epochs} epochs; @fig:lr_curves shows the loss at three rates; @tab:rates "
            "gives each grid's ends and its fastest rate at which every seed ends at 100 % on "
            f"both datasets: the one with {FASTEST_RULE}."
        ),
        Table(
            "rates",
            [
                "network, optimizer",
                "smallest ρ",
                "mean accuracy\n(linear, XOR)",
                "largest ρ",
                "at 100 %\n(linear, XOR)",
                "fastest ρ with\nall seeds at 100 %",
                "median epochs\n(linear, XOR)",
            ],
            [
                _lr_row(ctx, "lr", "sgd", "default, gradient descent"),
                _lr_row(ctx, "lr", "adam", "default, Adam"),
                _lr_row(ctx, "handout_lr", "handout", "handout, gradient descent"),
            ],
            "The ends of each rate grid and its fastest rate at which every seed ends at "
            "100 % on both datasets (* no rate does: the fewest summed median epochs).",
            align="lrrrrrr",
        ),
        Image(
            "lr",
            ctx.figures["lr"],
            f"Learning rate against mean accuracy (top) and median epochs to 100 % (bottom), "
            f"{ctx.seeds} seeds per rate. 'never': {never_rule(ctx.seeds)}.",
        ),
        Text(
            "Why the handout's network does best at large steps is not isolated by these runs. "
            "The textbook reason is one effect: its backward signal is multiplied by σ′ ≤ 1/4 "
            "at each of its three sigmoids, the output's included, because the squared error "
            "keeps the output's ŷ(1 − ŷ) that the cross-entropy would cancel; so its gradients "
            "are small. But the networks also differ in biases, centring, initialisation and "
            "epochs, any of which can move the band."
        ),
        Image(
            "lr_curves",
            ctx.figures["lr_curves"],
            "Mean loss over the seeds of the default network at the grid's smallest rate, "
            "the fastest rate at which every seed ends at 100 % on both datasets (@tab:rates) "
            "and the largest rate.",
        ),
    )


def _hidden_units(doc: Document, ctx: Context) -> None:
    settings = ctx.results["hidden"].experiment.settings
    ok = [s for s in settings if ctx.all_at_100("hidden", s.label)]
    enough = next((s for i, s in enumerate(settings) if all(t in ok for t in settings[i:])), None)
    one, two = settings[0], settings[1]
    answer = (
        f"From h = {enough.x} units per layer on, every seed ends at 100 % on both datasets "
        "and more units change little; with fewer, seeds fail on XOR."
        if enough
        else "No number of hidden units of the grid brings every seed to 100 % on both datasets."
    )
    text = (
        f"@fig:hidden varies the units h of each hidden layer from {settings[0].x} to "
        f"{settings[-1].x}. With one unit per layer the seeds at 100 % are "
        f"{ctx.both('hidden', one.label, seeds_at_100)}: one tanh unit draws the straight "
        "boundary the linear data needs, but XOR needs a bent one. With two units they are "
        f"{ctx.both('hidden', two.label, seeds_at_100)}."
    )
    if enough:
        tail = settings[settings.index(enough) :]
        spans = {
            d: [ctx.stats("hidden", s.label, d).median_epochs_to_100 for s in tail]
            for d in ctx.datasets
        }
        text += (
            f" For h = {enough.x} to {settings[-1].x} the median epochs to 100 % stay within "
            + " and ".join(f"{min(v):g}–{max(v):g} ({DATA[d]})" for d, v in spans.items())
            + ", while the work per epoch grows with h² (the h × h middle layer)."
        )
    doc.add(
        Heading("Try different numbers of hidden units", 2),
        Text(answer),
        Text(text),
        Image(
            "hidden",
            ctx.figures["hidden"],
            f"Hidden units per layer against mean accuracy and median epochs to 100 % "
            f"({ctx.seeds} seeds, default network).",
        ),
    )


def linear_at_100(ctx: Context, label: str) -> str:
    return seeds_at_100(ctx.stats("activation", label, "linear"))


def majority(data: str) -> float:
    """The share of the larger class: what a constant prediction gets right."""
    _, y = load(data, 0)
    return float(max(y.mean(), 1 - y.mean()))


def _noact_output(ctx: Context) -> str:
    """What the no-activation network of Figure boundaries_noact outputs, measured."""
    lo, hi = ctx.extra["boundary_range"]["identity"]
    _, y = load("xor", ctx.lab.seed)
    share = float(np.mean(y))
    text = f"On XOR with seed {ctx.lab.seed} (@fig:boundaries_noact, middle), it outputs " + (
        f"{lo:.6f} everywhere on the plotted square (to six decimals)"
        if f"{lo:.6f}" == f"{hi:.6f}"
        else f"between {lo:.6f} and {hi:.6f} over the plotted square"
    )
    if lo > 0.5 or hi < 0.5:
        same = max(abs(lo - share), abs(hi - share)) < 5e-7
        text += (
            f": no 0.5 line at all, and {'equal, to six decimals, to' if same else 'close to'} "
            f"the share of class 1 in the data ({int(y.sum())}/{y.size} = {share:.6f}), the "
            "constant that minimises the cross-entropy. "
        )
    else:
        text += ", and its 0.5 line is straight. "
    return text


def _without_activation(doc: Document, ctx: Context) -> None:
    acc = pct(ctx.stats("activation", NONE, "xor").mean_accuracy)
    doc.add(
        Heading("Try without activation functions", 2),
        Text(
            "Without activation the network is a logistic regression: it still learns the "
            f"linear data ({linear_at_100(ctx, NONE)} seeds at 100 %) but not XOR (mean "
            f"accuracy {acc}; the larger class alone is {pct(majority('xor'))} of the points)."
        ),
        Text(
            "@tab:activations (row 'none') gives these runs and @fig:boundaries_noact their "
            "boundary. With the identity in both hidden layers, the network computes "
            "σ(A₀W₁W₂W₃ + b) with A₀ the centred input (X − μ)/s and the combined bias "
            "b = b₁W₂W₃ + b₂W₃ + b₃: an affine map of X inside one sigmoid, whose 0.5 contour, "
            f"where it has one, is a straight line. {_noact_output(ctx)}"
        ),
        Image(
            "boundaries_noact",
            ctx.figures["boundaries"],
            f"XOR, seed {ctx.lab.seed}: P(class 1) of the default network, without "
            "activation, and without biases (Section 4D); black line: 0.5, where reached.",
        ),
    )
