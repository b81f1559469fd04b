"""Section 4, discussion A–C: learning rates, hidden units, no activation; D is in
``discussion_more``."""

from __future__ import annotations

import numpy as np

from ...lab.config import HANDOUT
from ...lab.data import load
from ..context import (
    DATA,
    FASTEST_RULE,
    Context,
    accuracy_text,
    epochs_text,
    listing,
    loss_text,
    pct,
    seeds_at_100,
)
from ..doc import Bullets, Document, Heading, Image, Text
from .discussion_more import more

NONE = "none (identity)"


def discussion(doc: Document, ctx: Context) -> None:
    doc.add(Heading("4 Discussion"))
    _learning_rates(doc, ctx)
    _hidden_units(doc, ctx)
    _without_activation(doc, ctx)
    more(doc, ctx)


def good_rates(ctx: Context, exp: str, group: str, share: float) -> list:
    return [s.x for s in ctx.group(exp, group) if ctx.all_at_100(exp, s.label, share)]


def _lr_regimes(ctx: Context, exp: str, group: str, name: str) -> list[str]:
    settings = ctx.group(exp, group)
    small, large = settings[0], settings[-1]
    everyone, most = good_rates(ctx, exp, group, 1.0), good_rates(ctx, exp, group, 0.9)
    best = ctx.fastest(exp, settings)
    good = (
        f"every seed ends at 100 % on both datasets at ρ = {listing(everyone)}"
        if everyone
        else f"no rate brings every seed to 100 % on both datasets within {small.config.epochs} "
        "epochs"
    )
    if most and most != everyone:
        good += f", and at least 90 % of the seeds do at ρ = {listing(most)}"
    fastest = (
        f"The fastest ({FASTEST_RULE}) is ρ = {best.x:g}"
        if everyone
        else f"The fewest summed median epochs, over all rates, are at ρ = {best.x:g}"
    )
    fastest += f" (median epochs to 100 %: {ctx.both(exp, best.label, epochs_text)})."
    quicker = [s for s in settings if ctx.speed(exp, s.label) < ctx.speed(exp, best.label)]
    for s in quicker:  # excluded by the rule: say so
        fastest += (
            f" ρ = {s.x:g} has fewer ({ctx.both(exp, s.label, epochs_text)}) but "
            f"not every seed ends at 100 % ({ctx.both(exp, s.label, seeds_at_100)})."
        )
    return [
        f"{name}, the grid's smallest rate, ρ = {small.x:g}: after {small.config.epochs} "
        f"epochs the mean accuracy is {ctx.both(exp, small.label, accuracy_text)}; seeds at "
        f"100 %: {ctx.both(exp, small.label, seeds_at_100)}; median final loss: "
        f"{ctx.both(exp, small.label, loss_text)}.",
        f"{name}, the rates that work: {good}. {fastest}",
        f"{name}, the grid's largest rate, ρ = {large.x:g}: seeds at 100 %: "
        f"{ctx.both(exp, large.label, seeds_at_100)} (mean accuracy "
        f"{ctx.both(exp, large.label, accuracy_text)}).",
    ]


def initial_loss(ctx: Context, exp: str, labels, data: str) -> tuple[float, float, float]:
    """Mean, min and max over seeds (and ``labels``) of the loss before the first update."""
    c = [ctx.results[exp].curves[lb, data] for lb in labels]
    first = [x["loss_mean"][0] for x in c]
    return float(np.mean(first)), min(x["loss_min"][0] for x in c), max(x["loss_max"][0] for x in c)


