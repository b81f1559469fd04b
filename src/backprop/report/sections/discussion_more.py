"""Section 4D, anything to share: biases and input centring, the handout's network
against the default."""

from __future__ import annotations

from ...lab.config import DEFAULT, HANDOUT
from ..context import (
    DATA,
    Context,
    epochs_text,
    pct,
    seeds_at_100,
    stats_cells,
    stats_head,
)
from ..doc import Document, Heading, Table, Text
from .implementation import normalize_layer


def _row(ctx: Context, exp: str, label: str) -> list[str]:
    return [c for d in ctx.datasets for c in stats_cells(ctx.stats(exp, label, d))]


def _bias_row(ctx: Context, label: str) -> list[str]:
    out = [label]
    for d in ctx.datasets:
        st = ctx.stats("bias", label, d)
        out += [*stats_cells(st), pct(st.mean_accuracy)]
    return out


def _bias_head(ctx: Context) -> list[str]:
    out = ["network"]
    for d in ctx.datasets:
        out += [f"{DATA[d]}\nat 100 %", f"{DATA[d]}\nmedian epochs", f"{DATA[d]}\nmean accuracy"]
    return out


def more(doc: Document, ctx: Context) -> None:
    nb, raw = "no bias, centred", "no bias, raw [0,1]"
    norm = normalize_layer()
    hand = next(s for s in ctx.results["handout_lr"].experiment.settings if s.x == HANDOUT.lr)
    default = next(s for s in ctx.results["hidden"].experiment.settings if s.x == DEFAULT.hidden[0])
    networks = [
        [
            f"handout (σ, MSE, SGD ρ = {HANDOUT.lr:g})",
            str(hand.config.epochs),
            *_row(ctx, "handout_lr", hand.label),
        ],
        [
            f"default (tanh, BCE, Adam ρ = {DEFAULT.lr:g})",
            str(default.config.epochs),
            *_row(ctx, "hidden", default.label),
        ],
    ]
    bias = ctx.results["bias"].experiment.settings
    doc.add(
        Heading("D. Anything you want to share", 2),
        Text(
            "Biases and centred inputs. The default network centres its inputs, (x − "
            f"{norm.mean:g}) / {norm.std:g}, and has biases; Table @tab:bias removes each. "
            "Without biases and with "
            "centred inputs the network fails on XOR (mean accuracy "
            f"{pct(ctx.stats('bias', nb, 'xor').mean_accuracy)}, Table @tab:bias): tanh is "
            "odd, so a network without biases is odd too, score(−x) = −score(x), and the "
            "centred XOR points come in pairs x and −x with the same label — at most one of "
            "each pair can be right (Figure @fig:boundaries_noact, right). With raw inputs in "
            "[0, 1] the pairs are not symmetric about the origin, and the network without "
            f"biases ends at 100 % on XOR in {seeds_at_100(ctx.stats('bias', raw, 'xor'))} "
            "seeds. With biases, centring changes the median epochs to 100 % from "
            f"{ctx.both('bias', 'bias, raw [0,1]', epochs_text)} (raw) to "
            f"{ctx.both('bias', 'bias, centred', epochs_text)} (centred)."
        ),
        Table(
            "bias",
            _bias_head(ctx),
            [_bias_row(ctx, s.label) for s in bias],
            f"Biases and input centring ({ctx.seeds} seeds): seeds at 100 %, median epochs "
            "to 100 % and mean final accuracy.",
            align="lrrrrrr",
        ),
        Text(
            "The handout's network against the default. Table @tab:networks compares the two "
            f"over the same {ctx.seeds} seeds. Median epochs to 100 %: default network "
            f"{ctx.both('hidden', default.label, epochs_text)}; handout's network "
            f"{ctx.both('handout_lr', hand.label, epochs_text)}. The two differ in "
            "the activation, the loss, the optimizer, the biases, the input centring, the "
            "initialisation and the epochs at once, so the table does not say which choice "
            "makes the difference; Sections 4A–4C and Table @tab:bias vary them one at a time "
            "around the default."
        ),
        Table(
            "networks",
            ["network", "epochs", *stats_head(ctx.datasets)],
            networks,
            "The handout's network and the default network: seeds at 100 % and median "
            "epochs to 100 %.",
        ),
    )
