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
from .discussion import NONE, good_rates, rate_range


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
        "The activation also sets the speed. Median epochs to 100 % on XOR in the default "
        f"network (@tab:activations): {judged}; 'clearly' means {CLEAR_RULE}. The textbook "
        "reason for a slow sigmoid, σ′ ≤ 1/4 per layer, is not tested there: Adam divides "
        "each step by the gradient's running root-mean-square, so a constant factor largely "
        "cancels."
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
        f"{ctx.seeds} seeds) with each hidden activation at its rate tuned over the grid "
        f"ρ ∈ {{{', '.join(f'{g:g}' for g in grid)}}}: seeds at 100 %, "
        "median epochs to 100 % and the number of grid rates at which every seed ends at "
        "100 % on both datasets.",
        align="lrrrrrr",
    )
    sig, tanh = tuned["sigmoid"], tuned["tanh"]
    ident = tuned.get("identity")
    text = (
        "The handout's network trains with gradient descent, which does not rescale that "
        "factor. @tab:handout_activations gives it with each hidden activation at its tuned "
        f"rate, the one with {TUNE_RULE}. "
    )
    if ident:
        text += _identity_handout(ctx, ident, tuned["tanh"])
    text += (
        f"Against sigmoid (ρ = {sig.lr:g}), tanh (ρ = {tanh.lr:g}) is "
        + ", ".join(
            f"{_verdict(ctx, 'handout_activation', tanh.setting, sig.setting, d)} faster on "
            f"{DATA[d]}"
            for d in ctx.datasets
        )
        + ". This still does not isolate σ′: tanh is also "
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
    never = [d for d in ctx.datasets if all(v.at_100 == 0 for v in at[d].values())]
    text = "The identity"
    if never:
        text += (
            f" reaches 100 % on {listing([DATA[d] for d in never])} at no rate, so its row's "
            f"ρ = {ident.lr:g} comes from the last tie-break"
        )
    else:
        text += f" is tuned to ρ = {ident.lr:g}"
    for d in (d for d in ctx.datasets if d not in never):
        best = min(
            rows, key=lambda s: (-at[d][s.label].at_100, at[d][s.label].median_epochs_to_100, s.x)
        )
        if np.isclose(best.x, ident.lr):
            continue
        b = at[d][best.label]
        text += (
            f"; on {DATA[d]} alone, ρ = {best.x:g} gives more: {seeds_at_100(b)} seeds at "
            f"100 % (median {fmt_epochs(b.median_epochs_to_100)} epochs)"
        )
    return text + ". "


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
            "Measured in Section 4C: without activation the mean accuracy on XOR is "
            f"{pct(ctx.stats('activation', NONE, 'xor').mean_accuracy)} (@tab:activations); "
            f"with {DEFAULT.activation}, "
            f"{seeds_at_100(ctx.stats('activation', DEFAULT.activation, 'xor'))} seeds end at "
            f"100 % after {median_phrase(med, ctx.seeds)}. Affine maps compose into one "
            "affine map; non-linear units let two hidden layers carve out the XOR regions. "
            "The output "
            "sigmoid also turns the score into a probability for the cross-entropy."
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
    s0, s1, a1, h0, h1 = sgd[0], sgd[-1], adam[-1], hand[0], hand[-1]
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
            f"Measured (@fig:lr, @tab:rates): on the default network with gradient descent at "
            f"ρ = {s0.x:g} the median loss is still {ctx.both('lr', s0.label, loss_text)} after "
            f"{s0.config.epochs} epochs, and at ρ = {s1.x:g} the "
            f"seeds at 100 % are {ctx.both('lr', s1.label, seeds_at_100)}; with Adam at "
            f"ρ = {a1.x:g} they are {ctx.both('lr', a1.label, seeds_at_100)}, and on the "
            f"handout's network at ρ = {h1.x:g} {ctx.both('handout_lr', h1.label, seeds_at_100)}. "
            f"{rose_text}"
        ),
        Text(
            "Why: gradient descent moves the weights by ρ times the gradient, so a small rate "
            f"takes steps too small for a budget of {s0.config.epochs} or {h0.config.epochs} "
            "epochs, while a large one jumps past the minimum along steep directions: the loss "
            "rises or oscillates, units saturate and stop passing gradient, weights can blow "
            "up. Adam moves each weight by at most about ρ whatever the gradient's scale, which "
            "could explain its different band. But in @fig:lr the two also differ in "
            f"schedule (gradient descent {s0.config.schedule}, Adam {a1.config.schedule}). "
            f"{_sgd_cosine(ctx)}"
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
        f"So Section 6A reruns gradient descent with {sgd[0].config.schedule} decay; it works "
        f"(90 % of the seeds) {rate_range(ok)}"
        + (
            ", as at a constant rate, so the schedule does not explain the shift"
            if ok == good_rates(ctx, "lr", "sgd", 0.9)
            else ""
        )
        + f"; its tuned rate there is ρ = {r.tuned['sgd'].lr:g}. "
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
            f"{ctx.both('hidden', h1.label, seeds_at_100)} (Section 4B); without biases, on "
            "centred inputs, XOR fails (mean accuracy "
            f"{pct(ctx.stats('bias', nb, 'xor').mean_accuracy)}, @tab:bias) while the linear "
            "data, whose boundary runs through the centre, is learned "
            f"({seeds_at_100(ctx.stats('bias', nb, 'linear'))} seeds at 100 %)."
        ),
        Text(
            "Why: a unit computes z = aw + b. Without b, z is 0 where a is 0, so every "
            "first-layer boundary passes through the origin of the centred input plane, and a "
            "tanh network becomes an odd function (Section 4D). A sigmoid unit's output "
            "σ(z) = ½ + (σ(z) − ½) carries a constant ½, and that part, times the next layer's "
            "weights, acts as a bias would. The handout's network has no biases but sigmoid "
            f"units and raw inputs, and ends at 100 % in "
            f"{ctx.both('handout_lr', hand.label, seeds_at_100)} seeds at ρ = {HANDOUT.lr:g} "
            "(@tab:networks). Training changes both: gradient descent along −∇L, Adam along a "
            "running mean of −∇L rescaled per parameter."
        ),
    ]
