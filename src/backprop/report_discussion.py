"""The report's text, sections 4 (discussion) and 5 (questions), from the results."""

from __future__ import annotations

from .config import DEFAULT, HANDOUT
from .data import load
from .report_doc import Bullets, Document, Heading, Image, Table, Text
from .report_text import DATA, Context, ep, listing, median_phrase, pct, seeds_at_100

NONE = "none (identity)"


def discussion(doc: Document, ctx: Context) -> None:
    doc.add(Heading("4 Discussion"))
    _learning_rates(doc, ctx)
    _hidden_units(doc, ctx)
    _without_activation(doc, ctx)
    _more(doc, ctx)


def _good_rates(ctx: Context, exp: str, group: str, share: float) -> list:
    return [s.x for s in ctx.group(exp, group) if ctx.all_at_100(exp, s.label, share)]


def _lr_regimes(ctx: Context, exp: str, group: str, name: str) -> list[str]:
    settings = ctx.group(exp, group)
    small, large = settings[0], settings[-1]
    everyone, most = _good_rates(ctx, exp, group, 1.0), _good_rates(ctx, exp, group, 0.9)
    best = ctx.fastest(exp, settings)
    good = (
        f"every seed reaches 100 % on both datasets at ρ = {listing(everyone)}"
        if everyone
        else f"no rate brings every seed to 100 % on both datasets within {small.config.epochs} "
        "epochs"
    )
    if most and most != everyone:
        good += f", and at least 90 % of the seeds do at ρ = {listing(most)}"
    return [
        f"{name}, too small: at ρ = {small.x:g}, after {small.config.epochs} epochs, the mean "
        f"accuracy is {ctx.both(exp, small.label, 'mean_accuracy')}; seeds at 100 %: "
        f"{ctx.both(exp, small.label, 'at_100')}; median final loss: "
        f"{ctx.both(exp, small.label, 'median_final_loss')}.",
        f"{name}, good: {good}. The fastest is ρ = {best.x:g} (median epochs to 100 %: "
        f"{ctx.both(exp, best.label, 'median_epochs_to_100')}).",
        f"{name}, too large: at ρ = {large.x:g}, seeds at 100 %: "
        f"{ctx.both(exp, large.label, 'at_100')} (mean accuracy "
        f"{ctx.both(exp, large.label, 'mean_accuracy')}).",
    ]


def _learning_rates(doc: Document, ctx: Context) -> None:
    lr = ctx.results["lr"].experiment
    hand = ctx.results["handout_lr"].experiment
    epochs = lr.settings[0].config.epochs
    hand_epochs = hand.settings[0].config.epochs
    doc.add(
        Heading("A. Try different learning rates", 2),
        Text(
            f"Figures @fig:lr_outcome and @fig:lr_curves train the default network for {epochs} "
            f"epochs at learning rates from {lr.settings[0].x:g} to {lr.settings[-1].x:g}: with "
            "plain gradient descent at a constant rate (the handout's update rule) and with "
            f"Adam (cosine decay, the default). The {len(lr.settings)} × {ctx.seeds} runs of a "
            "dataset train as two stacked computations, one per optimizer, with one learning "
            "rate per model. Three regimes appear:"
        ),
        Bullets(_lr_regimes(ctx, "lr", "sgd", "Gradient descent")
                + _lr_regimes(ctx, "lr", "adam", "Adam")),
        Image("lr_outcome", [ctx.figures["lr"]["outcome"]],
              f"Learning rate against accuracy after {epochs} epochs (mean, band: min–max over "
              f"{ctx.seeds} seeds) and epochs to 100 % (median, bars: quartiles; 'never' = not "
              "within the epochs), for gradient descent and Adam.", 0.92),
        Image("lr_curves", [ctx.figures["lr"]["learning_curves"]],
              "Loss curves per learning rate (mean over seeds, band: min–max). Small rates "
              "(dark) barely move; large rates (yellow) jump up in the first epochs.", 0.92),
        Text(
            "The handout's own network (sigmoid everywhere, no biases, mean squared error, "
            f"gradient descent) needs far larger rates (Figure @fig:handout_lr_outcome, "
            f"{hand_epochs} epochs; its preset trains {HANDOUT.epochs}). Its gradient passes "
            "through three sigmoids (each σ' ≤ 1/4) and the squared error adds a factor "
            f"ŷ(1 − ŷ), so its gradients are small and ρ = {HANDOUT.lr:g} is a moderate step "
            "for it:"
        ),
        Bullets(_lr_regimes(ctx, "handout_lr", "handout", "Handout network")),
        Image("handout_lr_outcome", [ctx.figures["handout_lr"]["outcome"]],
              f"The handout's network: learning rate against accuracy and epochs to 100 % "
              f"({hand_epochs} epochs, {ctx.seeds} seeds).", 0.92),
    )  # fmt: skip


