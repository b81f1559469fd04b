"""The report's section 3, experimental results: the lab run's output, comparison
figures, accuracy table, learning curves, decision boundaries and convergence."""

from __future__ import annotations

from ..context import DATA, Context, fmt_epochs, listing, pct, seeds_of, stats_cells
from ..doc import Document, Heading, Image, Table, Text


def updates(n: int) -> str:
    return f"{n} update" if n == 1 else f"{n} updates"


def experimental_results(doc: Document, ctx: Context) -> None:
    lab, out = ctx.lab, ctx.lab.outcome
    doc.add(
        Heading("3 Experimental results"),
        Heading("A. Screenshot and comparison figure", 2),
        Text(
            f"Figure @fig:terminal is the terminal output of `backprop lab` (seed {lab.seed}), "
            "run by the report itself: the configuration, the training loss in the handout's "
            "format 'epoch e loss : …', one line per prediction in the handout's format, and "
            "the loss and accuracy. "
            + _shown(ctx)
            + "Figures @fig:comparison_linear and @fig:comparison_xor are the "
            "handout's comparison figures: ground truth beside the thresholded prediction."
        ),
    )
    for d in ctx.datasets:  # before the page-tall terminal figure, so they fill the page
        doc.add(
            Image(
                f"comparison_{d}",
                [lab.folder / d / "comparison.png"],
                f"{DATA[d]} data: ground truth (left) and prediction (right), seed {lab.seed}; "
                f"accuracy {pct(out[d].accuracy)}.",
                0.8,
            )
        )
    doc.add(
        Image(
            "terminal",
            [ctx.extra["terminal"]],
            f"Terminal output of backprop lab (seed {lab.seed}), captured in-process.",
            0.95,
        )
    )
    conv = ctx.results["convergence"]
    n_conv = len(conv.experiment.seeds)
    rows = []
    for d in ctx.datasets:
        st = conv.stats("default", d)
        rows.append(
            [
                DATA[d],
                f"{100 * out[d].accuracy:.2f} %",
                f"{out[d].loss:.5f}",
                fmt_epochs(out[d].epochs_to_100),
                *stats_cells(st),
            ]
        )
    doc.add(
        Heading("B. Accuracy of the prediction", 2),
        Text(
            "Table @tab:accuracy gives the accuracy of the lab run (the handout's last line) "
            f"and, for the same network over {seeds_of(n_conv, ctx.datasets)}, how many runs end "
            "at 100 % and their median epochs to 100 % (both as defined in Section 1). "
            + (
                "Both datasets are above the 90 % the handout asks for."
                if all(out[d].accuracy >= 0.9 for d in ctx.datasets)
                else "The handout asks for at least 90 %."
            )
        ),
        Table(
            "accuracy",
            [
                "dataset",
                "accuracy",
                "loss",
                "epochs\nto 100 %",
                f"at 100 %\n({n_conv} seeds)",
                f"median epochs\n({n_conv} seeds)",
            ],
            rows,
            f"Accuracy and loss after training (seed {lab.seed}, {out[ctx.datasets[0]].epochs}"
            f" epochs), and over {n_conv} seeds the runs at 100 % and the median epochs to "
            "100 %.",
        ),
    )
    _learning_curves(doc, ctx)
    _more(doc, ctx)


def _shown(ctx: Context) -> str:
    """Which predictions the terminal figure shows, per dataset."""
    parts = []
    for d, (shown, total) in ctx.extra["terminal_counts"].items():
        if shown == total:
            parts.append(f"all {total} predictions of {DATA.get(d, d)} are shown")
        else:
            parts.append(
                f"of {DATA.get(d, d)}'s {total}, the first and last {shown // 2} "
                "(the line '...' marks the cut)"
            )
    return "In the figure " + "; ".join(parts) + ". "


