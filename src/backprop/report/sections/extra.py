"""Section 6, extra: 6A optimizers (tuned table, sweep, trajectories), 6B activations,
6C convolution.

It is past 300 lines because the handout's section 6 is one section of three parts, each
a table, its figures and the sentences read from them."""

from __future__ import annotations

import numpy as np

from ...experiments import trajectories
from ...lab.cnn import CNN_SIGMA, CNN_SIZE
from ...lab.config import CNN, build_model
from ...optim import OPTIMIZERS
from ..context import (
    DATA,
    Context,
    epochs_text,
    listing,
    pct,
    seeds_at_100,
    stats_cells,
    stats_head,
)
from ..doc import Document, Equations, Heading, Image, Table, Text

ACTIVATION_FORMULAS = {  # text, not maths: a table's superscripts would print under 7 pt
    "none (identity)": "x",
    "sigmoid": "1 / (1 + exp(−x))",
    "tanh": "tanh x",
    "relu": "max(0, x)",
    "leaky_relu": "max(0, x) + 0.01 min(0, x)",
    "elu": "x if x > 0, else exp(x) − 1",
    "gelu": "x/2 · (1 + tanh(√(2/π) (x + 0.044715 x³)))",
    "silu": "x σ(x)",
    "softplus": "ln(1 + exp(x))",
}

UPDATE_RULES = [
    r'"gradient descent: " theta <- theta - rho g, quad "momentum" (mu = 0.9)": " '
    r'v <- mu v + g, thick theta <- theta - rho v, quad "Nesterov: " '
    r"theta <- theta - rho(g + mu v)",
    r'"Adagrad: " s <- s + g^2, thick theta <- theta - rho g / (sqrt(s) + epsilon), quad '
    r'"RMSprop" (alpha = 0.99)": " s <- alpha s + (1 - alpha) g^2, '
    r"thick theta <- theta - rho g / (sqrt(s) + epsilon)",
    r'"AdamW" (lambda = 0.01)": " theta <- theta (1 - rho lambda) "then the Adam step", quad '
    r'"Adadelta" (r = 0.9)": " v <- r v + (1 - r) g^2,',
    r"Delta = sqrt(u + epsilon) / sqrt(v + epsilon) g, thick u <- r u + (1 - r) Delta^2, thick "
    r"theta <- theta - rho Delta",
]
NAMES = {"sgd": "gradient descent"}  # the code's name → the report's


def near_ties(ctx: Context, share: float = 1.05) -> list[str]:
    """Per optimizer, the other rates whose summed median epochs are within ``share`` of
    the tuned rate's, at the same worst share of seeds at 100 %: "rmsprop's ρ = 0.1 ..."."""
    r = ctx.results["optimizer"]
    out = []
    for name, t in r.tuned.items():

        def key(label: str) -> tuple[float, float]:
            st = [ctx.stats("optimizer", label, d) for d in ctx.datasets]
            return min(x.at_100 / x.seeds for x in st), sum(x.median_epochs_to_100 for x in st)

        worst, speed = key(t.setting)
        ties = [
            (s.x, key(s.label)[1])
            for s in ctx.group("optimizer", name)
            if s.label != t.setting
            and key(s.label)[0] == worst
            and np.isfinite(speed)
            and key(s.label)[1] <= share * speed
        ]
        if ties:
            others = " and ".join(f"ρ = {x:g} ({v:g})" for x, v in ties)
            out.append(
                f"{NAMES.get(name, name)}'s tuned ρ = {t.lr:g} (summed median epochs {speed:g}) "
                f"is a near tie with {others}"
            )
    return out


