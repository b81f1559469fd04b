"""Section 6, extra: 6A optimizers (tuned table, sweep, trajectories), 6B activations,
6C convolution.

It is past 300 lines because the handout's section 6 is one section of three parts, each
a table, its figures and the sentences read from them."""

from __future__ import annotations

import numpy as np

from ...experiments import trajectories
from ...experiments.results import TUNE_RULE
from ...lab.cnn import CNN_SIGMA, CNN_SIZE
from ...lab.config import CNN, build_model
from ...optim import DEFAULT_LR
from ..context import (
    DATA,
    Context,
    epochs_text,
    fmt_epochs,
    listing,
    seeds_at_100,
    stats_cells,
    stats_head,
)
from ..doc import Document, Equations, Heading, Image, Table, Text

ACTIVATION_FORMULAS = {
    "none (identity)": "x",
    "sigmoid": "1 / (1 + e^(−x))",
    "tanh": "tanh x",
    "relu": "max(0, x)",
    "leaky_relu": "max(0, x) + 0.01 min(0, x)",
    "elu": "x if x > 0, else e^x − 1",
    "gelu": "½x (1 + tanh(√(2/π) (x + 0.044715 x³)))",
    "silu": "x σ(x)",
    "softplus": "ln(1 + e^x)",
}

SURFACE_NAMES = {
    "saddle": "the saddle f = x² − y²",
    "beale": "Beale's function",
    "rosenbrock": "Rosenbrock's function",
}
UPDATE_RULES = [
    r"$\mathrm{SGD:}\ \ \theta \leftarrow \theta - \rho\,g \qquad "
    r"\mathrm{momentum\ (\mu = 0.9):}\ \ v \leftarrow \mu v + g,\ \ \theta \leftarrow "
    r"\theta - \rho\,v \qquad \mathrm{Nesterov:}\ \ \theta \leftarrow \theta - \rho\,"
    r"(g + \mu v)$",
    r"$\mathrm{Adagrad:}\ \ s \leftarrow s + g^2,\ \ \theta \leftarrow \theta - \rho\,"
    r"\dfrac{g}{\sqrt{s} + \epsilon} \qquad \mathrm{RMSprop\ (\alpha = 0.99):}\ \ "
    r"s \leftarrow \alpha s + (1 - \alpha)\,g^2,\ \ \theta \leftarrow \theta - \rho\,"
    r"\dfrac{g}{\sqrt{s} + \epsilon}$",
    r"$\mathrm{AdamW\ (\lambda = 0.01):}\ \ \theta \leftarrow \theta\,(1 - \rho\lambda)"
    r"\ \ \mathrm{then\ the\ Adam\ step\ of\ Section\ 2C}$",
    r"$\mathrm{Adadelta\ (r = 0.9):}\ \ v \leftarrow r v + (1 - r)\,g^2,\ \ "
    r"\Delta = \dfrac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}}\,g,\ \ u \leftarrow r u + "
    r"(1 - r)\,\Delta^2,\ \ \theta \leftarrow \theta - \rho\,\Delta$",
]


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
        row = [name, f"{t.lr:g}"]
        for d in ctx.datasets:
            row += [fmt_epochs(t.stats[d].median_epochs_to_100), seeds_at_100(t.stats[d])]
        rows.append([*row, str(len(working[name]))])
    head = ["optimizer", "tuned ρ"]
    for d in ctx.datasets:
        head += [f"{DATA[d]}\nmedian epochs", f"{DATA[d]}\nat 100 %"]
    head.append(f"rates that\nwork (of {len(grid)})")
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
        f" The working rates of {n} reach the grid's "
        f"{'largest' if np.isclose(working[n][-1], grid[-1]) else 'smallest'} rate, so the grid "
        "cuts its range off and the count is a lower bound."
        for n in cut
    )
    differ = [
        f"{n} ({DEFAULT_LR[n]:g} → {t.lr:g})"
        for n, t in tuned.items()
        if n in DEFAULT_LR and not np.isclose(DEFAULT_LR[n], t.lr)
    ]
    doc.add(
        Heading("A. Implement different optimizers", 2),
        Text(
            f"Besides plain gradient descent the package implements {len(tuned) - 1} "
            "optimizers, momentum, Nesterov momentum, Adagrad, RMSprop, Adam, AdamW and "
            "Adadelta, with torch.optim's update rules and defaults. Each optimizer sees only "
            "(parameter, gradient) pairs and keeps its own "
            "state; a learning rate may be one value per model of a stack. With g = ∇L:"
        ),
        Equations(UPDATE_RULES, size=10),
        Text(
            "Each optimizer was tuned on the default network (cosine decay, "
            f"{r.experiment.settings[0].config.epochs} epochs) over the rates "
            f"{listing(grid)} ({ctx.seeds} seeds each, one stacked run per optimizer and "
            f"dataset). Its tuned rate is the one with {TUNE_RULE} (results.tune; Table "
            "@tab:optimizers; Figure @fig:optimizer_outcome shows the whole sweep with stars at "
            "the tuned rates, Figure @fig:optimizer_curves the loss at those rates). Tuned, by "
            f"the summed median epochs to 100 %, the fastest is {fastest} and the slowest "
            f"{slowest}. Counting the grid rates at which every seed ends at 100 % on both "
            f"datasets, the range is widest for {widest} ({len(working[widest])} of {len(grid)} "
            f"rates) and narrowest for {narrowest} ({len(working[narrowest])}).{cut_text} "
            + (
                f"The rates `backprop train --optimizer` uses by default (optim.DEFAULT_LR) "
                f"differ from these for {', '.join(differ)}."
                if differ
                else "They agree with optim.DEFAULT_LR, the rates `backprop train "
                "--optimizer` uses."
            )
        ),
        Table(
            "optimizers",
            head,
            rows,
            f"Each optimizer at its tuned learning rate in the default network ({ctx.seeds} "
            "seeds): median epochs to 100 %, seeds at 100 %, and the number of grid rates at "
            "which every seed ends at 100 % on both datasets.",
            align="lrrrrrr",
        ),
        Image(
            "optimizer_outcome",
            [ctx.figures["optimizer"]["outcome"]],
            "Every optimizer over the learning-rate grid: mean accuracy after training and "
            "median epochs to 100 % (★ = tuned rate).",
            0.95,
        ),
        Image(
            "optimizer_curves",
            [ctx.figures["optimizer"]["learning_curves"]],
            "Loss of each optimizer at its tuned learning rate (mean, band: min–max over seeds).",
            0.92,
        ),
    )
    _trajectories(doc, ctx)


