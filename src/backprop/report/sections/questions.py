"""Section 5, the handout's questions, answered from the measurements.

It is past 300 lines because each of the three answers separates what was measured from
the textbook explanation and names its confounds, each sentence read from the results."""

from __future__ import annotations

import numpy as np

from ...experiments.results import TUNE_RULE
from ...lab.config import DEFAULT, HANDOUT
from ..context import (
    CLEAR_RULE,
    DATA,
    Context,
    accuracy_text,
    fmt_epochs,
    listing,
    loss_text,
    median_phrase,
    pct,
    seeds_at_100,
    stats_cells,
    stats_head,
)
from ..doc import Document, Heading, Table, Text
from .discussion import NONE, good_rates, initial_loss, linear_at_100, rate_range


def _speed_answer(ctx: Context) -> str:
    """Sigmoid against tanh and the fastest activations on XOR, judged by CLEAR_RULE."""
    act = [s.label for s in ctx.results["activation"].experiment.settings if s.label != NONE]
    med = {a: ctx.stats("activation", a, "xor").median_epochs_to_100 for a in act}
    order = sorted(act, key=med.get)
    fast, runner = order[0], order[1]
    pairs = [
        (a, b)
        for a, b in ((DEFAULT.activation, "sigmoid"), (fast, DEFAULT.activation), (fast, runner))
        if med[a] < med[b]
    ]
    judged = "; ".join(
        f"{a} ({fmt_epochs(med[a])}) is {_verdict(ctx, 'activation', a, b)} faster than "
        f"{b} ({fmt_epochs(med[b])})"
        for a, b in pairs
    )
    return (
        "The activation also sets how fast the network learns. Median epochs to 100 % on "
        f"XOR in the default network (@tab:activations): {judged}, where 'clearly' means "
        f"{CLEAR_RULE}. The textbook reason for a slow sigmoid, σ′ ≤ 1/4 at every layer, "
        "is not tested there: Adam divides each step by the gradient's running "
        "root-mean-square, so a constant factor such as 1/4 largely cancels."
    )


def _verdict(ctx: Context, exp: str, a: str, b: str, data: str = "xor") -> str:
    return "clearly" if ctx.clearly_faster(exp, a, b, data) else "not clearly"


def _handout_activations(ctx: Context) -> tuple[Text, Table]:
    """The handout's network (gradient descent) with each hidden activation at its tuned
    rate: the text and the table."""
    r = ctx.results["handout_activation"]
    tuned = r.tuned
    grid = sorted({s.config.lr for s in r.experiment.settings})
    rows = []
    for name, t in tuned.items():
        working = [
            s.x
            for s in ctx.group("handout_activation", name)
            if ctx.all_at_100("handout_activation", s.label)
        ]
        row = [name, f"{t.lr:g}"]
        for d in ctx.datasets:
            row += stats_cells(t.stats[d])
        rows.append([*row, str(len(working))])
    head = ["hidden activation", "tuned ρ", *stats_head(ctx.datasets)]
    head.append(f"rates that\nwork (of {len(grid)})")
    epochs = r.experiment.settings[0].config.epochs
    table = Table(
        "handout_activations",
        head,
        rows,
        f"The handout's network (gradient descent, squared error, no biases, {epochs} epochs, "
        f"{ctx.seeds} seeds) with each hidden activation at its tuned rate: seeds at 100 %, "
        "median epochs to 100 % and the number of grid rates at which every seed ends at "
        "100 % on both datasets.",
        align="lrrrrrr",
    )
    sig, tanh = tuned["sigmoid"], tuned["tanh"]
    ident = tuned.get("identity")
    text = (
        "The handout's network trains with gradient descent, where that factor is not "
        f"rescaled away (@tab:handout_activations: each hidden activation over the rates "
        f"{listing(grid)}, {epochs} epochs, at its tuned rate, chosen by {TUNE_RULE}). "
    )
    if ident:
        text += _identity_handout(ctx, ident, tuned["tanh"])
    text += (
        f"Sigmoid at ρ = {sig.lr:g} needs a median of "
        + ", ".join(
            f"{fmt_epochs(sig.stats[d].median_epochs_to_100)} epochs on {DATA[d]}"
            for d in ctx.datasets
        )
        + f"; tanh at ρ = {tanh.lr:g} needs "
        + ", ".join(
            f"{fmt_epochs(tanh.stats[d].median_epochs_to_100)} on {DATA[d]}" for d in ctx.datasets
        )
        + "; by the rule above tanh is "
        + " and ".join(
            f"{_verdict(ctx, 'handout_activation', tanh.setting, sig.setting, d)} "
            f"faster on {DATA[d]}"
            for d in ctx.datasets
        )
        + ". Even so this does not isolate σ′: tanh′ is 1 at 0 where σ′ is 1/4, tanh is "
        "centred on 0 where σ is centred on ½, and the tuned rates differ."
    )
    return Text(text), table