def _learning_rates(doc: Document, ctx: Context) -> None:
    lr = ctx.results["lr"].experiment
    hand = ctx.results["handout_lr"].experiment
    epochs = lr.settings[0].config.epochs
    hand_epochs = hand.settings[0].config.epochs
    tuned_sgd = ctx.results["optimizer"].tuned["sgd"]
    doc.add(
        Heading("A. Try different learning rates", 2),
        Text(
            f"Figures @fig:lr_outcome and @fig:lr_curves train the default network for {epochs} "
            f"epochs at learning rates from {lr.settings[0].x:g} to {lr.settings[-1].x:g}: with "
            "plain gradient descent at a constant rate (the handout's update rule) and with "
            f"Adam (cosine decay, the default). The {len(lr.settings)} × {ctx.seeds} runs of a "
            "dataset train as two stacked computations, one per optimizer, with one learning "
            "rate per model. At the two ends of the grid and in between:"
        ),
        Bullets(
            _lr_regimes(ctx, "lr", "sgd", "Gradient descent")
            + _lr_regimes(ctx, "lr", "adam", "Adam")
        ),
        Text(
            "These gradient-descent runs keep the rate constant; Table @tab:optimizers tunes "
            "every optimizer with the cosine decay of the default, where gradient descent's "
            f"tuned rate is ρ = {tuned_sgd.lr:g}."
        ),
        Image(
            "lr_outcome",
            [ctx.figures["lr"]["outcome"]],
            f"Learning rate against mean accuracy after {epochs} epochs (band: min–max over "
            f"{ctx.seeds} seeds) and epochs to 100 % (median, bars: quartiles; 'never' = not "
            "at 100 % at the end), for gradient descent and Adam.",
            0.92,
        ),
        Image(
            "lr_curves",
            [ctx.figures["lr"]["learning_curves"]],
            "Loss curves per learning rate (mean over seeds, band: min–max); colour from "
            "dark (smallest ρ) to yellow (largest ρ).",
            0.92,
        ),
        Text(
            "The handout's own network (sigmoid everywhere, no biases, mean squared error, "
            "gradient descent at a constant rate) over its own grid "
            f"(Figure @fig:handout_lr_outcome, {hand_epochs} epochs; its preset trains "
            f"{HANDOUT.epochs}):"
        ),
        Bullets(_lr_regimes(ctx, "handout_lr", "handout", "Handout network")),
        Text(
            "Measured: with gradient descent, the fastest rate by the rule above (among all "
            "rates when none brings every seed to 100 %) is ρ = "
            f"{ctx.fastest('lr', ctx.group('lr', 'sgd')).x:g} on the default network "
            f"and ρ = {ctx.fastest('handout_lr', ctx.group('handout_lr', 'handout')).x:g} on "
            "the handout's network; at least 90 % of the seeds end at 100 % on the default "
            f"network {rate_range(good_rates(ctx, 'lr', 'sgd', 0.9))} and on the handout's "
            f"network {rate_range(good_rates(ctx, 'handout_lr', 'handout', 0.9))} (within "
            f"{hand_epochs} epochs). The textbook reason the handout's network works best "
            "at larger steps, not isolated by these runs: its backward signal passes "
            "through three sigmoids, each multiplying it by σ' ≤ 1/4, and the squared error "
            "keeps the output sigmoid's ŷ(1 − ŷ), which the cross-entropy cancels, so its "
            "gradients are smaller. The two networks also differ in biases, input centring, "
            "initialisation and epochs, any of which can move the working range."
        ),
        Image(
            "handout_lr_outcome",
            [ctx.figures["handout_lr"]["outcome"]],
            "The handout's network: learning rate against mean accuracy and median epochs to "
            f"100 % ({hand_epochs} epochs, {ctx.seeds} seeds).",
            0.92,
        ),
    )


def rate_range(rates: list) -> str:
    """ "at ρ = 0.1 to 3", or "at no rate of the grid"."""
    return f"at ρ = {rates[0]:g} to {rates[-1]:g}" if rates else "at no rate of the grid"