def _quarters(ctx: Context) -> str:
    """The lab run's loss after each quarter of its updates, read from its history."""
    n = len(ctx.lab.outcome[ctx.datasets[0]].curve) - 1
    marks = sorted({n * k // 4 for k in (1, 2, 3, 4)})
    parts = [
        ", ".join(f"{ctx.lab.outcome[d].curve[m]:.1e}" for m in marks) + f" on {DATA[d]}"
        for d in ctx.datasets
    ]
    return f"After {listing([str(m) for m in marks])} updates it is {'; '.join(parts)}. "


def _learning_curves(doc: Document, ctx: Context) -> None:
    lab, out = ctx.lab, ctx.lab.outcome
    conv = ctx.results["convergence"]
    first = {d: out[d].first_loss for d in ctx.datasets}
    doc.add(
        Heading("C. Learning curve (loss–epoch curve)", 2),
        Text(
            "Figures @fig:curve_linear and @fig:curve_xor are the learning curves of the lab run; "
            "each point is measured before that epoch's update. The loss starts at "
            + ", ".join(f"{first[d]:.3f} on {DATA[d]}" for d in ctx.datasets)
            + " (ln 2 ≈ 0.693 would be the loss of a network that answers 0.5 everywhere; the "
            "initial weights answer otherwise). "
            + "".join(
                f"On {DATA[d]} it first rises, to {out[d].peak_loss:.3f} after "
                f"{updates(out[d].peak_update)}, before it falls. "
                for d in ctx.datasets
                if out[d].peak_loss > first[d]
            )
            + "It ends at "
            + ", ".join(f"{out[d].loss:.1e} on {DATA[d]}" for d in ctx.datasets)
            + ". The accuracy is 100 % and stays there after "
            + " and ".join(
                f"{updates(out[d].epochs_to_100)} ({DATA[d]})"
                if out[d].epochs_to_100 >= 0
                else f"no number of updates ({DATA[d]})"
                for d in ctx.datasets
            )
            + "; after that, the loss keeps falling as the predictions move away from 0.5. "
            + _quarters(ctx)
            + "Figure @fig:curve_seeds shows the mean loss and its range over all "
            f"{len(conv.experiment.seeds)} seeds."
        ),
    )
    for d in ctx.datasets:
        doc.add(
            Image(
                f"curve_{d}",
                [lab.folder / d / "learning_curve.png"],
                f"Learning curve of the lab run on the {DATA[d]} data (seed {lab.seed}): "
                "loss on a log scale, and accuracy.",
                0.9,
            )
        )
    n = len(conv.experiment.seeds)
    doc.add(
        Image(
            "curve_seeds",
            [ctx.figures["convergence"]["learning_curves"]],
            f"Loss of the default network over {n} seeds: mean, and the band from the "
            "lowest to the highest seed (log–log axes).",
            0.9,
        )
    )


def _more(doc: Document, ctx: Context) -> None:
    lab = ctx.lab
    conv = ctx.results["convergence"]
    n = len(conv.experiment.seeds)
    rows = []
    for d in ctx.datasets:
        st = conv.stats("default", d)
        rows.append(
            [
                DATA[d],
                *stats_cells(st),
                fmt_epochs(st.max_epochs_to_100),
                pct(st.min_accuracy),
            ]
        )
    failing = {
        d: conv.stats("default", d).seeds - conv.stats("default", d).at_100 for d in ctx.datasets
    }
    doc.add(
        Heading("D. Anything you want to present", 2),
        Text(
            "Decision boundaries. Figure @fig:boundaries_lab colours the input square by the "
            "predicted probability of class 1 and draws the 0.5 contour: the network separates "
            "the linear data with a nearly straight boundary along the diagonal, and the XOR "
            "data with bent boundaries between the two diagonals, although it only ever saw "
            "the points shown."
        ),
        Image(
            "boundaries_lab",
            [lab.folder / d / "decision_boundary.png" for d in ctx.datasets],
            f"Decision boundaries of the lab run (seed {lab.seed}): linear (left), XOR "
            "(right); colour = predicted probability of class 1, black line = 0.5.",
            0.95,
        ),
        Text(
            f"Convergence over {n} seeds. One seed proves little, so the default network was "
            f"trained over {seeds_of(n, ctx.datasets)}, one stacked run per dataset (Table "
            "@tab:convergence, Figure @fig:convergence). "
            + (
                "Every seed ends at 100 % on both datasets."
                if not any(failing.values())
                else " ".join(
                    f"{failing[d]} seeds of {n} end below 100 % on {DATA[d]} "
                    "(the lowest accuracy is in the table)."
                    for d in ctx.datasets
                    if failing[d]
                )
            )
        ),
        Table(
            "convergence",
            [
                "dataset",
                "seeds\nat 100 %",
                "median epochs\nto 100 %",
                "slowest seed\n(epochs)",
                "lowest final\naccuracy",
            ],
            rows,
            f"The default network over {n} seeds (`backprop experiments convergence`).",
        ),
        Image(
            "convergence",
            [ctx.figures["convergence"]["histogram"]],
            f"Epochs to 100 % of the default network over {n} seeds (log count).",
            0.9,
        ),
    )