def optimizers(doc: Document, ctx: Context) -> None:
    r = ctx.results["optimizer"]
    tuned = r.tuned
    grid = sorted({s.config.lr for s in r.experiment.settings})
    working = {
        name: [s.x for s in ctx.group("optimizer", name) if ctx.all_at_100("optimizer", s.label)]
        for name in tuned
    }
    rows = []
    for name, t in tuned.items():
        row = [NAMES.get(name, name), f"{t.lr:g}"]
        for d in ctx.datasets:
            row += stats_cells(t.stats[d])
        rows.append([*row, str(len(working[name]))])
    head = ["optimizer", "tuned ρ", *stats_head(ctx.datasets), f"rates that work (of {len(grid)})"]
    total = {
        n: sum(t.stats[d].median_epochs_to_100 for d in ctx.datasets) for n, t in tuned.items()
    }
    fastest, slowest = min(total, key=total.get), max(total, key=total.get)
    widest = max(working, key=lambda n: len(working[n]))
    narrowest = min(working, key=lambda n: len(working[n]))
    edge = {
        n: bool(w) and (np.isclose(w[-1], grid[-1]) or np.isclose(w[0], grid[0]))
        for n, w in working.items()
    }
    cut = [n for n in dict.fromkeys((widest, narrowest)) if edge[n]]
    cut_text = "".join(
        f" The working rates of {NAMES.get(n, n)} reach the grid's "
        f"{'largest' if np.isclose(working[n][-1], grid[-1]) else 'smallest'} rate, so the "
        "count is a lower bound."
        for n in cut
    )
    ties = near_ties(ctx)
    tie_text = (
        " Near ties (within 5 % in summed median epochs) make some choices arbitrary: "
        + "; ".join(ties)
        + "."
        if ties
        else ""
    )
    doc.add(
        Heading("Implement different optimizers", 2),
        Text(
            f"Tuned, {NAMES.get(fastest, fastest)} needs the fewest median epochs to 100 % "
            f"(summed over both datasets) and {NAMES.get(slowest, slowest)} the most; "
            f"{NAMES.get(widest, widest)} works at the most rates of the grid "
            f"({len(working[widest])} of {len(grid)}) and {NAMES.get(narrowest, narrowest)} "
            f"at the fewest ({len(working[narrowest])})."
        ),
        Text(
            f"Besides gradient descent the package implements {len(tuned) - 1} optimizers "
            "with the update rules and defaults of `torch.optim`, except μ = "
            f"{OPTIMIZERS['momentum'].keywords['momentum']:g}, chosen here for momentum and "
            "Nesterov, where torch has no momentum by default. With g = ∇L:"
        ),
        Equations(UPDATE_RULES),
        Text(
            "Each was run on the default network (cosine decay, "
            f"{r.experiment.settings[0].config.epochs} epochs) at the rates {listing(grid)} "
            "and tuned by the rule of Section 5A (@tab:optimizers; @fig:optimizers shows the "
            f"whole grid).{cut_text}{tie_text}"
        ),
        Table(
            "optimizers",
            head,
            rows,
            f"Each optimizer at its tuned rate in the default network ({ctx.seeds} seeds): "
            "seeds at 100 %, median epochs to 100 %, and the number of grid rates at which "
            "every seed ends at 100 % on both datasets.",
            align="lrrrrrr",
        ),
        Image(
            "optimizers",
            ctx.figures["optimizers"],
            "Median epochs to 100 % of each optimizer over the learning-rate grid (★: the "
            "tuned rate), four optimizers per row.",
        ),
    )
    _trajectories(doc, ctx)


