"""report/context.py on hand-made results: ``Context``'s rules (at 100 %, fastest, clearly
faster) and the phrases that turn numbers into text, each checked against the rule its
docstring states. Fast: no training, no report build (mutmut relies on these)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop.experiments.results import Result, RunOutcome, median_epochs
from backprop.experiments.spec import Axis, Experiment, Setting
from backprop.lab.config import Config
from backprop.report import context as rt
from backprop.report.context import Context, Lab, LabOutcome

NEVER = -1  # train.epochs_to_100 of a run that does not end at 100 %


def _result(name: str, epochs: dict, datasets=("linear", "xor"), groups=None) -> Result:
    """Experiment ``name``: setting ``label`` reached 100 % after ``epochs[label][i]`` epochs
    on seed i (a list: the same on every dataset; a dict: per dataset); group from ``groups``."""
    groups = groups or {}
    per = {
        label: e if isinstance(e, dict) else dict.fromkeys(datasets, e)
        for label, e in epochs.items()
    }
    settings = tuple(
        Setting(label, Config(), group=groups.get(label, "g"), x=i) for i, label in enumerate(per)
    )
    n = len(next(iter(per.values()))[datasets[0]])
    runs = [
        RunOutcome(s.label, s.group, 0.1, d, seed, 0.1, 1.0 if e >= 0 else 0.5, e)
        for s in settings
        for d in datasets
        for seed, e in enumerate(per[s.label][d])
    ]
    return Result(Experiment(name, name, Axis(), settings, tuple(range(n)), datasets), runs, {})


def _ctx(**results: Result) -> Context:
    return Context(results, {}, None, {}, "")


# ------------------------------------------------------------------ Context's rules


def test_seeds_and_datasets_are_the_lr_experiments():
    ctx = _ctx(
        act=_result("act", {"a": [1] * 5}, datasets=("xor",)),
        lr=_result("lr", {"a": [1, 2, 3]}),
    )
    assert ctx.seeds == 3 and ctx.datasets == ("linear", "xor")


def test_stats_is_the_named_experiments_setting_on_that_dataset():
    ctx = _ctx(
        lr=_result("lr", {"a": [1, 2]}),
        act=_result("act", {"a": [1, 2], "b": {"linear": [1, 1], "xor": [NEVER, 4]}}),
    )
    st = ctx.stats("act", "b", "xor")
    assert st is ctx.results["act"].stats("b", "xor")
    assert (st.setting, st.dataset, st.at_100) == ("b", "xor", 1)


def test_both_writes_each_datasets_name_then_its_cell():
    ctx = _ctx(lr=_result("lr", {"a": {"linear": [1, 2, 3], "xor": [4, NEVER, NEVER]}}))
    assert ctx.both("lr", "a", rt.seeds_at_100) == "linear 3/3, XOR 1/3"
    assert ctx.both("lr", "a", rt.epochs_text) == "linear 2, XOR never"


def test_group_is_that_groups_settings_in_order():
    groups = {"s1": "sgd", "a1": "adam", "s2": "sgd"}
    ctx = _ctx(lr=_result("lr", dict.fromkeys(groups, [1]), groups=groups))
    assert [s.label for s in ctx.group("lr", "sgd")] == ["s1", "s2"]
    assert [s.label for s in ctx.group("lr", "adam")] == ["a1"]
    assert ctx.group("lr", "none") == []


def test_all_at_100_needs_the_share_of_seeds_on_every_dataset():
    ctx = _ctx(
        lr=_result(
            "lr",
            {
                "all": [1, 2, 3, 4],
                "one_misses": {"linear": [1, 2, 3, 4], "xor": [1, 2, 3, NEVER]},
                "half": [1, 2, NEVER, NEVER],
                "quarter": [1, NEVER, NEVER, NEVER],
            },
        )
    )
    assert ctx.all_at_100("lr", "all")  # every seed: exactly the default share
    assert not ctx.all_at_100("lr", "one_misses")  # one dataset short is enough to fail
    assert ctx.all_at_100("lr", "one_misses", share=0.75)
    assert ctx.all_at_100("lr", "half", share=0.5)  # exactly at the share counts
    assert not ctx.all_at_100("lr", "half")
    assert not ctx.all_at_100("lr", "quarter", share=0.5)


def test_speed_sums_the_medians_over_the_datasets_and_never_is_inf():
    ctx = _ctx(
        lr=_result(
            "lr",
            {
                "a": {"linear": [4, 4, 5, 5], "xor": [6, 7, NEVER, 8]},  # medians 4.5, 7.5
                "b": {"linear": [1, 1], "xor": [NEVER, NEVER]},
            },
        )
    )
    assert ctx.speed("lr", "a") == 12.0
    assert ctx.speed("lr", "b") == math.inf


def test_fastest_is_the_fewest_epochs_among_those_always_at_100():
    fast_but_misses = {"linear": [1, 1, 1], "xor": [1, 1, NEVER]}
    ctx = _ctx(
        lr=_result("lr", {"slow": [20, 20, 20], "miss": fast_but_misses, "mid": [10, 10, 10]}),
        bad=_result("bad", {"x": [9, NEVER, NEVER], "y": [3, 3, NEVER], "z": [5, NEVER, 5]}),
    )
    settings = ctx.results["lr"].experiment.settings
    assert ctx.fastest("lr", list(settings)).label == "mid"
    assert ctx.fastest("lr", [settings[1]]).label == "miss"  # none at 100 %: among all
    bad = list(ctx.results["bad"].experiment.settings)
    assert ctx.fastest("bad", bad).label == "y"  # x: never (inf); y: 3 + 3 < z: 5 + 5


def test_epochs_are_each_seeds_with_never_as_inf():
    ctx = _ctx(lr=_result("lr", {"a": {"linear": [0, 5, NEVER], "xor": [1, 1, 1]}}))
    np.testing.assert_array_equal(ctx.epochs("lr", "a", "linear"), [0.0, 5.0, np.inf])


def test_clearly_faster_is_upper_quartile_below_the_others_lower_quartile():
    # 5 seeds: the 75th percentile is the 4th smallest, the 25th the 2nd smallest
    ctx = _ctx(
        lr=_result(
            "lr",
            {
                "a": [1, 2, 3, 10, 100],  # upper quartile 10
                "b": [0, 11, 12, 13, 14],  # lower quartile 11
                "tie": [0, 10, 20, 30, 40],  # lower quartile 10
                "late": [3, 3, 3, 3, NEVER],  # upper quartile 3
                "never": [NEVER] * 5,
            },
        )
    )
    assert ctx.clearly_faster("lr", "a", "b", "xor")
    assert not ctx.clearly_faster("lr", "a", "tie", "xor")  # equal quartiles: not clearly
    assert not ctx.clearly_faster("lr", "b", "a", "xor")
    assert ctx.clearly_faster("lr", "late", "never", "xor")  # 'never' is slower than any count
    assert not ctx.clearly_faster("lr", "never", "never", "xor")


def test_clearly_faster_interpolates_a_quartile_that_falls_between_a_count_and_never():
    # 4 seeds: the upper quartile lies a quarter of the way from the 3rd to the 4th
    # smallest; with the 4th 'never' it is huge but still below an all-never lower quartile
    ctx = _ctx(lr=_result("lr", {"a": [1, 1, 1, NEVER], "never": [NEVER] * 4}))
    assert ctx.clearly_faster("lr", "a", "never", "linear")


# ------------------------------------------------------------------ phrases


def test_verdicts_name_who_is_clearly_faster():
    assert rt.verdicts(["a", "b"], [True, True]) == "each of them clearly so"
    assert rt.verdicts(["a", "b"], [False, False]) == "none of them clearly so"
    assert rt.verdicts(["a", "b", "c"], [True, False, True]) == "a and c clearly so, b not clearly"
    assert rt.verdicts(["a", "b", "c"], [False, True, False]) == "b clearly so, a and c not clearly"


def test_pct_rounds_below_one_to_at_most_99_9():
    assert rt.pct(1) == "100 %" and rt.pct(0.5) == "50.0 %"
    assert rt.pct(0.99949) == "99.9 %" and rt.pct(0.9996) == "99.9 %"  # never 100.0 below 1


def test_fmt_epochs_says_never_for_minus_one_and_non_finite():
    assert [rt.fmt_epochs(e) for e in (-1, math.inf, math.nan)] == ["never"] * 3
    assert [rt.fmt_epochs(e) for e in (0, 0.5, 7.5, 12.0, 1000)] == [
        "0",
        "0.5",
        "7.5",
        "12",
        "1000",
    ]


def _lab(accuracy: dict[str, float]) -> Lab:
    outcome = {d: LabOutcome(0.1, a, 5, 0.7, 0.7, 0, 10, [0.7, 0.1]) for d, a in accuracy.items()}
    return Lab("", None, 0, outcome=outcome)


def test_lab_accuracies_said_once_when_all_reach_100_else_per_network():
    data = ("linear", "xor")
    full = _lab({"linear": 1.0, "xor": 1.0})
    nets = {"default": full, "handout": _lab({"linear": 1.0, "xor": 0.952})}
    assert rt.lab_accuracies({"a": full, "b": full}, data) == (
        "Both networks reach 100 % on both datasets"
    )
    assert rt.lab_accuracies({"a": full, "b": full}, data, both="The two both") == (
        "The two both reach 100 % on both datasets"
    )
    assert rt.lab_accuracies({"a": _lab({"linear": 1.0, "xor": 0.99})}, data) == (
        "The a network reaches 100 % on linear and 99.0 % on XOR"
    )
    assert rt.lab_accuracies(nets, data) == (
        "The default network reaches 100 % on linear and 100 % on XOR; "
        "the handout network reaches 100 % on linear and 95.2 % on XOR"
    )


def test_the_text_cells_of_a_settings_statistics():
    st = _result("lr", {"a": [2, 4, NEVER]}).stats("a", "xor")  # mean accuracy (1 + 1 + .5) / 3
    assert (rt.accuracy_text(st), rt.epochs_text(st), rt.loss_text(st)) == ("83.3 %", "4", "0.100")
    st = _result("lr", {"a": [2, NEVER, NEVER]}).stats("a", "xor")
    assert rt.epochs_text(st) == "never"


def test_loss_str_three_decimals_from_0_01_two_digits_below_and_diverged():
    assert [rt.loss_str(x) for x in (0.5, 0.01, 0.0012345, 2.5e-7)] == [
        "0.500",
        "0.010",
        "0.0012",
        "2.5e-07",
    ]
    assert [rt.loss_str(x) for x in (math.inf, -math.inf, math.nan)] == ["diverged"] * 3


def test_median_phrase_is_the_count_or_the_never_rule():
    assert rt.median_phrase(8.0, 10) == "a median of 8 epochs"
    assert rt.median_phrase(7.5, 10) == "a median of 7.5 epochs"
    assert rt.median_phrase(math.inf, 10) == (
        "no finite median (at least half of the seeds (5 or more of 10) do not end at 100 %)"
    )


def test_listing_joins_with_commas_and_a_final_and():
    assert rt.listing([0.3, 1, 3]) == "0.3, 1 and 3"
    assert rt.listing([0.3, 1.0, 3]) == "0.3, 1 and 3"  # numbers by :g, not str's "1.0"
    assert rt.listing(["a"]) == "a"
    assert rt.listing([1e-4, "b"]) == "0.0001 and b"
    assert rt.listing(["a", "b", "c", "d"]) == "a, b, c and d"
    assert rt.listing(["0.50", np.float64(0.25)]) == "0.50 and 0.25"  # text kept as is


def test_seed_sentence_says_what_the_seed_draws_on_each_dataset():
    assert rt.seed_sentence(("linear", "xor")) == (
        "Seed s draws the initial weights and the linear points; "
        "the XOR points are the same for every seed."
    )
    assert rt.seed_sentence(("xor",)) == (
        "Seed s draws the initial weights; the XOR points are the same for every seed."
    )
    assert (
        rt.seed_sentence(("linear",)) == "Seed s draws the initial weights and the linear points."
    )


def test_seeds_of_counts_each_datasets_draws_without_a_thousands_separator():
    assert rt.seeds_of(1000, ("linear", "xor")) == (
        "1000 seeds (1000 linear datasets and initialisations "
        "and 1000 initialisations on the fixed XOR data)"
    )
    assert rt.seeds_of(2, ("xor",)) == "2 seeds (2 initialisations on the fixed XOR data)"


def test_seeds_of_one_seed_is_singular():
    assert rt.seeds_of(1, ("linear", "xor")) == (
        "1 seed (1 linear dataset and initialisation and 1 initialisation on the fixed XOR data)"
    )


@pytest.mark.parametrize("seeds, k", [(1, 1), (2, 1), (3, 2), (10, 5), (11, 6)])
def test_never_from_is_the_fewest_misses_that_make_the_median_never(seeds, k):
    assert rt.never_from(seeds) == k
    assert median_epochs([1] * (seeds - k) + [NEVER] * k) == math.inf
    assert median_epochs([1] * (seeds - k + 1) + [NEVER] * (k - 1)) == 1


def test_never_rule_follows_median_epochs_when_it_is_not_half(monkeypatch):
    # a stricter median (any seed not at 100 % makes it never) must change the wording
    monkeypatch.setattr(rt, "median_epochs", lambda e: math.inf if min(e) < 0 else 1.0)
    assert rt.never_from(10) == 1
    assert rt.never_rule(10) == "at least 1 of the seeds (1 or more of 10) do not end at 100 %"


def test_never_rule_and_definitions_say_at_least_half():
    assert rt.never_rule(10) == "at least half of the seeds (5 or more of 10) do not end at 100 %"
    assert rt.never_rule(3) == "at least half of the seeds (2 or more of 3) do not end at 100 %"
    assert rt.definitions(2) == (
        "An epoch is one full-batch update. Epochs to 100 % counts the updates after which "
        "the accuracy is 100 % to the end; a run 'at 100 %' ends there. A median of it is "
        "'never' when at least half of the seeds (1 or more of 2) do not end at 100 %."
    )