def _identity_handout(ctx: Context, ident: dict, tanh: dict) -> str:
    """The identity row of the handout-activation table, read against every rate it ran."""
    rows = ctx.group("handout_activation", "identity")
    at = {
        d: {s.label: ctx.stats("handout_activation", s.label, d) for s in rows}
        for d in ctx.datasets
    }
    text = (
        "With the identity the seeds at 100 % are "
        + ", ".join(f"{DATA[d]} {seeds_at_100(ident.stats[d])}" for d in ctx.datasets)
        + f" at its tuned ρ = {ident.lr:g}"
    )
    never = [d for d in ctx.datasets if all(v.at_100 == 0 for v in at[d].values())]
    if never:
        text += (
            f"; but it ends at 100 % on {listing([DATA[d] for d in never])} for no seed at "
            "any rate, so every summed median is never and the rate comes from the last "
            "tie-break (the smaller rate) alone"
        )
    for d in (d for d in ctx.datasets if d not in never):
        best = min(
            rows, key=lambda s: (-at[d][s.label].at_100, at[d][s.label].median_epochs_to_100, s.x)
        )
        if np.isclose(best.x, ident.lr):
            continue
        b = at[d][best.label]
        text += (
            f". Its best rate on {DATA[d]} alone (most seeds at 100 %, then the fewest median "
            f"epochs) is ρ = {best.x:g}: {seeds_at_100(b)} seeds at 100 %, median "
            f"{fmt_epochs(b.median_epochs_to_100)} epochs, against tanh's "
            f"{seeds_at_100(tanh.stats[d])} and {fmt_epochs(tanh.stats[d].median_epochs_to_100)} "
            f"at ρ = {tanh.lr:g}, so the table's row "
            f"understates the identity on {DATA[d]}"
        )
    return text + ". Without a non-linear hidden unit this network does not learn XOR either. "


def questions(doc: Document, ctx: Context) -> None:
    med = ctx.stats("activation", DEFAULT.activation, "xor").median_epochs_to_100
    doc.add(
        Heading("Questions"),
        Heading("What is the purpose of activation functions?", 2),
        Text(
            "They make the network non-linear, so that its boundary can bend; without them "
            "any number of layers draws one straight boundary and cannot learn XOR."
        ),
        Text(
            f"Measured (Section 4C): with the identity instead of {DEFAULT.activation} the "
            f"network still learns the linear data ({linear_at_100(ctx, NONE)} seeds at "
            "100 %), but on XOR it ends at a mean accuracy of "
            f"{pct(ctx.stats('activation', NONE, 'xor').mean_accuracy)} (@tab:activations, "
            f"@fig:boundaries_noact), while with {DEFAULT.activation} "
            f"{seeds_at_100(ctx.stats('activation', DEFAULT.activation, 'xor'))} seeds end at "
            f"100 % on XOR after {median_phrase(med)}. Why: a layer without activation is "
            "affine, affine maps compose into one affine map, and stacking non-linear units "
            "lets two hidden layers carve out the XOR regions. The output sigmoid has a second "
            "purpose: it turns the score into a probability, which the cross-entropy needs and "
            "the 0.5 threshold classifies."
        ),
        Text(_speed_answer(ctx)),
        *_handout_activations(ctx),
        Heading("What might happen if the learning rate is too large or too small?", 2),
        *_lr_answer(ctx),
        Heading("What is the purpose of weights and biases in a neural network?", 2),
        *_weights_answer(ctx),
    )