def activations(doc: Document, ctx: Context) -> None:
    rows = []
    for s in ctx.results["activation"].experiment.settings:
        row = [s.label, ACTIVATION_FORMULAS.get(s.label, "")]
        for d in ctx.datasets:
            st = ctx.stats("activation", s.label, d)
            row += [*stats_cells(st), pct(st.mean_accuracy)]
        rows.append(row)
    head = ["activation", "f(x)"]
    for d in ctx.datasets:  # stats_head's two cells, then the mean accuracy
        head += [*stats_head([d]), f"{DATA[d]}\nmean acc."]
    doc.add(
        Heading("Implement different activation functions", 2),
        Text(
            "Besides sigmoid and tanh the package implements ReLU, leaky ReLU, ELU, GELU, SiLU "
            "and softplus with PyTorch's formulas and defaults, and the identity; GELU is "
            "PyTorch's `GELU(approximate='tanh')`, not its exact default x Φ(x). Each is a Module "
            "whose backward multiplies the incoming gradient by its derivative (@fig:activations), "
            "checked against finite differences. @tab:activations gives each as the hidden "
            "activation of the default network; the output stays a sigmoid."
        ),
        Image(
            "activations",
            ctx.figures["activations"],
            "Each activation (solid) and its derivative (dashed), from the modules' own "
            "forward and backward.",
        ),
        Table(
            "activations",
            head,
            rows,
            f"Hidden activation in the default network ({ctx.seeds} seeds): seeds at 100 %, "
            "median epochs to 100 % and mean accuracy.",
            align="ll" + "r" * 3 * len(ctx.datasets),
        ),
    )


def _trajectories(doc: Document, ctx: Context) -> None:
    finals, rates = {}, {}
    for name, s in trajectories.SURFACES.items():
        paths = trajectories.optimizer_paths(name)
        rates[name] = s.lrs
        finals[name] = {opt: float(s.f(xy[-1])[0]) for opt, xy in paths.items()}
    names = list(trajectories.SURFACES)
    rows = [
        [NAMES.get(opt, opt)] + [f"{finals[n][opt]:.3g}" for n in names] for opt in finals[names[0]]
    ]
    best = {n: NAMES.get(o, o) for n, o in ((n, min(finals[n], key=finals[n].get)) for n in names)}
    worst = {n: NAMES.get(o, o) for n, o in ((n, max(finals[n], key=finals[n].get)) for n in names)}
    steps = {trajectories.SURFACES[n].steps for n in names}
    doc.add(
        Text(
            "Trajectories (after the handout's reference 1; `backprop animate` draws them). "
            "Every optimizer starts from one point on three 2-D test functions, at rates "
            f"chosen by hand per surface (on the saddle {min(rates['saddle'].values()):g} to "
            f"{max(rates['saddle'].values()):g}), so the order reflects those rates as much as "
            f"the optimizers; @tab:trajectories gives the final value after "
            f"{listing(sorted(steps))} steps. "
            f"{best['saddle'].capitalize()} escapes the saddle furthest and "
            f"{worst['saddle']} least; on "
            f"Beale's function {best['beale']} ends lowest, in Rosenbrock's valley "
            f"{best['rosenbrock']} ends lowest and {worst['rosenbrock']} highest."
        ),
        Table(
            "trajectories",
            ["optimizer"] + [trajectories.SURFACES[n].name for n in names],
            rows,
            "Final value of each test function after the optimizer's steps (lower is better; "
            "the saddle is unbounded below, so lower means it escaped further).",
            align="lrrr",
        ),
    )


def _architecture(model) -> str:
    """The CNN's layers as text, from the modules themselves (shapes from one forward)."""
    x = np.zeros((1, 2))
    parts = []
    for m in model.modules:
        x = m.forward(x)
        name = type(m).__name__
        if name == "Conv2d":
            (kh, kw), (ph, pw) = m.kernel_size, m.padding
            pad = f"{ph}" if ph == pw else f"{ph}×{pw}"
            out = "×".join(map(str, x.shape[1:]))
            parts.append(f"conv {kh}×{kw} ({m.out_channels} channels, padding {pad}, out {out})")
        elif name == "MaxPool2d":
            parts.append(f"max-pool {m.kernel_size} (out {'×'.join(map(str, x.shape[1:]))})")
        elif name == "Flatten":
            parts.append(f"flatten ({x.shape[1]})")
        elif name in ("ReLU", "Sigmoid", "Linear"):
            parts.append(name.lower() if name != "ReLU" else "ReLU")
    return " → ".join(parts)


def _config_phrase(c) -> str:
    """ "adam at ρ = 0.02, constant rate, 60 epochs" from a Config."""
    rate = "constant rate" if c.schedule == "constant" else f"{c.schedule} decay"
    return f"{c.optimizer} at ρ = {c.lr:g}, {rate}, {c.epochs} epochs"


