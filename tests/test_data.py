"""The handout's generators, pinned against the handout's own code run side by side."""

import numpy as np
import pytest

from backprop.lab import data


# The handout's code, verbatim (Lab 1, "Data Generation").
def handout_generate_linear(n=100):
    import numpy as np

    pts = np.random.uniform(0, 1, (n, 2))
    inputs = []
    labels = []
    for pt in pts:
        inputs.append([pt[0], pt[1]])
        distance = (pt[0] - pt[1]) / 1.414  # noqa: F841
        if pt[0] > pt[1]:
            labels.append(0)
        else:
            labels.append(1)
    return np.array(inputs), np.array(labels).reshape(n, 1)


def handout_generate_XOR_easy():
    import numpy as np

    inputs = []
    labels = []

    for i in range(11):
        inputs.append([0.1 * i, 0.1 * i])
        labels.append(0)

        if 0.1 * i == 0.5:
            continue

        inputs.append([0.1 * i, 1 - 0.1 * i])
        labels.append(1)

    return np.array(inputs), np.array(labels).reshape(21, 1)


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
    with pytest.raises(ValueError, match="unknown dataset 'circle'"):
        data.load("circle")


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