def activations(doc: Document, ctx: Context) -> None:
    rows = []
    for s in ctx.results["activation"].experiment.settings:
        row = [s.label, ACTIVATION_FORMULAS.get(s.label, "")]
        for d in ctx.datasets:
            row += stats_cells(ctx.stats("activation", s.label, d))
        rows.append(row)
    head = ["activation", "f(x)", *stats_head(ctx.datasets)]
    doc.add(
        Heading("B. Implement different activation functions", 2),
        Text(
            "Besides sigmoid and tanh, the package implements ReLU, leaky ReLU, ELU, GELU, SiLU "
            "and softplus with PyTorch's formulas and defaults, and the identity. The one "
            "exception is GELU: PyTorch's default is the exact form x Φ(x) (with the error "
            "function), ours is its tanh approximation, PyTorch's GELU(approximate='tanh'), "
            "whose formula is in Table @tab:activations. Each is a Module whose backward "
            "multiplies the incoming gradient by its "
            "derivative (Figure @fig:activations), checked against finite differences and "
            "written to stay finite for inputs of ±1e4. Table @tab:activations gives each in "
            "the default network (hidden layers only; the output stays a sigmoid), and Figure "
            "@fig:activation_outcome in Section 4C plots the same results."
        ),
        Image(
            "activations",
            [ctx.extra["activations"]],
            "Every activation (solid) and its derivative (dashed), computed by the modules' "
            "own forward and backward.",
            0.85,
        ),
        Table(
            "activations",
            head,
            rows,
            f"Hidden activation in the default network ({ctx.seeds} seeds): seeds at 100 % "
            "and median epochs to 100 %.",
            align="llrrrr",
        ),
    )


