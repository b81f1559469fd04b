"""Linear: shapes, the handout's Z = XW, and finite-difference checks, single and stacked."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop as bp
from backprop.gradcheck import check_module


def test_forward_is_x_times_w_plus_b():
    lin = bp.Linear(3, 2, rng=np.random.default_rng(0))
    lin.bias.data[...] = [[1.0, -2.0]]
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(lin(x), x @ lin.weight.data + [[1.0, -2.0]])
    assert lin.weight.shape == (3, 2) and lin.bias.shape == (1, 2)


def test_stacked_shapes_broadcast_a_shared_input():
    lin = bp.Linear(2, 4, models=5, rng=np.random.default_rng(0))
    assert lin.weight.shape == (5, 2, 4) and lin.bias.shape == (5, 1, 4)
    assert lin(np.zeros((7, 2))).shape == (5, 7, 4)
    assert lin(np.zeros((5, 7, 2))).shape == (5, 7, 4)


def test_no_bias():
    lin = bp.Linear(2, 3, bias=False, rng=np.random.default_rng(0))
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 6),
    n_in=st.integers(1, 5),
    n_out=st.integers(1, 5),
    models=st.one_of(st.none(), st.integers(1, 4)),
    bias=st.booleans(),
    per_model_input=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_linear_gradcheck(n, n_in, n_out, models, bias, per_model_input, seed):
    rng = np.random.default_rng(seed)
    lin = bp.Linear(n_in, n_out, bias=bias, models=models, rng=rng)
    if lin.bias is not None:
        lin.bias.data[...] = rng.standard_normal(lin.bias.shape)
    shape = (models, n, n_in) if models and per_model_input else (n, n_in)
    errors = check_module(lin, rng.standard_normal(shape), rng)
    assert max(errors.values()) < 1e-6, errors


def test_stacked_gradients_stay_within_their_model():
    rng = np.random.default_rng(1)
    lin = bp.Linear(3, 2, models=4, rng=rng)
    x = rng.standard_normal((5, 3))
    lin(x)
    upstream = np.zeros((4, 5, 2))
    upstream[2] = rng.standard_normal((5, 2))
    lin.backward(upstream)
    assert not lin.weight.grad[[0, 1, 3]].any() and lin.weight.grad[2].any()


@pytest.mark.parametrize("value", [0, -1])
def test_bad_sizes(value):
    with pytest.raises(ValueError, match="must be at least 1"):
        bp.Linear(value, 2)


@pytest.mark.parametrize("shape", [(5, 2), (3, 5, 2)])
def test_normalize_maps_the_unit_square_and_gradchecks(shape):
    norm = bp.Normalize()
    np.testing.assert_allclose(norm(np.array([[0.0, 1.0], [0.5, 0.25]])), [[-2, 2], [0, -1]])
    rng = np.random.default_rng(0)
    errors = check_module(norm, rng.random(shape), rng)
    assert errors["input"] < 1e-6, errors
    with pytest.raises(ValueError, match="std must be positive"):
        bp.Normalize(std=0)


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: bp.Linear(0, 3), ValueError, "in_features must be at least 1, got 0"),
        (lambda: bp.Linear(2, -1), ValueError, "out_features must be at least 1, got -1"),
        (lambda: bp.Linear(2.5, 3), TypeError, "in_features must be a whole number, got 2.5"),
        (lambda: bp.Linear(2, 3, models=0), ValueError, "models must be at least 1"),
        (lambda: bp.Linear(2, 3, init="glorot"), ValueError, "unknown init 'glorot'; choose"),
        (lambda: bp.Linear(2, 3, init=3), TypeError, "init must be a name"),
        (lambda: bp.Linear(2, 3, gain=float("nan")), ValueError, "gain must be a finite number"),
        (lambda: bp.Linear(2, 3, dtype=np.int32), ValueError, "dtype must be a float type"),
        (lambda: bp.Conv2d(0, 3, 3), ValueError, "in_channels must be at least 1"),
        (lambda: bp.Conv2d(1, 3, 2.5), ValueError, "kernel_size must be an int or 2 ints"),
        (lambda: bp.Conv2d(1, 3, (3, 3, 3)), ValueError, "kernel_size must be an int or 2 ints"),
        (lambda: bp.Conv1d(1, 3, 3, padding=-1), ValueError, "padding must be an int or 1 ints"),
        (lambda: bp.MaxPool2d(0), ValueError, "kernel_size must be an int or 2 ints"),
        (lambda: bp.Normalize(std=0.0), ValueError, "std must be positive"),
        (lambda: bp.Normalize(mean=float("inf")), ValueError, "mean finite"),
    ],
)
def test_constructors_say_what_to_pass(make, error, message):
    with pytest.raises(error, match=message):
        make()


# --- Features -----------------------------------------------------------------------------


def test_features_forward_is_each_named_function():
    x = np.array([[0.5, -2.0], [3.0, 0.25]])
    f = bp.nn.Features(("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))
    a, b = x[:, 0], x[:, 1]
    want = np.stack([a, b, a * a, b * b, a * b, np.sin(a), np.sin(b)], axis=1)
    np.testing.assert_array_equal(f(x), want)
    assert bp.nn.Features(("x1x2", "x1"))(x).tolist() == [[-1.0, 0.5], [0.75, 3.0]]
    assert f.parameters() == []


@pytest.mark.parametrize("shape", [(6, 2), (3, 6, 2)])
@pytest.mark.parametrize("names", [("x1", "x2"), ("x1sq", "x1x2", "sinx2"), tuple(bp.nn.FEATURES)])
def test_features_gradcheck(shape, names):
    rng = np.random.default_rng(0)
    errors = check_module(bp.nn.Features(names), rng.standard_normal(shape) * 2, rng)
    assert errors["input"] < 1e-6, errors


@pytest.mark.parametrize(
    "names, message",
    [
        (("x1", "x3"), "unknown feature 'x3'; choose from x1, x2, x1sq"),
        (("x1", "x1"), "features are listed twice"),
        ((), "features must be a list of names"),
        ("x1", "features must be a list of names"),
    ],
)
def test_features_refuse_bad_names(names, message):
    with pytest.raises(ValueError, match=message):
        bp.nn.Features(names)


def test_features_are_the_models_first_layer_and_set_its_width():
    config = bp.DEFAULT.replace(features=("x1", "x2", "x1x2"))
    model = bp.build_model(config, rng=np.random.default_rng(0))
    assert [type(m).__name__ for m in model.modules[:3]] == ["Normalize", "Features", "Linear"]
    assert model.modules[2].in_features == 3 and config.layer_sizes == (3, 16, 16, 1)
    plain = bp.build_model(bp.DEFAULT, rng=np.random.default_rng(0))
    assert [type(m).__name__ for m in plain.modules[:2]] == ["Normalize", "Linear"]
