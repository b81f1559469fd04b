"""Section 1, introduction: the problem, how the report was made, what the terms mean."""

from __future__ import annotations

from ...lab.data import DATASET_NAMES as DATA
from ...nn.activations import ACTIVATIONS
from ...optim import OPTIMIZERS
from ..context import (
    Context,
    definitions,
    pct,
    seed_sentence,
    seeds_at_100,
    seeds_of,
)
from ..doc import Document, Heading, Text


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
            + " and ".join(f"{pct(out[d].accuracy)} on {DATA[d]}" for d in ctx.datasets)
            + f" in the lab run (seed {ctx.lab.seed}), and over {seeds_of(n_conv, ctx.datasets)}"
            f" the runs that end at 100 % are {reached} (Table @tab:accuracy). Section 4 varies "
            "the learning rate, the hidden units and the activation; Section 5 answers the "
            "handout's questions from those measurements; Section 6 adds "
            f"{n_opt - 1} optimizers besides gradient descent ({n_opt} in all), "
            f"{n_act - 2} hidden activations besides sigmoid and tanh ({n_act} in all, and the "
            "identity) and a convolutional network."
        ),
    )