def _hidden_units(doc: Document, ctx: Context) -> None:
    settings = ctx.results["hidden"].experiment.settings
    ok = [s for s in settings if ctx.all_at_100("hidden", s.label)]
    enough = next((s for i, s in enumerate(settings) if all(t in ok for t in settings[i:])), None)
    one, two = settings[0], settings[1]
    text = (
        "Figures @fig:hidden_outcome and @fig:hidden_curves vary the number of units h in "
        f"each hidden layer from {settings[0].x} to {settings[-1].x} (default network "
        "otherwise). With one unit per layer the seeds at 100 % are "
        f"{ctx.both('hidden', one.label, 'at_100')} (mean accuracy "
        f"{ctx.both('hidden', one.label, 'mean_accuracy')}): one tanh unit draws the straight "
        "boundary the linear data needs, but XOR needs a bent one. With two units they are "
        f"{ctx.both('hidden', two.label, 'at_100')}."
    )
    if enough:
        tail = settings[settings.index(enough) :]
        spans = {
            d: [ctx.stats("hidden", s.label, d)["median_epochs_to_100"] for s in tail]
            for d in ctx.datasets
        }
        text += (
            f" From h = {enough.x} on, every seed reaches 100 % on both datasets, and more "
            f"units change little: the median epochs to 100 % for h = {enough.x} … "
            f"{settings[-1].x} stay within "
            + " and ".join(f"{min(v):g}–{max(v):g} ({DATA[d]})" for d, v in spans.items())
            + ", while the work per epoch grows with h² (the h × h middle layer)."
        )
    doc.add(
        Heading("B. Try different numbers of hidden units", 2),
        Text(text),
        Image("hidden_outcome", [ctx.figures["hidden"]["outcome"]],
              f"Hidden units per layer against accuracy and epochs to 100 % ({ctx.seeds} seeds).",
              0.92),
        Image("hidden_curves", [ctx.figures["hidden"]["learning_curves"]],
              "Loss curves per number of hidden units (mean, band: min–max over seeds).", 0.92),
    )  # fmt: skip


def _linear_at_100(ctx: Context, label: str) -> str:
    return seeds_at_100(ctx.stats("activation", label, "linear"))


def majority(data: str) -> float:
    """The share of the larger class: what a constant prediction gets right."""
    _, y = load(data, 0)
    return float(max(y.mean(), 1 - y.mean()))


def _without_activation(doc: Document, ctx: Context) -> None:
    others = [s for s in ctx.results["activation"].experiment.settings if s.label != NONE]
    all_ok = [s.label for s in others if ctx.all_at_100("activation", s.label)]
    tail = (
        f"With each of the {len(others)} activations every seed reaches 100 % on both datasets."
        if len(all_ok) == len(others)
        else "With an activation, every seed reaches 100 % on both datasets for "
        + (listing(all_ok) if all_ok else "none of them")
        + "."
    )
    doc.add(
        Heading("C. Try without activation functions", 2),
        Text(
            "Replacing tanh by the identity in both hidden layers leaves three linear layers "
            "in a row, and a product of linear maps is linear: the network computes "
            "σ(XW + b) with W = W₁W₂W₃, a logistic regression with a straight boundary. "
            "Figure @fig:activation_outcome (first column) and Figure @fig:boundaries_noact "
            "show it: without activation the network still separates the linear data "
            f"({_linear_at_100(ctx, NONE)} seeds at 100 %), but on XOR it ends at "
            f"a mean accuracy of {pct(ctx.stats('activation', NONE, 'xor')['mean_accuracy'])} "
            f"(the larger class alone is {pct(majority('xor'))} of the points), and its "
            f"boundary is a straight line. {tail}"
        ),
        Image("activation_outcome", [ctx.figures["activation"]["outcome"]],
              f"Hidden activation ('none' = identity) against accuracy and epochs to 100 % "
              f"({ctx.seeds} seeds).", 0.92),
        Image("boundaries_noact", ctx.extra["boundaries"],
              f"XOR decision boundaries (seed {ctx.lab.seed}): the default network (left), "
              "without activation (middle), and without biases (right, Section 4D).", 1.0),
    )  # fmt: skip


def _row(ctx: Context, exp: str, label: str) -> list[str]:
    out = []
    for d in ctx.datasets:
        st = ctx.stats(exp, label, d)
        out += [seeds_at_100(st), ep(st["median_epochs_to_100"])]
    return out


def _head(ctx: Context, first: list[str]) -> list[str]:
    out = list(first)
    for d in ctx.datasets:
        out += [f"{DATA[d]}\nat 100 %", f"{DATA[d]}\nmedian epochs"]
    return out


