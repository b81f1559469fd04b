"""Section 1, introduction: the problem, the results in two sentences, the terms."""

from __future__ import annotations

from ...lab.data import DATASET_NAMES as DATA
from ...nn.activations import ACTIVATIONS
from ...optim import OPTIMIZERS
from ..context import Context, definitions, lab_accuracies, seed_sentence, seeds_at_100
from ..doc import Document, Heading, Text


def introduction(doc: Document, ctx: Context) -> None:
    conv = ctx.results["convergence"]
    n_conv = len(conv.experiment.seeds)
    n_opt, n_act = len(OPTIMIZERS), len([a for a in ACTIVATIONS if a != "identity"])

    doc.add(
        Heading("Introduction"),
        Text(
            "This lab trains a network with two hidden layers by backpropagation written by "
            "hand in NumPy, on the handout's `generate_linear` (100 random points, class 1 on "
            "or above the diagonal) and `generate_XOR_easy` (21 points on the two diagonals), "
            "trained and tested on the same data. It tests whether hand-derived gradients, "
            "checked against finite differences, train a network that fits both a linearly "
            "separable set and XOR, which needs the hidden layers."
        ),
        Text(
            lab_accuracies(
                {"handout's": ctx.handout, "default": ctx.lab},
                ctx.datasets,
                "The handout's network and this package's default network both",
            )
            + f" (@tab:accuracy); over {n_conv} seeds the default ends at 100 % "
            + (
                "in every run on both"
                if all(conv.stats("default", d).at_100 == n_conv for d in ctx.datasets)
                else "in "
                + " and ".join(
                    f"{seeds_at_100(conv.stats('default', d))} runs on {DATA[d]}"
                    for d in ctx.datasets
                )
            )
            + f". Section 6 adds {n_opt - 1} optimizers besides gradient descent, {n_act - 2} "
            "activations besides sigmoid and tanh, and a convolutional network."
        ),
        Text(
            f"Results are measured over {ctx.seeds} seeds per setting unless stated. "
            + seed_sentence(ctx.datasets)
            + " "
            + definitions(ctx.seeds)
        ),
    )