def _rise(ctx: Context, exp: str, label: str, data: str, first: int = 20) -> float:
    """The mean loss's largest value in the first epochs over its start (> 1: it rose)."""
    c = ctx.results[exp].curves[label, data]["loss_mean"][:first]
    return float(np.nanmax(c) / c[0]) if np.isfinite(c[0]) else float("nan")


def _lr_answer(ctx: Context) -> list[Text]:
    sgd, adam, hand = (
        ctx.group(e, g) for e, g in (("lr", "sgd"), ("lr", "adam"), ("handout_lr", "handout"))
    )
    s0, s1, a0, a1, h0, h1 = sgd[0], sgd[-1], adam[0], adam[-1], hand[0], hand[-1]
    hand_ok = good_rates(ctx, "handout_lr", "handout", 0.9)
    start = {d: initial_loss(ctx, "lr", [s.label for s in sgd], d) for d in ctx.datasets}
    starts = ", ".join(
        f"{m:.2f} on {DATA[d]} (seeds {lo:.2f}–{hi:.2f})" for d, (m, lo, hi) in start.items()
    )
    risen = {g: rises(ctx, "lr", g) for g in ("sgd", "adam")}
    parts = []
    for g, name in (("sgd", "gradient descent"), ("adam", "Adam")):
        on = risen[g]
        both = [x for x in on[ctx.datasets[0]] if all(x in on[d] for d in ctx.datasets)]
        where = [f"ρ = {listing([f'{x:g}' for x in both])} on both datasets"] if both else []
        where += [
            f"ρ = {listing([f'{x:g}' for x in on[d] if x not in both])} on {DATA[d]} only"
            for d in ctx.datasets
            if any(x not in both for x in on[d])
        ]
        parts.append(f"{name} at {' and '.join(where)}" if where else f"{name} at no rate")
    fine = []
    for g, name in (("sgd", "gradient descent"), ("adam", "Adam")):
        ok = [
            f"{s.x:g}"
            for s in ctx.group("lr", g)
            if any(s.x in risen[g][d] for d in ctx.datasets) and ctx.all_at_100("lr", s.label)
        ]
        if ok:
            fine.append(f"{name} at ρ = {listing(ok)}")
    rose_text = (
        "The mean loss rises above its start within the first 20 epochs for "
        f"{listing(parts)}. "
        + (
            f"A rise alone does not mark a rate as too large: every seed still ends at 100 % "
            f"on both datasets for {listing(fine)}. "
            if fine
            else ""
        )
    )
    return [
        Text(
            "Too small, and the epoch budget runs out before the network fits; too large, and "
            "the steps overshoot, so the loss rises or oscillates and seeds end below 100 %."
        ),
        Text(
            f"Measured (@fig:lr, @fig:lr_curves). The handout's network ({h0.config.epochs} "
            f"epochs): at ρ = {h0.x:g} the mean accuracy is "
            f"{ctx.both('handout_lr', h0.label, accuracy_text)}, at ρ = {h1.x:g} the seeds at "
            f"100 % are {ctx.both('handout_lr', h1.label, seeds_at_100)}, and at least 90 % of "
            f"the seeds end at 100 % {rate_range(hand_ok)}. The default network "
            f"({s0.config.epochs} epochs) with gradient descent: at ρ = {s0.x:g} the mean "
            f"accuracy is {ctx.both('lr', s0.label, accuracy_text)} and the median loss still "
            f"{ctx.both('lr', s0.label, loss_text)}, against a mean initial loss of {starts}; "
            f"at ρ = {s1.x:g} the seeds at 100 % are {ctx.both('lr', s1.label, seeds_at_100)}. "
            f"With Adam at ρ = {a0.x:g} the median loss ends at "
            f"{ctx.both('lr', a0.label, loss_text)} and the seeds at 100 % are "
            f"{ctx.both('lr', a0.label, seeds_at_100)}; at ρ = {a1.x:g} they are "
            f"{ctx.both('lr', a1.label, seeds_at_100)}. {rose_text}"
        ),
        Text(
            "Why: gradient descent moves the weights by ρ times the gradient, so too small a "
            "rate takes small steps ('too small' is relative to the budget of "
            f"{s0.config.epochs} or {h0.config.epochs} epochs), while too large a step jumps "
            "past the minimum along steep directions: the loss rises or oscillates, units "
            "saturate and stop passing gradient, and the weights can blow up. Adam moves each "
            "weight by at most about ρ whatever the gradient's scale, which would explain why "
            "its band differs from gradient descent's; but in @fig:lr gradient descent also "
            f"keeps its rate {s0.config.schedule} while Adam uses {a0.config.schedule} decay. "
            f"{_sgd_cosine(ctx)}With {ctx.seeds} seeds per rate and about three rates per "
            "decade, the edges of these bands are known to within one grid step."
        ),
    ]


