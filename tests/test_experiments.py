"""experiments: stacked sweeps equal separate runs, the cache, the files, the tuning rule."""

import csv
import io
import json

import numpy as np
import pytest

from backprop import experiments as ex
from backprop.experiments import registry, sweep
from backprop.experiments import store as sweep_store
from backprop.experiments.results import (
    TUNE_RULE,
    Result,
    RunOutcome,
    SettingStats,
    Tuned,
    median_epochs,
    summarize,
    tune,
)
from backprop.experiments.spec import Axis, Experiment, Setting
from backprop.lab.config import DEFAULT, HANDOUT, build
from backprop.lab.data import load
from backprop.optim import OPTIMIZERS
from backprop.train import accuracy


def _tiny(epochs=25, seeds=(3, 7)) -> Experiment:
    sgd = DEFAULT.replace(optimizer="sgd", schedule="constant", epochs=epochs)
    adam = DEFAULT.replace(epochs=epochs)
    settings = [
        Setting(f"{name} lr={lr:g}", c.replace(lr=lr), name, lr)
        for name, c, lrs in (("sgd", sgd, (0.3, 1.0)), ("adam", adam, (0.05, 0.1)))
        for lr in lrs
    ]
    axis = Axis("learning rate", log_base=10)
    return Experiment("tiny", "Tiny", axis, tuple(settings), seeds)


def _single(config, seed, data):
    """The run ``backprop train --seed seed`` would do, without the stack."""
    X, y = load(data, seed)
    run = build(config, rng=np.random.default_rng(seed))
    hist = run.fit(X, y)
    model, loss = run.model, run.loss
    pred = model.forward(X)
    return float(loss(pred, y)[0]), float(accuracy(pred, y)), hist


def test_settings_that_differ_in_lr_share_one_stack():
    stacks = sweep._stacks(_tiny())
    assert [[s.label for s in st] for st in stacks] == [
        ["sgd lr=0.3", "sgd lr=1"],
        ["adam lr=0.05", "adam lr=0.1"],
    ]


def test_stacked_results_equal_separate_runs():
    exp = _tiny()
    result = sweep.compute(exp)
    assert len(result.runs) == 4 * 2 * 2
    reached = 0
    for run in result.runs:
        setting = next(s for s in exp.settings if s.label == run.setting)
        loss, acc, hist = _single(setting.config, run.seed, run.dataset)
        np.testing.assert_allclose(run.final_loss, loss, rtol=1e-10, err_msg=str(run))
        assert run.final_accuracy == acc, run
        assert run.epochs_to_100 == hist.epochs_to_100, run
        reached += run.epochs_to_100 >= 0
    assert reached > 0  # the comparison covers runs that reach 100 %


def test_curves_summarise_the_seeds():
    exp = _tiny(epochs=10, seeds=(0, 1, 2))
    result = sweep.compute(exp)
    setting = exp.settings[1]
    curves = [_single(setting.config, s, "linear")[2].loss for s in exp.seeds]
    c = result.curves[setting.label, "linear"]
    np.testing.assert_array_equal(c["epoch"], np.arange(1, 11))
    np.testing.assert_allclose(c["loss_mean"], np.mean(curves, axis=0), rtol=1e-10)
    np.testing.assert_allclose(c["loss_min"], np.min(curves, axis=0), rtol=1e-10)
    np.testing.assert_allclose(c["loss_max"], np.max(curves, axis=0), rtol=1e-10)


def test_never_reaching_100_is_minus_one():
    slow = DEFAULT.replace(optimizer="sgd", schedule="constant", lr=1e-6, epochs=3)
    exp = Experiment("slow", "Slow", Axis(), (Setting("slow", slow),), (0, 1), ("xor",))
    result = sweep.compute(exp)
    assert [r.epochs_to_100 for r in result.runs] == [-1, -1]
    assert result.stats("slow", "xor").median_epochs_to_100 == float("inf")


def test_seeds_at_100_and_the_median_count_the_same_seeds():
    """at_100 = seeds that end at 100 % = seeds with epochs_to_100 >= 0; the median
    counts the others as never."""
    result = sweep.compute(_tiny(epochs=12, seeds=(0, 1, 2, 3)))
    for st in result.by_setting:
        runs = [r for r in result.runs if r.setting == st.setting and r.dataset == st.dataset]
        assert runs == result.outcomes(st.setting, st.dataset)
        ends = sum(r.final_accuracy >= 1 for r in runs)
        assert st.at_100 == ends == sum(r.epochs_to_100 >= 0 for r in runs)
        assert st.median_epochs_to_100 == median_epochs([r.epochs_to_100 for r in runs])
    assert any(st.at_100 > 0 for st in result.by_setting)