def _more(doc: Document, ctx: Context) -> None:
    nb, raw = "no bias, centred", "no bias, raw [0,1]"
    hand = next(s for s in ctx.results["handout_lr"].experiment.settings if s.x == HANDOUT.lr)
    default = next(s for s in ctx.results["hidden"].experiment.settings if s.x == DEFAULT.hidden[0])
    networks = [
        [f"handout (σ, MSE, SGD ρ = {HANDOUT.lr:g})", str(hand.config.epochs),
         *_row(ctx, "handout_lr", hand.label)],
        [f"default (tanh, BCE, Adam ρ = {DEFAULT.lr:g})", str(default.config.epochs),
         *_row(ctx, "hidden", default.label)],
    ]  # fmt: skip
    bias = ctx.results["bias"].experiment.settings
    doc.add(
        Heading("D. Anything you want to share", 2),
        Text(
            "Biases and centred inputs. The default network centres its inputs, (x − 0.5) / "
            "0.25, and has biases; Table @tab:bias removes each. Without biases and with "
            "centred inputs the network fails on XOR (mean accuracy "
            f"{pct(ctx.stats('bias', nb, 'xor')['mean_accuracy'])}): tanh is odd, so a network "
            "without biases is odd too, score(−x) = −score(x), and the centred XOR points come "
            "in pairs x and −x with the same label — at most one of each pair can be right "
            "(Figure @fig:boundaries_noact, right). With raw inputs in [0, 1] the pairs are not "
            "symmetric about the origin, and the network without biases reaches 100 % on XOR "
            f"in {seeds_at_100(ctx.stats('bias', raw, 'xor'))} seeds. With biases, centring "
            "changes the median epochs to 100 % from "
            f"{ctx.both('bias', 'bias, raw [0,1]', 'median_epochs_to_100')} (raw) to "
            f"{ctx.both('bias', 'bias, centred', 'median_epochs_to_100')} (centred)."
        ),
        Table("bias", _head(ctx, ["network"]), [[s.label, *_row(ctx, "bias", s.label)]
              for s in bias], f"Biases and input centring ({ctx.seeds} seeds): seeds at 100 % "
              "and median epochs to 100 %."),
        Text(
            "The handout's network against the default. Table @tab:networks compares the two "
            f"over the same {ctx.seeds} seeds. Median epochs to 100 %: default network "
            f"{ctx.both('hidden', default.label, 'median_epochs_to_100')}; handout's network "
            f"{ctx.both('handout_lr', hand.label, 'median_epochs_to_100')}. In the handout's "
            "network, sigmoid hidden units (σ' ≤ 1/4) and the squared error shrink the "
            "gradients, and without biases every first-layer boundary passes through the corner "
            "(0, 0)."
        ),
        Table("networks", _head(ctx, ["network", "epochs"]), networks,
              "The handout's network and the default network: seeds at 100 % and median "
              "epochs to 100 %."),
    )  # fmt: skip


def questions(doc: Document, ctx: Context) -> None:
    act = ctx.results["activation"].experiment.settings
    fast = min(act, key=lambda s: ctx.stats("activation", s.label, "xor")["median_epochs_to_100"])
    med = {s.label: ctx.stats("activation", s.label, "xor")["median_epochs_to_100"] for s in act}
    doc.add(
        Heading("5 Questions"),
        Heading("A. What is the purpose of activation functions?", 2),
        Text(
            "They make the network non-linear. A layer without one is affine, and affine maps "
            "compose into one affine map, so without activations any number of layers draws a "
            "single straight boundary. Section 4C measured this: with the identity instead of "
            "tanh the network still learns the linear data "
            f"({_linear_at_100(ctx, NONE)} seeds at 100 %), but on XOR it stays at "
            "a mean accuracy of "
            f"{pct(ctx.stats('activation', NONE, 'xor')['mean_accuracy'])} (Figures "
            "@fig:activation_outcome and @fig:boundaries_noact), while with tanh "
            f"{seeds_at_100(ctx.stats('activation', 'tanh', 'xor'))} seeds reach 100 % on XOR, "
            f"after {median_phrase(med['tanh'])}. Stacking non-linear units lets the boundary "
            "bend: two hidden layers of tanh units carve out the XOR regions. The output "
            "sigmoid has a second purpose: it turns the score into a probability in (0, 1), "
            "which the cross-entropy loss needs and the 0.5 threshold classifies. The "
            "activation's derivative also sets how fast the network learns: with sigmoid "
            f"(σ' ≤ 1/4) XOR needed {median_phrase(med['sigmoid'])}, with {fast.label} "
            f"{median_phrase(med[fast.label])} (Table @tab:activations)."
        ),
        Heading("B. What might happen if the learning rate is too large or too small?", 2),
        Text(_lr_answer(ctx)),
        Heading("C. What is the purpose of weights and biases in a neural network?", 2),
        Text(_weights_answer(ctx)),
    )  # fmt: skip