def _hidden_units(doc: Document, ctx: Context) -> None:
    settings = ctx.results["hidden"].experiment.settings
    ok = [s for s in settings if ctx.all_at_100("hidden", s.label)]
    enough = next((s for i, s in enumerate(settings) if all(t in ok for t in settings[i:])), None)
    one, two = settings[0], settings[1]
    text = (
        "Figures @fig:hidden_outcome and @fig:hidden_curves vary the number of units h in "
        f"each hidden layer from {settings[0].x} to {settings[-1].x} (default network "
        "otherwise). With one unit per layer the seeds at 100 % are "
        f"{ctx.both('hidden', one.label, seeds_at_100)} (mean accuracy "
        f"{ctx.both('hidden', one.label, accuracy_text)}): one tanh unit draws the straight "
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
            f" From h = {enough.x} on, every seed ends at 100 % on both datasets, and more "
            f"units change little: the median epochs to 100 % for h = {enough.x} … "
            f"{settings[-1].x} stay within "
            + " and ".join(f"{min(v):g}–{max(v):g} ({DATA[d]})" for d, v in spans.items())
            + ", while the work per epoch grows with h² (the h × h middle layer)."
        )
    doc.add(
        Heading("B. Try different numbers of hidden units", 2),
        Text(text),
        Image(
            "hidden_outcome",
            [ctx.figures["hidden"]["outcome"]],
            f"Hidden units per layer against mean accuracy and median epochs to 100 % "
            f"({ctx.seeds} seeds).",
            0.92,
        ),
        Image(
            "hidden_curves",
            [ctx.figures["hidden"]["learning_curves"]],
            "Loss curves per number of hidden units (mean, band: min–max over seeds).",
            0.92,
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
    text = (
        f"Re-trained on XOR with seed {ctx.lab.seed} (Figure @fig:boundaries_noact, middle), "
        + (
            f"it outputs {lo:.6f} everywhere on the plotted square (to six decimals)"
            if f"{lo:.6f}" == f"{hi:.6f}"
            else f"it outputs between {lo:.6f} and {hi:.6f} over the whole plotted square"
        )
    )
    if lo > 0.5 or hi < 0.5:
        same = max(abs(lo - share), abs(hi - share)) < 5e-7
        text += (
            f": no 0.5 line at all, one class for every point, and the output is "
            f"{'equal, to six decimals, to' if same else 'close to'} the share of class 1 in "
            f"the data ({int(y.sum())}/{y.size} = {share:.6f}), the "
            "constant output that minimises the cross-entropy: trained, this logistic "
            "regression is a constant predictor, not a straight cut. "
        )
    else:
        text += ", and its 0.5 line is straight. "
    return text


def _without_activation(doc: Document, ctx: Context) -> None:
    others = [s for s in ctx.results["activation"].experiment.settings if s.label != NONE]
    all_ok = [s.label for s in others if ctx.all_at_100("activation", s.label)]
    tail = (
        f"With each of the {len(others)} activations every seed ends at 100 % on both datasets."
        if len(all_ok) == len(others)
        else "With an activation, every seed ends at 100 % on both datasets for "
        + (listing(all_ok) if all_ok else "none of them")
        + "."
    )
    doc.add(
        Heading("C. Try without activation functions", 2),
        Text(
            "Replacing tanh by the identity in both hidden layers leaves three linear layers "
            "in a row, and a product of linear maps is linear: the network computes "
            "σ(XW + b) with W = W₁W₂W₃, a logistic regression: its 0.5 contour, where it has "
            "one, is a straight line. "
            "Figure @fig:activation_outcome (first column) and Figure @fig:boundaries_noact "
            "show it. Without activation the network still separates the linear data "
            f"({linear_at_100(ctx, NONE)} seeds at 100 %, Table @tab:activations), but on XOR "
            "it ends at a mean accuracy of "
            f"{pct(ctx.stats('activation', NONE, 'xor').mean_accuracy)} (Figure "
            f"@fig:activation_outcome; the larger class alone is {pct(majority('xor'))} of the "
            f"points). {_noact_output(ctx)}{tail}"
        ),
        Image(
            "activation_outcome",
            [ctx.figures["activation"]["outcome"]],
            "Hidden activation ('none' = identity) against mean accuracy and median epochs to "
            f"100 % ({ctx.seeds} seeds).",
            0.92,
        ),
        Image(
            "boundaries_noact",
            ctx.extra["boundaries"],
            f"XOR: the output P(class 1) over the plane (seed {ctx.lab.seed}; black line: "
            "0.5, drawn where the output crosses it; each title gives the output's range) "
            "of the default network (left), without activation (middle), and without "
            "biases (right, Section 4D).",
            1.0,
        ),
    )