def _cnn_caveat(ctx: Context) -> str:
    """What differs between the CNN and MLP rows of Table cnn besides the model."""
    e = ctx.results["cnn"].experiment
    cnn, mlp = (next(s for s in e.settings if s.config.model == m) for m in ("cnn", "mlp"))
    return (
        f"The rows differ in more than the model (CNN: {_config_phrase(cnn.config)}; MLP: "
        f"{_config_phrase(mlp.config)}), 100 % must hold to the end of a run, which is easier "
        f"over a shorter one, and {len(e.seeds_of(cnn))} seeds make a median coarse: these "
        "medians do not rank the two models. "
    )


def convolution(doc: Document, ctx: Context) -> None:
    r = ctx.results["cnn"]
    cnn_setting = next(s for s in r.experiment.settings if s.config.model == "cnn")
    model = build_model(CNN, rng=np.random.default_rng(0))
    n_params = sum(p.data.size for p in model.parameters())
    rows = []
    for s in r.experiment.settings:
        row = [s.x, str(len(r.experiment.seeds_of(s))), str(s.config.epochs)]
        for d in ctx.datasets:
            row += stats_cells(r.stats(s.label, d))
        rows.append(row)
    head = ["model", "seeds", "epochs", *stats_head(ctx.datasets)]
    doc.add(
        Heading("Implement convolutional layers", 2),
        Text(
            f"The CNN learns both datasets: seeds at 100 % {ctx.both('cnn', 'cnn', seeds_at_100)}"
            f" (@tab:cnn). A convolution needs an image, so each point (x₁, x₂) becomes a "
            f"{CNN_SIZE} × {CNN_SIZE} image of a Gaussian bump centred on it (width "
            f"{CNN_SIGMA:g}, @fig:cnn, left); its layers are in the caption of @tab:cnn. "
            "Conv2d computes it by im2col, one matrix product over the patches of the padded "
            "input X, tested against plain loops and finite differences. With G = ∂L/∂Y:"
        ),
        Equations(
            [
                r"Y_(n,o,i,j) = b_o + sum_c sum_(p,q) W_(o,c,p,q) X_(n,c,i+p,j+q)",
                r"(partial L)/(partial W_(o,c,p,q)) = sum_(n,i,j) G_(n,o,i,j) X_(n,c,i+p,j+q),"
                r" quad (partial L)/(partial X_(n,c,h,w)) = sum_(o,p,q) G_(n,o,h-p,w-q) "
                r"W_(o,c,p,q)",
            ]
        ),
        Text(
            f"The CNN trains one seed at a time, {len(r.experiment.seeds_of(cnn_setting))} "
            f"seeds for {cnn_setting.config.epochs} epochs"
            + (
                f" (the first {cnn_setting.config.epochs} of its preset's {CNN.epochs})"
                if CNN.schedule == "constant"
                else f" (its preset trains {CNN.epochs})"
            )
            + f". Median epochs to 100 %: {ctx.both('cnn', 'cnn', epochs_text)} for the CNN, "
            f"{ctx.both('cnn', 'mlp', epochs_text)} for the MLP. {_cnn_caveat(ctx)}"
            "@fig:cnn (right) is the CNN's output over the plane, each grid point encoded as "
            "an image and classified."
        ),
        Table(
            "cnn",
            head,
            rows,
            f"CNN ({_architecture(model)}; {n_params} parameters) against the default MLP: "
            "seeds at 100 % and median epochs to 100 %.",
            align="lrrrrrr",
        ),
        Image(
            "cnn",
            ctx.figures["cnn"],
            f"The CNN's input for the point (0.3, 0.7), and its XOR decision boundary (seed "
            f"{ctx.lab.seed}).",
        ),
    )


def extra(doc: Document, ctx: Context) -> None:
    doc.add(Heading("Extra"))
    optimizers(doc, ctx)
    activations(doc, ctx)
    convolution(doc, ctx)