def _lr_answer(ctx: Context) -> str:
    sgd, adam, hand = (ctx.group(e, g) for e, g in
                       (("lr", "sgd"), ("lr", "adam"), ("handout_lr", "handout")))  # fmt: skip
    s0, s1, a1, h0, h1 = sgd[0], sgd[-1], adam[-1], hand[0], hand[-1]
    ranges = {
        name: _good_rates(ctx, exp, group, 0.9)
        for name, exp, group in (("gradient descent", "lr", "sgd"), ("Adam", "lr", "adam"),
                                 ("the handout's network", "handout_lr", "handout"))
    }  # fmt: skip
    works = "; ".join(
        f"{name} {f'{r[0]:g} to {r[-1]:g}' if r else 'none'}" for name, r in ranges.items()
    )
    return (
        "Every step moves the weights by ρ times the gradient. Too small a rate makes the "
        "steps tiny: the loss falls slowly and the epoch budget runs out before the network "
        f"fits. Gradient descent at ρ = {s0.x:g} ends after {s0.config.epochs} epochs at a mean "
        f"accuracy of {ctx.both('lr', s0.label, 'mean_accuracy')}, with seeds at 100 %: "
        f"{ctx.both('lr', s0.label, 'at_100')}, and a loss still at "
        f"{ctx.both('lr', s0.label, 'median_final_loss')}; it starts near 0.69 (Figures "
        "@fig:lr_outcome and @fig:lr_curves). The handout's network at ρ = "
        f"{h0.x:g}, after {h0.config.epochs} epochs, has seeds at 100 %: "
        f"{ctx.both('handout_lr', h0.label, 'at_100')} (Figure @fig:handout_lr_outcome). Too "
        "large a rate overshoots: a step jumps past the minimum along steep directions, so "
        "the loss rises and oscillates instead of falling (the yellow curves of Figure "
        "@fig:lr_curves), tanh and sigmoid units saturate and stop passing gradient, and the "
        "weights can blow up. Seeds at 100 % at the largest rates: gradient descent at "
        f"ρ = {s1.x:g} {ctx.both('lr', s1.label, 'at_100')}; Adam at ρ = {a1.x:g} "
        f"{ctx.both('lr', a1.label, 'at_100')} (mean accuracy "
        f"{ctx.both('lr', a1.label, 'mean_accuracy')}); the handout's network at ρ = {h1.x:g} "
        f"{ctx.both('handout_lr', h1.label, 'at_100')}. In between lies a range "
        "that works, and the fastest rate sits towards its upper end (Figure "
        "@fig:lr_outcome). The range depends on the network, the loss and the optimizer. "
        f"Rates at which at least 90 % of the seeds reach 100 %: {works}. Adam "
        "normalises its step, so it needs smaller rates than gradient descent (Table "
        "@tab:optimizers lists every optimizer's tuned rate)."
    )


def _weights_answer(ctx: Context) -> str:
    h1 = ctx.results["hidden"].experiment.settings[0]
    nb = "no bias, centred"
    return (
        "The weights are what the network learns: each hidden unit computes a weighted sum "
        "of its inputs, the weights set the direction and steepness of that unit's "
        "boundary, and the next layer's weights decide how the units' outputs combine into "
        "the final decision, which is how two layers bend a boundary around the XOR "
        "classes. More units mean more weights and a more flexible boundary: with one unit "
        f"per layer the seeds at 100 % are {ctx.both('hidden', h1.label, 'at_100')} (Figure "
        "@fig:hidden_outcome) — the linear data needs only one straight boundary, XOR more. "
        "A bias shifts a unit's boundary: without it, z = xw is zero on a line through the "
        "origin whatever w is, so every unit's boundary passes through the origin. With "
        "centred inputs and no biases the default network cannot learn XOR (mean accuracy "
        f"{pct(ctx.stats('bias', nb, 'xor')['mean_accuracy'])}, Table @tab:bias, Figure "
        "@fig:boundaries_noact) because it becomes an odd function of its input; the linear "
        "data, whose boundary runs through the centre, needs no bias "
        f"({seeds_at_100(ctx.stats('bias', nb, 'linear'))} seeds at 100 %). In short, weights "
        "choose the orientation and mixing of features, biases their position and "
        "thresholds, and training moves both along −∇L."
    )


def extra(doc: Document, ctx: Context) -> None:
    from .report_extra import activations, convolution, optimizers

    doc.add(Heading("6 Extra"))
    optimizers(doc, ctx)
    activations(doc, ctx)
    convolution(doc, ctx)
