"""The handout's generators, pinned against the handout's own code run side by side."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop.check.handout import GENERATORS_SOURCE
from backprop.lab import data

# The handout's code, verbatim (Lab 1, "Data Generation"), as the submission checker
# holds it: one copy of the handout's text in the project.
_HANDOUT: dict = {}
exec(GENERATORS_SOURCE, _HANDOUT)
handout_generate_linear = _HANDOUT["generate_linear"]
handout_generate_XOR_easy = _HANDOUT["generate_XOR_easy"]  # noqa: N816 (the handout's name)


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", [0, 1, 42, 313551157 % 2**32])
@pytest.mark.parametrize("n", [1, 7, 100])
def test_generate_linear_matches_handout(seed, n):
    np.random.seed(seed)
    x_ref, y_ref = handout_generate_linear(n)
    after_ref = np.random.random()
    np.random.seed(seed)
    x, y = data.generate_linear(n)
    _same(x, x_ref)
    _same(y, y_ref)
    assert np.random.random() == after_ref, "must consume the global random state identically"


def test_generate_xor_easy_matches_handout():
    x_ref, y_ref = handout_generate_XOR_easy()
    x, y = data.generate_XOR_easy()
    _same(x, x_ref)
    _same(y, y_ref)
    assert x.shape == (21, 2) and y.sum() == 10


def test_load_seeds_the_global_state_and_returns_floats():
    x1, y1 = data.load("linear", seed=3)
    np.random.seed(3)
    x_ref, y_ref = handout_generate_linear()
    np.testing.assert_array_equal(x1, x_ref)
    np.testing.assert_array_equal(y1, y_ref)
    assert x1.dtype == y1.dtype == np.float64 and y1.shape == (100, 1)


def test_load_rejects_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset .moons."):
        data.load("moons")


def test_generate_linear_labels_a_tie_as_the_handout_does(monkeypatch):
    # pt[0] > pt[1] → 0, else 1: a point on the diagonal is class 1 (a tie has probability 0
    # under uniform draws, so construct one).
    pts = np.array([[0.5, 0.5], [0.25, 0.25], [0.7, 0.3], [0.3, 0.7], [0.0, 0.0]])
    monkeypatch.setattr(np.random, "uniform", lambda low, high, size: pts[: size[0]].copy())
    x, y = data.generate_linear(5)
    x_ref, y_ref = handout_generate_linear(5)
    np.testing.assert_array_equal(x, pts)
    np.testing.assert_array_equal(y[:, 0], [1, 1, 0, 1, 1])
    _same(y, y_ref)


@pytest.mark.parametrize("name", ["circle", "gaussians", "spiral"])
def test_extra_sets_are_balanced_seeded_and_in_the_square(name):
    x, y = data.load(name, seed=5, n=60, noise=0.0)
    assert x.shape == (60, 2) and y.shape == (60, 1) and y.sum() == 30
    assert x.dtype == y.dtype == np.float64
    assert np.all((x > -0.2) & (x < 1.2))  # about the lab's [0, 1]² that Normalize expects
    again, _ = data.load(name, seed=5, n=60, noise=0.0)
    other, _ = data.load(name, seed=6, n=60, noise=0.0)
    np.testing.assert_array_equal(x, again)
    assert not np.array_equal(x, other)


def test_extra_sets_put_the_classes_where_their_docstrings_say():
    x, y = data.load("circle", seed=0, n=200, noise=0.0)
    r = np.hypot(*(x - 0.5).T)
    assert r[y[:, 0] == 1].max() <= 0.2 < 0.3 <= r[y[:, 0] == 0].min()
    x, y = data.load("gaussians", seed=0, n=2000, noise=0.0)
    np.testing.assert_allclose(x[y[:, 0] == 1].mean(axis=0), 0.7, atol=0.01)
    np.testing.assert_allclose(x[y[:, 0] == 0].std(axis=0), 0.05, atol=0.01)


def test_noise_moves_the_points():
    quiet, _ = data.load("spiral", seed=1, noise=0.0)
    loud, _ = data.load("spiral", seed=1, noise=1.0)
    assert 0.01 < np.abs(quiet - loud).mean() < 0.1


def test_linear_takes_n_and_xor_keeps_its_21():
    assert data.load("linear", seed=0, n=7)[0].shape == (7, 2)
    assert data.load("xor", n=7)[0].shape == (21, 2)


def test_csv_round_trips_exactly(tmp_path):
    x, y = data.load("spiral", seed=2, noise=0.3)
    text = data.to_csv(x, y)
    assert text.splitlines()[0] == "x1,x2,label"
    (tmp_path / "p.csv").write_text(text)
    x2, y2 = data.load(str(tmp_path / "p.csv"))
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


@pytest.mark.parametrize(
    "text, message",
    [
        ("0,0,1\n1,1,2\n", "CSV: line 2: 1,1,2: label is '2'"),
        ("0,0,1\n1,1\n", "CSV: line 2: 1,1: expected 3 fields"),
        ("0,0,1\nnan,1,0\n", "CSV: line 2: nan,1,0: x1 is 'nan', not a finite number"),
        ("x1,x2,label\n0,0,1\n", "CSV: 1 point; give at least 2"),
        ("0,0,1\n1,1,0\n" * 2, "CSV: line 4: 1,1,0: more than 3 points; keep at most 3"),
    ],
)
def test_csv_names_the_bad_line(text, message):
    with pytest.raises(ValueError, match=message):
        data.from_csv(text, max_rows=3)


def test_points_refuse_what_is_not_a_point():
    with pytest.raises(ValueError, match="point 2 is '\\[True, 1, 0\\]'"):
        data.points([[0, 0, 1], [True, 1, 0]])
    with pytest.raises(ValueError, match="point 1 is 'abc'"):
        data.points(["abc", [0, 0, 1]])


def test_split_is_stratified_seeded_and_keeps_the_order():
    X, y = data.load("circle", 0, n=50)
    Xtr, ytr, Xte, yte = data.split(X, y, 0.3, np.random.default_rng(4))
    # round(0.3 · 25) = 8 of each class held out (25 per class)
    assert (len(yte), yte.sum(), len(ytr), ytr.sum()) == (16, 8, 34, 17)
    rows = [tuple(r) for r in X.tolist()]
    for part in (Xtr, Xte):
        where = [rows.index(tuple(r)) for r in part.tolist()]
        assert where == sorted(where)  # the data's order
    assert not set(map(tuple, Xtr.tolist())) & set(map(tuple, Xte.tolist()))
    again = data.split(X, y, 0.3, np.random.default_rng(4))
    other = data.split(X, y, 0.3, np.random.default_rng(5))
    assert np.array_equal(again[2], Xte) and not np.array_equal(other[2], Xte)


@pytest.mark.parametrize("fraction", [0.01, 0.95])
def test_split_refuses_parts_too_small(fraction):
    X, y = data.load("xor")
    with pytest.raises(ValueError, match="both parts need 2 points and training both classes"):
        data.split(X, y, fraction, np.random.default_rng(0))


@settings(max_examples=60, deadline=None)
@given(
    n0=st.integers(0, 30),
    n1=st.integers(0, 30),
    fraction=st.floats(0, 0.99),
    seed=st.integers(0, 99),
)
def test_split_is_a_partition_or_a_refusal(n0, n1, fraction, seed):
    y = np.repeat([0.0, 1.0], [n0, n1])[:, None]
    X = np.column_stack([np.arange(len(y)), np.zeros(len(y))]).astype(float)
    try:
        Xtr, ytr, Xte, yte = data.split(X, y, fraction, np.random.default_rng(seed))
    except ValueError as e:
        assert "both parts need 2 points" in str(e)
        return
    assert sorted([*Xtr[:, 0], *Xte[:, 0]]) == list(range(len(y)))  # each point once
    assert len(yte) >= data.MIN_POINTS and len(ytr) >= data.MIN_POINTS
    assert set(ytr[:, 0]) == {0.0, 1.0}
    assert yte.sum() == round(fraction * n1) and len(yte) - yte.sum() == round(fraction * n0)