def _trajectories(doc: Document, ctx: Context) -> None:
    finals, rates = {}, {}
    for name, s in trajectories.SURFACES.items():
        paths = trajectories.optimizer_paths(name)
        rates[name] = s.lrs
        finals[name] = {opt: float(s.f(xy[-1])[0]) for opt, xy in paths.items()}
    names = list(trajectories.SURFACES)
    rows = [[opt] + [f"{finals[n][opt]:.3g}" for n in names] for opt in finals[names[0]]]
    best = {n: min(finals[n], key=finals[n].get) for n in names}
    worst = {n: max(finals[n], key=finals[n].get) for n in names}
    doc.add(
        Text(
            "Trajectories. In the spirit of the handout's reference 1 (Alec Radford's "
            "animations), Figures @fig:traj_saddle, @fig:traj_beale and @fig:traj_rosenbrock "
            "start every optimizer from the same point on three 2-D test functions (the "
            "animated versions come from `backprop animate`); Table @tab:trajectories gives "
            "where each ends. Each optimizer's rate was chosen by hand for each surface (the "
            "legends give them; on the saddle they range from "
            f"{min(rates['saddle'].values()):g} to {max(rates['saddle'].values()):g}), so the "
            "order below reflects those choices as much as the optimizers, and the paths "
            "illustrate the update rules rather than rank them. With these rates: on the "
            "saddle, where lower means further from the saddle point, "
            f"{best['saddle']} ends lowest and {worst['saddle']} highest; the lowest final "
            f"value on Beale's function is reached by {best['beale']}, in Rosenbrock's curved "
            f"valley by {best['rosenbrock']}, and the highest there by {worst['rosenbrock']}."
        ),
        Table(
            "trajectories",
            ["optimizer"] + [trajectories.SURFACES[n].name for n in names],
            rows,
            "Value of each test function after the optimizer's steps (lower is better; "
            "the saddle is unbounded below, so lower means it escaped further).",
            align="lrrr",
        ),
    )
    for path, name in zip(ctx.extra["trajectories"], names):
        s = trajectories.SURFACES[name]
        doc.add(
            Image(
                f"traj_{name}",
                [path],
                f"Optimizer paths on {SURFACE_NAMES.get(name, name)} ({s.steps} steps; "
                "each optimizer's rate in "
                "the legend, chosen per surface).",
                0.66,
            )
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
        f"The two rows differ in more than the model: the CNN trains with "
        f"{_config_phrase(cnn.config)} over {len(e.seeds_of(cnn))} seeds, the MLP with "
        f"{_config_phrase(mlp.config)} over {len(e.seeds_of(mlp))} seeds. Epochs to 100 % "
        "needs 100 % to hold to the end of the run, which is easier over a shorter run, and "
        f"{len(e.seeds_of(cnn))} seeds make a median coarse, so these medians do not rank "
        "the two models. "
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
        Heading("C. Implement convolutional layers", 2),
        Text(
            "A convolution needs an image, so each point (x₁, x₂) becomes a "
            f"{CNN_SIZE} × {CNN_SIZE} image of a Gaussian bump centred on it (width "
            f"{CNN_SIGMA:g}, Figure @fig:cnn, left). The encoding has an exact backward, so "
            "the CNN is one Sequential with the MLP's input and output, and fit, test and the "
            f"plots work on it unchanged. Architecture: {_architecture(model)}, {n_params} "
            "parameters in all. Conv2d (and Conv1d) compute the convolution by im2col: a "
            "strided sliding-window view of the padded input becomes the matrix X_col whose "
            "columns are the k×k×C patches, one matrix product with the weights gives every "
            "output, and the backward "
            "multiplies by the transposes and scatters the patch gradients back (col2im, one "
            "strided addition per kernel offset). Both directions are tested against plain "
            "loops and finite differences (X is the zero-padded input):"
        ),
        Equations(
            [
                r"$Y_{n,o,i,j} = b_o + \sum_{c}\sum_{p,q} W_{o,c,p,q}\,X_{n,c,i+p,j+q}$",
                r"$\dfrac{\partial L}{\partial W_{o,c,p,q}} = \sum_{n,i,j} G_{n,o,i,j}\,"
                r"X_{n,c,i+p,j+q}, \qquad \dfrac{\partial L}{\partial X_{n,c,h,w}} = "
                r"\sum_{o,p,q} G_{n,o,h-p,w-q}\,W_{o,c,p,q}$",
            ],
            size=10.5,
        ),
        Text(
            "The CNN has no stack axis, so it trains one seed at a time: "
            f"{len(r.experiment.seeds_of(cnn_setting))} seeds for {cnn_setting.config.epochs} "
            + (
                f"epochs (its preset trains {CNN.epochs} at a constant rate, so these are the "
                "preset's first epochs)"
                if CNN.schedule == "constant"
                else f"epochs (its preset trains {CNN.epochs})"
            )
            + ", against the default MLP over "
            f"{len(r.experiment.seeds)} seeds (Table @tab:cnn, Figure @fig:cnn_curves). "
            f"Seeds at 100 %: {ctx.both('cnn', 'cnn', seeds_at_100)}; median epochs to 100 %: "
            f"{ctx.both('cnn', 'cnn', epochs_text)}, against the MLP's "
            f"{ctx.both('cnn', 'mlp', epochs_text)}. {_cnn_caveat(ctx)}"
            "Its boundary (Figure @fig:cnn, "
            "right) is drawn in the blurred-pixel space of the encoding rather than from "
            "straight cuts of the plane."
        ),
        Table(
            "cnn",
            head,
            rows,
            "CNN against the default MLP: seeds at 100 % and median epochs to 100 %.",
            align="lrrrrrr",
        ),
        Image(
            "cnn_curves",
            [ctx.figures["cnn"]["learning_curves"]],
            "Loss of the CNN and the MLP (mean, band: min–max over seeds; log–log axes).",
            0.92,
        ),
        Image(
            "cnn",
            ctx.extra["cnn"],
            "The CNN's input for the point (0.3, 0.7) (left) and its XOR decision boundary "
            f"(right, seed {ctx.lab.seed}).",
            0.8,
        ),
    )


def extra(doc: Document, ctx: Context) -> None:
    doc.add(Heading("6 Extra"))
    optimizers(doc, ctx)
    activations(doc, ctx)
    convolution(doc, ctx)