@pytest.mark.parametrize(
    "epochs, at_100, median, most",
    [
        ((0, 0, 0), 3, 0, 0),  # at 100 % from the start: 0 epochs is at 100 %
        ((0, 4, -1), 2, 4, -1),
        ((5, -1, -1), 1, float("inf"), -1),
        ((-1, -1, -1), 0, float("inf"), -1),
    ],
)
def test_summarize_counts_a_seed_at_0_epochs_as_at_100(epochs, at_100, median, most):
    exp = Experiment("one", "One", Axis(), (Setting("s", DEFAULT),), (0, 1, 2), ("xor",))
    runs = [
        RunOutcome("s", exp.settings[0].group, 0.1, "xor", seed, 0.1, float(e >= 0), e)
        for seed, e in enumerate(epochs)
    ]
    [st] = summarize(exp, runs)
    assert st.seeds == 3
    assert (st.at_100, st.median_epochs_to_100, st.max_epochs_to_100) == (at_100, median, most)


def test_stats_finds_the_setting_on_the_dataset_asked():
    result = sweep.compute(_tiny(epochs=2, seeds=(0,)))
    for st in result.by_setting:
        assert result.stats(st.setting, st.dataset) is st
    with pytest.raises(KeyError, match="tiny has no setting 'nope' on 'xor'"):
        result.stats("nope", "xor")


def test_train_single_is_the_seeds_data_and_weights():
    """One model as ``backprop train --seed 1`` trains it (the CNN's path in a sweep)."""
    config = DEFAULT.replace(epochs=5, schedule="constant")
    out = sweep.train_single(config, 1, "linear")
    X, y = load("linear", 1)
    h = build(config, rng=np.random.default_rng(1)).fit(X, y)
    assert out["final_loss"].tolist() == [float(h.final_loss)]
    np.testing.assert_array_equal(out["loss"][:, 0], h.loss)


def test_seed_draws_the_linear_data_but_not_the_xor_data():
    assert sweep.seed_draws_data("linear") and not sweep.seed_draws_data("xor")


