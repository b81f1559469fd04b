"""The points-to-image encoding and the CNN built on it, trained with the defaults."""

from __future__ import annotations

import io

import numpy as np
import pytest

from backprop.gradcheck import check_module
from backprop.lab.cnn import PointsToImage, build_cnn
from backprop.lab.config import CNN, build
from backprop.lab.data import load
from backprop.nn import Conv2d, Linear
from backprop.nn.losses import BCELoss
from backprop.train import evaluate

TOL = 1e-6


def naive_image(points, size, sigma):
    image = np.zeros((len(points), 1, size, size))
    for n, (x1, x2) in enumerate(points):
        for i in range(size):
            for j in range(size):
                cx, cy = (j + 0.5) / size, (i + 0.5) / size
                image[n, 0, i, j] = np.exp(-((x1 - cx) ** 2 + (x2 - cy) ** 2) / (2 * sigma**2))
    return image


@pytest.mark.parametrize("seed", range(6))
def test_encoding_matches_the_formula_and_finite_differences(seed):
    rng = np.random.default_rng(seed)
    size, sigma = int(rng.integers(2, 12)), float(rng.uniform(0.05, 0.5))
    points = rng.uniform(-0.2, 1.2, (int(rng.integers(1, 6)), 2))  # also off the square
    encode = PointsToImage(size, sigma)
    np.testing.assert_allclose(encode(points), naive_image(points, size, sigma), rtol=1e-12)
    errors = check_module(encode, points, rng)
    assert errors["input"] < TOL, f"{encode!r}: relative error {errors}"


def test_bump_peaks_at_the_pixel_holding_the_point():
    image = PointsToImage(16, 0.1)(np.array([[0.2, 0.8], [0.99, 0.01]]))
    assert image.shape == (2, 1, 16, 16)
    # Row follows x2, column follows x1: (0.2, 0.8) → row 12, column 3.
    assert np.unravel_index(image[0, 0].argmax(), (16, 16)) == (12, 3)
    assert np.unravel_index(image[1, 0].argmax(), (16, 16)) == (0, 15)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_small_cnn_gradient_end_to_end(activation):
    rng = np.random.default_rng(3)
    model = build_cnn(rng, channels=(2, 3), size=8, sigma=0.3, activation=activation)
    # Non-zero biases keep ReLU's kink away from the finite-difference steps.
    for m in model.modules:
        if isinstance(m, Conv2d | Linear):
            m.bias.data = rng.uniform(0.2, 0.5, m.bias.shape) * rng.choice([-1, 1], m.bias.shape)
    errors = check_module(model, rng.uniform(0, 1, (4, 2)), rng)
    assert max(errors.values()) < TOL, f"relative errors {errors}"


def test_build_cnn_maps_points_to_probabilities_and_prints_itself():
    model = build_cnn(np.random.default_rng(0))
    p = model(np.random.default_rng(1).uniform(0, 1, (5, 2)))
    assert p.shape == (5, 1) and np.all((p > 0) & (p < 1))
    text = repr(model)
    assert "PointsToImage(size=16, sigma=0.1)" in text and "Sigmoid()" in text
    same = build_cnn(np.random.default_rng(0))
    for (name, a), (_, b) in zip(model.named_parameters(), same.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channels": ()}, "channels must be"),
        ({"channels": (4, 8), "size": 10}, "not divisible"),
        ({"activation": "softmax"}, "unknown activation"),
        ({"sigma": 0.0}, "sigma must be positive"),
    ],
)
def test_build_cnn_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_cnn(**kwargs)


def test_encoding_rejects_non_points():
    with pytest.raises(ValueError, match=r"expects points \(N, 2\), got \(3, 3\)"):
        PointsToImage()(np.zeros((3, 3)))


@pytest.mark.parametrize(("data", "seed"), [("xor", 0), ("xor", 1), ("linear", 0), ("linear", 1)])
def test_defaults_reach_full_accuracy(data, seed):
    X, y = load(data, seed)
    run = build(CNN, rng=np.random.default_rng(seed))  # the CNN_* defaults of lab.cnn
    run.fit(X, y)
    model = run.model
    out = io.StringIO()
    _, acc = evaluate(model, X, y, BCELoss(), file=out)
    assert acc == 1.0, out.getvalue().splitlines()[-1]
    assert out.getvalue().endswith("accuracy=100.00%\n")
