"""Optimizer trajectories: the surfaces' gradients, the runs, the figure and the GIF."""

import numpy as np
import pytest

from backprop.experiments.trajectories import SURFACES, beale, optimizer_paths, rosenbrock, saddle
from backprop.experiments.trajectories_plot import animate, plot_trajectories
from backprop.optim import OPTIMIZERS

Image = pytest.importorskip("PIL.Image")  # installed with matplotlib


@pytest.mark.parametrize("f", [saddle, beale, rosenbrock])
def test_gradient_matches_finite_differences(f):
    rng = np.random.default_rng(0)
    xy = rng.uniform(-2, 2, size=(50, 2))
    h = 1e-6
    numeric = np.stack(
        [(f(xy + h * e)[0] - f(xy - h * e)[0]) / (2 * h) for e in np.eye(2)], axis=-1
    )
    analytic = f(xy)[1]
    err = np.abs(analytic - numeric).max() / np.abs(numeric).max()
    assert analytic.shape == xy.shape
    assert err < 1e-7, f"{f.__name__}: relative error {err:.2e}"


@pytest.mark.parametrize("name", list(SURFACES))
def test_marked_point_is_stationary(name):
    s = SURFACES[name]
    value, grad = s.f(np.array(s.target))
    np.testing.assert_allclose(grad, 0.0, atol=1e-12)
    assert value == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", list(SURFACES))
def test_paths_start_at_the_same_point_and_differ(name):
    s = SURFACES[name]
    paths = optimizer_paths(s, steps=10)
    assert list(paths) == list(OPTIMIZERS)
    for xy in paths.values():
        assert xy.shape == (11, 2)
        np.testing.assert_array_equal(xy[0], s.start)
    ends = np.array([xy[-1] for xy in paths.values()])
    # Adam and AdamW may nearly coincide; any other two are apart after 10 steps.
    assert len(np.unique(ends.round(6), axis=0)) >= len(ends) - 1


@pytest.mark.parametrize("name", ["beale", "rosenbrock"])
def test_every_optimizer_descends_with_its_learning_rate(name):
    s = SURFACES[name]
    f0 = s.f(np.array(s.start))[0]
    for opt, xy in optimizer_paths(s).items():
        assert np.isfinite(xy).all(), opt
        assert s.f(xy[-1])[0] < 0.5 * f0, f"{opt} on {name}: {s.f(xy[-1])[0]} from {f0}"


def test_sgd_on_the_saddle_follows_the_closed_form():
    lr, (x0, y0) = SURFACES["saddle"].lrs["sgd"], SURFACES["saddle"].start
    xy = optimizer_paths("saddle", steps=5)["sgd"]
    t = np.arange(6)
    np.testing.assert_allclose(xy[:, 0], x0 * (1 - 2 * lr) ** t)  # x shrinks towards 0
    np.testing.assert_allclose(xy[:, 1], y0 * (1 + 2 * lr) ** t)  # y escapes


def test_lrs_and_start_override():
    a = optimizer_paths("beale", steps=3, start=(0.5, 0.5), lrs={"adam": 0.2})
    b = optimizer_paths("beale", steps=3, start=(0.5, 0.5))
    np.testing.assert_array_equal(a["adam"][0], (0.5, 0.5))
    assert not np.allclose(a["adam"], b["adam"])
    np.testing.assert_array_equal(a["sgd"], b["sgd"])


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="unknown surface 'himmelblau'"):
        optimizer_paths("himmelblau")
    with pytest.raises(ValueError, match="steps must be at least 1"):
        optimizer_paths("saddle", steps=0)


def test_plot_writes_a_png(tmp_path):
    one = plot_trajectories("beale", tmp_path / "beale.png", steps=20)
    row = plot_trajectories(list(SURFACES), tmp_path / "all.png", steps=20)
    with Image.open(one) as a, Image.open(row) as b:
        assert a.format == b.format == "PNG"
        assert b.width > 2 * a.width  # three panels side by side


def test_animation_is_a_gif_with_many_frames(tmp_path):
    out = animate("saddle", tmp_path / "sub" / "saddle.gif", steps=12, frames=5, dpi=40)
    with Image.open(out) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 5