def test_files_cache_and_force(tmp_path, monkeypatch, capsys):
    exp = _tiny(epochs=5)
    first = ex.run_experiment(exp, tmp_path)
    folder = tmp_path / "tiny"
    names = {"results.csv", "curves.npz", "summary.json", "learning_curves.png", "outcome.png"}
    assert names <= {p.name for p in folder.iterdir()}
    assert not first.cached
    err = capsys.readouterr().err  # not a terminal: the stage's one closing line
    assert err.startswith("[tiny] 1 experiment, 1 trained, 0 cached in ") and "\r" not in err
    assert len(err.splitlines()) == 1, err
    with (folder / "results.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(sweep_store.FIELDS)
    assert len(rows) == len(exp.settings) * 2 * len(exp.seeds)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["key"] == exp.key()

    def no_training(*args, **kwargs):
        raise AssertionError("a cached experiment was trained again")

    monkeypatch.setattr(sweep, "compute", no_training)
    again = ex.run_experiment(exp, tmp_path, progress=False)
    assert again.cached
    assert again.runs == first.runs
    assert again.by_setting == first.by_setting
    for key, c in first.curves.items():
        for k, v in c.items():
            np.testing.assert_array_equal(again.curves[key][k], v)
    with pytest.raises(AssertionError, match="trained again"):
        ex.run_experiment(exp, tmp_path, force=True, progress=False)
    with pytest.raises(AssertionError, match="trained again"):  # another config: a cache miss
        ex.run_experiment(_tiny(epochs=6), tmp_path, progress=False)


def test_key_changes_with_the_config():
    assert _tiny().key() == _tiny().key()
    assert _tiny().key() != _tiny(seeds=(3, 8)).key()
    assert _tiny().key() != _tiny(epochs=26).key()


def _stats(label: str, data: str, at_100: int, median: float) -> SettingStats:
    """A setting over 2 seeds with ``at_100`` of them at 100 % and the given median."""
    lr = float(label.removeprefix("lr="))
    return SettingStats(label, "g", lr, lr, data, 2, 10, 1.0, 1.0, 1.0, at_100, median, -1, 0.1, 0)


def _tune(table: dict, group: str = "g"):
    """results.tune over settings lr=1, 2, 3 whose (at_100 of 2, median) per dataset is given."""
    settings = tuple(Setting(f"lr={lr}", DEFAULT.replace(lr=lr), group, lr) for lr in (1, 2, 3))
    exp = Experiment("t", "T", Axis("lr", 10), settings, (0, 1), ("linear", "xor"), tune=True)
    by_setting = [
        _stats(label, data, n, e)
        for label, per in table.items()
        for data, (n, e) in zip(("linear", "xor"), per)
    ]
    return tune(exp, by_setting)[group]


def test_tune_prefers_all_seeds_at_100_then_speed():
    table = {  # (at_100 of 2, median epochs) per dataset
        "lr=1": ((2, 30), (2, 30)),
        "lr=2": ((2, 5), (1, 5)),  # fastest, but a seed fails on xor
        "lr=3": ((2, 20), (2, 20)),
    }
    best = _tune(table, "adam")
    assert (best.setting, best.lr, best.stats["linear"].median_epochs_to_100) == ("lr=3", 3, 20)
    assert best.to_json()["at_100_xor"] == "2/2"
    assert list(best.to_json()) == [
        "setting",
        "lr",
        "median_epochs_linear",
        "median_epochs_xor",
        "at_100_linear",
        "at_100_xor",
    ]


def test_tune_rule_text_states_each_clause_in_the_order_tune_applies_it():
    """TUNE_RULE is what the report prints; each of its three clauses decides one case."""
    rule = TUNE_RULE
    clauses = [
        "most seeds at 100 % on whichever dataset it does worse on",
        "fewest median epochs to 100 % summed over both datasets",
        "smaller rate",
    ]
    assert [rule.index(c) for c in clauses] == sorted(rule.index(c) for c in clauses)
    inf = float("inf")
    # 1. the worse dataset decides, not xor: lr=1 is 1/2 on linear, lr=2 2/2 on both
    assert (
        _tune({"lr=1": ((1, 5), (2, 5)), "lr=2": ((2, 50), (2, 50)), "lr=3": ((0, inf), (2, 1))}).lr
        == 2
    )
    # 2. equal worst share: the summed median decides (lr=3: 9 + 9 < 2 + 20)
    assert (
        _tune({"lr=1": ((2, 2), (2, 20)), "lr=2": ((2, 30), (2, 30)), "lr=3": ((2, 9), (2, 9))}).lr
        == 3
    )
    # 3. all never on one dataset: every sum is inf, the smaller rate wins
    assert (
        _tune(
            {"lr=1": ((1, inf), (0, inf)), "lr=2": ((2, 3), (0, inf)), "lr=3": ((2, 2), (0, inf))}
        ).lr
        == 1
    )


def test_median_epochs_counts_never_as_infinite():
    assert median_epochs([-1, 3, 5]) == 5
    assert median_epochs([-1, -1, 3]) == float("inf")
    assert median_epochs([-1] * 5 + [3] * 5) == float("inf")  # exactly half: never
    assert median_epochs([-1] * 4 + [3] * 6) == 3


def test_outcome_figure_draws_a_never_median_on_the_never_line():
    """experiments_plot's median is results.median_epochs: 5 of 10 never → the never line."""
    from backprop.experiments import plot as xp

    s = Setting("a", DEFAULT, "g", 1)
    exp = Experiment("t", "T", Axis("x"), (s,), tuple(range(10)), ("xor",))

    def result(epochs: list[int]) -> Result:
        runs = [RunOutcome("a", "g", 0.1, "xor", i, 0.1, 1.0, e) for i, e in enumerate(epochs)]
        return Result(exp, runs, {})

    q = xp._epoch_quartiles(result([-1] * 5 + [4] * 5), "a", "xor", never=720.0)
    assert q[1] == 720.0 and q[0] == 4
    # 4 of 10 never: a finite median
    assert xp._epoch_quartiles(result([4] + [-1] * 4 + [4] * 5), "a", "xor", never=720.0)[1] == 4


def test_every_experiment_is_defined_with_ten_seeds():
    for name in ex.NAMES:
        exp = ex.define(name)
        assert exp.name == name and exp.settings
        assert len(exp.seeds) >= 10
    lr = ex.define("lr")
    assert {s.config.optimizer for s in lr.settings} == {"sgd", "adam"}
    assert min(s.config.lr for s in lr.settings) == 1e-3
    assert max(s.config.lr for s in lr.settings) == 10
    assert [s.x for s in ex.define("hidden").settings] == [1, 2, 4, 8, 16, 32, 64]
    assert "identity" in {s.config.activation for s in ex.define("activation").settings}
    assert {s.config.optimizer for s in ex.define("optimizer").settings} == set(OPTIMIZERS)
    assert {s.config.model for s in ex.define("cnn").settings} == {"mlp", "cnn"}
    assert {s.config.epochs for s in ex.define("hidden", epochs=7).settings} == {7}
    with pytest.raises(ValueError, match="unknown experiment"):
        ex.define("nope")


def test_cnn_trains_per_seed_like_a_single_run():
    exp = ex.define("cnn", seeds=2, epochs=3, cnn_seeds=1)
    result = sweep.compute(
        Experiment(exp.name, exp.title, exp.axis, exp.settings, exp.seeds, ("xor",))
    )
    cnn_runs = result.outcomes("cnn", "xor")
    assert [r.seed for r in cnn_runs] == [0]
    loss, acc, hist = _single(exp.settings[1].config, 0, "xor")
    np.testing.assert_allclose(cnn_runs[0].final_loss, loss, rtol=1e-10)
    assert cnn_runs[0].final_accuracy == acc


def test_handout_activation_varies_only_the_activation_and_the_rate_of_the_handout():
    exp = ex.define("handout_activation", seeds=2)
    assert exp.tune and len(sweep._stacks(exp)) == len(registry.HANDOUT_ACTIVATIONS)
    for s in exp.settings:
        base = HANDOUT.replace(epochs=registry.HANDOUT_SWEEP_EPOCHS, activation=s.group, lr=s.x)
        assert s.config == base, s.label


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream, live", [(io.StringIO, False), (Terminal, True)])
def test_progress_updates_a_terminal_and_writes_a_log_one_line_per_stage(stream, live):
    out = stream()
    bar = sweep.Progress("x", stream=out)
    for i in range(30):
        bar.show(f"{i}/30 stacks", force=True)
    bar.done("1 experiment, 1 trained")
    text = out.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1, text
    assert text.rstrip().rsplit("\r", 1)[-1].startswith("[x] 1 experiment, 1 trained, ")
    assert text.count("\r") == (31 if live else 0)


def test_lr_grid_labels_each_group_at_each_rate():
    settings = registry.lr_grid({"sgd": DEFAULT, "adam": HANDOUT}, (0.1, 1.0))
    assert [s.label for s in settings] == ["sgd lr=0.1", "sgd lr=1", "adam lr=0.1", "adam lr=1"]
    assert [(s.group, s.x, s.config.lr) for s in settings[1:3]] == [
        ("sgd", 1.0, 1.0),
        ("adam", 0.1, 0.1),
    ]
    assert settings[2].config == HANDOUT.replace(lr=0.1)


def test_the_histogram_counts_the_seeds_that_reached_100_on_each_dataset(tmp_path, monkeypatch):
    """One panel per dataset: a bar per epoch count of the seeds at 100 % (a log count
    axis), titled with the dataset's at-100 count over its seeds and median."""
    from backprop.experiments import plot as xp

    s = Setting("a", DEFAULT, "g", 1)
    exp = Experiment("t", "Tee", Axis("x"), (s,), tuple(range(4)), ("linear", "xor"))
    epochs = {"linear": [3, 3, 5, -1], "xor": [2, 2, 2, 2]}
    runs = [
        RunOutcome("a", "g", 0.1, d, i, 0.1, 1.0, e)
        for d, es in epochs.items()
        for i, e in enumerate(es)
    ]
    figures = []
    monkeypatch.setattr(xp.plot, "save", lambda fig, path, dpi: figures.append(fig) or path)
    xp.histogram(Result(exp, runs, {}), tmp_path / "h.png")
    (fig,) = figures
    linear, xor = fig.axes
    heights = {p.get_x() + p.get_width() / 2: p.get_height() for p in linear.patches}
    assert {x: h for x, h in heights.items() if h} == {3: 2, 5: 1}
    assert sum(p.get_height() for p in xor.patches) == 4
    assert linear.get_yscale() == "log" and linear.get_xlabel() == "epochs to 100 %"
    assert linear.get_title() == "linear: 3/4 seeds at 100 %, median 4"  # (3 + 5) / 2
    assert xor.get_title().startswith("XOR: 4/4 seeds at 100 %, median 2")
    assert fig.get_suptitle() == "Tee: epochs to 100 % over 4 seeds"


def test_format_tuned_is_one_aligned_row_per_optimizer():
    def stats(data: str, median: float, at_100: int) -> SettingStats:
        return SettingStats(
            "adam", "adam", 0.1, 0.1, data, 10, 50, 1, 1, 1, at_100, median, 9, 0.1, 0
        )

    tuned = {
        "adam": Tuned("adam", 0.1, {"linear": stats("linear", 12, 10), "xor": stats("xor", 7.5, 9)})
    }
    text = ex.format_tuned(tuned, ("linear", "xor"))
    head = (
        "  optimizer      lr" + "  " + "median epochs linear".rjust(20) + " " + "at 100 %".rjust(9)
    )
    head += "  " + "median epochs xor".rjust(20) + " " + "at 100 %".rjust(9)
    row = "  adam          0.1" + "  " + "12".rjust(20) + " " + "10/10".rjust(9)
    row += "  " + "7.5".rjust(20) + " " + "9/10".rjust(9)
    assert text.splitlines() == [head, row]


def test_cached_counts_the_complete_entries_for_these_sizes(tmp_path):
    ex.run_all(["handout_activation"], tmp_path, progress=False, seeds=1, epochs=2)
    names = ["handout_activation", "lr"]
    assert ex.cached(names, tmp_path, seeds=1, epochs=2) == 1
    assert ex.cached(names, tmp_path, seeds=1, epochs=3) == 0  # another experiment's key


def test_learning_curves_draw_each_settings_mean_loss_labelled_with_its_seeds(
    tmp_path, monkeypatch
):
    """A line per setting: the mean loss against the epoch, between its min and max;
    labels name each setting's seed count when the settings' seeds differ."""
    from backprop.experiments import plot as xp

    a = Setting("g a", DEFAULT, "g", 1)
    b = Setting("g b", DEFAULT, "g", 2, seeds=(0, 1))
    exp = Experiment("t", "Tee", Axis("x"), (a, b), (0, 1, 2), ("xor",))
    epochs = np.arange(1, 5)
    curves = {
        (s.label, "xor"): {
            "epoch": epochs,
            "loss_mean": k / epochs,
            "loss_min": k / epochs / 2,
            "loss_max": 2 * k / epochs,
        }
        for k, s in ((1.0, a), (3.0, b))
    }
    figures = []
    monkeypatch.setattr(xp.plot, "save", lambda fig, path, dpi: figures.append(fig) or path)
    runs = [
        RunOutcome(s.label, "g", 0.1, "xor", i, 0.1, 1.0, 5)
        for s in (a, b)
        for i in exp.seeds_of(s)
    ]
    xp.learning_curves(Result(exp, runs, curves), tmp_path / "c.png")
    (ax,) = figures[0].axes[:1]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"g a (3 seeds)", "g b (2 seeds)"}
    assert lines["g b (2 seeds)"].get_xdata().tolist() == epochs.tolist()
    assert lines["g b (2 seeds)"].get_ydata().tolist() == (3.0 / epochs).tolist()
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert figures[0].get_suptitle() == "Tee: loss, mean over seeds (band: min–max)"