def rises(ctx: Context, exp: str, group: str, first: int = 20) -> dict[str, list[float]]:
    """Per dataset, the rates of ``group`` whose mean loss exceeds its start within the
    first ``first`` epochs (``_rise`` > 1)."""
    return {
        d: [s.x for s in ctx.group(exp, group) if _rise(ctx, exp, s.label, d, first) > 1]
        for d in ctx.datasets
    }


def _sgd_cosine(ctx: Context) -> str:
    """The optimizer sweep's gradient descent: the same schedule as Adam, so no confound."""
    r = ctx.results["optimizer"]
    sgd = ctx.group("optimizer", "sgd")
    if not sgd:
        return ""
    ok = good_rates(ctx, "optimizer", "sgd", 0.9)
    return (
        f"The optimizer sweep (Section 6A) runs gradient descent with {sgd[0].config.schedule} "
        "decay, the same schedule as Adam: there at least 90 % of the seeds end at 100 % "
        f"{rate_range(ok)}"
        + (
            ", the same range as at a constant rate, so the schedule does not explain the shift"
            if ok == good_rates(ctx, "lr", "sgd", 0.9)
            else ""
        )
        + f", and its tuned rate is ρ = {r.tuned['sgd'].lr:g}. "
    )


def _weights_answer(ctx: Context) -> list[Text]:
    h1 = ctx.results["hidden"].experiment.settings[0]
    nb = "no bias, centred"
    hand = next(s for s in ctx.results["handout_lr"].experiment.settings if s.x == HANDOUT.lr)
    return [
        Text(
            "The weights are what the network learns: they set the direction and steepness "
            "of each unit's boundary and how the units combine into the decision. The biases "
            "shift those boundaries away from the origin."
        ),
        Text(
            "Measured: with one unit per layer (fewer weights) the seeds at 100 % are "
            f"{ctx.both('hidden', h1.label, seeds_at_100)} (Section 4B); with centred inputs "
            "and no biases the default network cannot learn XOR (mean accuracy "
            f"{pct(ctx.stats('bias', nb, 'xor').mean_accuracy)}, @tab:bias) but still learns "
            f"the linear data, whose boundary runs through the centre "
            f"({seeds_at_100(ctx.stats('bias', nb, 'linear'))} seeds at 100 %)."
        ),
        Text(
            "Why: a hidden unit computes a weighted sum of its inputs, z = aw + b. Without b, "
            "z is 0 where a is 0, so every first-layer boundary passes through the origin of "
            "the centred input plane, and a tanh network becomes an odd function (Section 4D). "
            "Deeper units see the previous layer's outputs: a tanh unit is centred on 0, but a "
            "sigmoid unit's output σ(z) = ½ + (σ(z) − ½) carries a constant ½, and that part, "
            "times the next layer's weights, adds a constant to each unit as a bias would. "
            "The handout's network has no biases but sigmoid hidden units and raw inputs, and "
            f"at ρ = {HANDOUT.lr:g} it ends at 100 % in "
            f"{ctx.both('handout_lr', hand.label, seeds_at_100)} seeds (@tab:networks). "
            "Training changes both weights and biases: gradient descent moves them along −∇L, "
            "Adam along a running mean of −∇L, rescaled per parameter."
        ),
    ]