def test_the_outcome_figure_plots_mean_accuracy_and_keeps_the_never_line_in_view(
    tmp_path, monkeypatch
):
    """Top: each setting's mean final accuracy (%); bottom: epochs to 100 % on a log axis
    whose top leaves room above the 'never' line (1.8 × the most epochs)."""
    from backprop.experiments import plot as xp

    settings = tuple(Setting(f"lr={lr}", DEFAULT.replace(epochs=50), "", lr) for lr in (0.1, 1.0))
    exp = Experiment("t", "Tee", Axis("learning rate", log_base=10), settings, (0, 1), ("xor",))
    accuracy = {"lr=0.1": (0.5, 1.0), "lr=1.0": (1.0, 1.0)}
    runs = [
        RunOutcome(s.label, "", s.x, "xor", i, 0.1, accuracy[s.label][i], 5 if a == 1 else -1)
        for s in settings
        for i, a in enumerate(accuracy[s.label])
    ]
    figures = []
    monkeypatch.setattr(xp.plot, "save", lambda fig, path, dpi: figures.append(fig) or path)
    xp.outcome(Result(exp, runs, {}), tmp_path / "o.png")
    ax_acc, ax_ep = figures[0].axes[:2]
    assert ax_acc.get_lines()[0].get_ydata().tolist() == [75.0, 100.0]  # the means
    assert ax_ep.get_yscale() == "log" and ax_ep.get_ylim()[1] >= 1.5 * 1.8 * 50  # room above


def test_the_epoch_quartiles_are_the_25th_median_and_75th():
    from backprop.experiments import plot as xp

    s = Setting("a", DEFAULT, "g", 1)
    exp = Experiment("t", "T", Axis("x"), (s,), tuple(range(4)), ("xor",))
    runs = [RunOutcome("a", "g", 0.1, "xor", i, 0.1, 1.0, e) for i, e in enumerate([1, 2, 3, 4])]
    q = xp._epoch_quartiles(Result(exp, runs, {}), "a", "xor", never=720.0)
    assert q.tolist() == [1.75, 2.5, 3.25]
