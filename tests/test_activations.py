"""Activations: finite differences, hand-computed values, extremes, repr."""

import math
import warnings

import numpy as np
import pytest

from backprop.gradcheck import check_module
from backprop.nn.activations import (
    ACTIVATIONS,
    ELU,
    GELU,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softplus,
    Tanh,
    sigmoid,
)
from backprop.nn.module import Module

# Every registered activation with its defaults, plus the hyperparameter branches
# (a slope above 1 takes the np.minimum path; Softplus with β ≠ 1 and a low threshold
# puts inputs on both sides of it).
MODULES = [cls() for cls in ACTIVATIONS.values()] + [
    LeakyReLU(negative_slope=0.2),
    LeakyReLU(negative_slope=1.5),
    LeakyReLU(negative_slope=-0.3),
    ELU(alpha=0.5),
    Softplus(beta=2.0, threshold=3.0),
    Softplus(beta=0.5),
]

# The numerical contract (docs/numerics.md): underflow is allowed, and flagged or not
# depending on the CPU; overflow, invalid and divide-by-zero are errors.
CONTRACT = dict(over="raise", invalid="raise", divide="raise", under="ignore")


def kinks(module: Module) -> list[float]:
    """Inputs where the module's derivative jumps; finite differences must stay clear."""
    if isinstance(module, ReLU | LeakyReLU | ELU):
        return [0.0]
    if isinstance(module, Softplus):
        return [module.threshold / module.beta]
    return []


def random_input(module: Module, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    x = 3.0 * rng.standard_normal(shape)
    for k in kinks(module):
        near = np.abs(x - k) < 0.05
        x[near] = k + np.where(x[near] < k, -0.1, 0.1)
    return x


LAYOUTS = {
    "single": lambda r: (int(r.integers(1, 9)), int(r.integers(1, 7))),
    "stacked": lambda r: (int(r.integers(2, 5)), int(r.integers(1, 9)), int(r.integers(1, 7))),
    "image": lambda r: (int(r.integers(1, 3)), int(r.integers(1, 4)), 3, int(r.integers(2, 5))),
}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("module", MODULES, ids=repr)
def test_backward_matches_finite_differences(module, layout, seed):
    rng = np.random.default_rng(seed)
    shape = LAYOUTS[layout](rng)
    x = random_input(module, shape, rng)
    err = check_module(module, x, rng)["input"]
    assert err < 1e-6, f"{module!r} on {shape}: relative error {err:.3e}"


class _SlightlyWrongTanh(Tanh):
    def backward(self, grad_out):
        return super().backward(grad_out) * (1 + 1e-4)


def test_gradient_check_catches_a_backward_off_by_1e4():
    x = np.random.default_rng(0).standard_normal((4, 3))
    err = check_module(_SlightlyWrongTanh(), x)["input"]
    assert err > 1e-6, f"a 1e-4 error in backward went unnoticed: relative error {err:.3e}"


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _gelu(x: float) -> float:
    return 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


# (module, x, f(x) worked out with math, f'(x) worked out by hand)
VALUES = [
    (Sigmoid(), [-2.0, 0.0, 1.5], [_sig(-2.0), 0.5, _sig(1.5)], [_sig(-2) * _sig(2), 0.25, None]),
    (Tanh(), [-2.0, 0.0, 0.5], [math.tanh(-2.0), 0.0, math.tanh(0.5)], [None, 1.0, None]),
    (ReLU(), [-2.0, 0.0, 1.5], [0.0, 0.0, 1.5], [0.0, 0.0, 1.0]),
    (LeakyReLU(), [-2.0, 0.0, 1.5], [-0.02, 0.0, 1.5], [0.01, 0.01, 1.0]),
    (LeakyReLU(0.2), [-2.0, 3.0], [-0.4, 3.0], [0.2, 1.0]),
    (LeakyReLU(1.5), [-2.0, 3.0], [-3.0, 3.0], [1.5, 1.0]),
    (ELU(), [-2.0, -1.0, 1.5], [math.expm1(-2.0), math.expm1(-1.0), 1.5], [None, math.exp(-1), 1]),
    (ELU(alpha=0.5), [-1.0, 2.0], [0.5 * math.expm1(-1.0), 2.0], [0.5 * math.exp(-1.0), 1.0]),
    (
        GELU(),
        [-1.0, 0.0, 0.5, 2.0],
        [_gelu(-1.0), 0.0, _gelu(0.5), _gelu(2.0)],
        [None, 0.5, None, None],
    ),
    (SiLU(), [-2.0, 0.0, 1.5], [-2.0 * _sig(-2.0), 0.0, 1.5 * _sig(1.5)], [None, 0.5, None]),
    (
        Softplus(),
        [-2.0, 0.0, 1.5, 25.0],
        [math.log1p(math.exp(-2.0)), math.log(2.0), math.log1p(math.exp(1.5)), 25.0],
        [_sig(-2.0), 0.5, _sig(1.5), 1.0],
    ),
    (
        Softplus(beta=2.0, threshold=3.0),
        [1.0, 2.0],
        [math.log1p(math.exp(2.0)) / 2.0, 2.0],
        [_sig(2.0), 1.0],
    ),
    (Identity(), [-2.0, 0.0, 1.5], [-2.0, 0.0, 1.5], [1.0, 1.0, 1.0]),
]


@pytest.mark.parametrize(("module", "x", "y", "dy"), VALUES, ids=[repr(v[0]) for v in VALUES])
def test_values_by_hand(module, x, y, dy):
    x = np.array([x])
    np.testing.assert_allclose(module.forward(x), [y], rtol=1e-13, atol=1e-15)
    grad = module.backward(np.ones_like(x))[0]
    for xi, got, want in zip(x[0], grad, dy):
        if want is not None:
            assert got == pytest.approx(want, rel=1e-13, abs=1e-15), f"f'({xi}) of {module!r}"


def test_gelu_is_close_to_the_exact_erf_form():
    x = np.linspace(-6.0, 6.0, 241)
    exact = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x])
    gap = np.abs(GELU().forward(x) - exact).max()
    assert 1e-5 < gap < 5e-4, f"tanh approximation is {gap:.2e} from x Φ(x)"


def test_sigmoid_function_matches_the_handout_formula():
    x = np.linspace(-30.0, 30.0, 121)
    np.testing.assert_allclose(sigmoid(x), 1.0 / (1.0 + np.exp(-x)), rtol=1e-12, atol=1e-16)


# f(-1e4), f(1e4), f'(-1e4), f'(1e4)
LIMITS = {
    "sigmoid": (0.0, 1.0, 0.0, 0.0),
    "tanh": (-1.0, 1.0, 0.0, 0.0),
    "relu": (0.0, 1e4, 0.0, 1.0),
    "leaky_relu": (-100.0, 1e4, 0.01, 1.0),
    "elu": (-1.0, 1e4, 0.0, 1.0),
    "gelu": (0.0, 1e4, 0.0, 1.0),
    "silu": (0.0, 1e4, 0.0, 1.0),
    "softplus": (0.0, 1e4, 0.0, 1.0),
    "identity": (-1e4, 1e4, 1.0, 1.0),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_no_overflow_or_warning_up_to_1e4(name, dtype):
    x = np.array([-1e4, -1e3, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e3, 1e4], dtype=dtype)
    module = ACTIVATIONS[name]()
    with warnings.catch_warnings(), np.errstate(**CONTRACT):
        warnings.simplefilter("error")
        y = module.forward(x)
        grad = module.backward(np.ones_like(x))
    assert y.dtype == dtype and grad.dtype == dtype, f"{name}: {y.dtype}, {grad.dtype}"
    assert np.isfinite(y).all() and np.isfinite(grad).all(), f"{name}: {y}, {grad}"
    np.testing.assert_allclose(
        [y[0], y[-1], grad[0], grad[-1]], LIMITS[name], rtol=1e-6, atol=1e-6, err_msg=name
    )


@pytest.mark.parametrize("module", MODULES, ids=repr)
def test_forward_and_backward_leave_their_inputs_alone(module):
    rng = np.random.default_rng(1)
    x, g = random_input(module, (2, 5, 3), rng), rng.standard_normal((2, 5, 3))
    x0, g0 = x.copy(), g.copy()
    y = module.forward(x)
    y0 = y.copy()
    module.backward(g)
    assert np.array_equal(x, x0) and np.array_equal(g, g0) and np.array_equal(y, y0)


@pytest.mark.parametrize("module", MODULES, ids=repr)
def test_integer_input_is_treated_as_float(module):
    x = np.array([[-3, -1, 0, 2, 5]])
    np.testing.assert_array_equal(module.forward(x), module.forward(x.astype(float)))


def test_registry_names_every_activation_in_lower_case():
    expected = {
        "sigmoid": Sigmoid,
        "tanh": Tanh,
        "relu": ReLU,
        "leaky_relu": LeakyReLU,
        "elu": ELU,
        "gelu": GELU,
        "silu": SiLU,
        "softplus": Softplus,
        "identity": Identity,
    }
    assert expected == ACTIVATIONS


@pytest.mark.parametrize(
    ("module", "text"),
    [
        (LeakyReLU(), "LeakyReLU()"),
        (LeakyReLU(negative_slope=0.2), "LeakyReLU(negative_slope=0.2)"),
        (ELU(), "ELU()"),
        (ELU(alpha=0.5), "ELU(alpha=0.5)"),
        (Softplus(), "Softplus()"),
        (Softplus(beta=2), "Softplus(beta=2.0)"),
        (Softplus(threshold=5), "Softplus(threshold=5.0)"),
        (GELU(approximate="tanh"), "GELU(approximate='tanh')"),
        (SiLU(), "SiLU()"),
    ],
)
def test_repr_shows_non_default_hyperparameters(module, text):
    assert repr(module) == text


def test_bad_hyperparameters_say_what_to_do():
    with pytest.raises(ValueError, match="approximate='tanh'"):
        GELU(approximate="none")
    with pytest.raises(ValueError, match="beta must be positive, got 0"):
        Softplus(beta=0)


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 3.0), (0.5, 20.0)])
def test_softplus_at_its_threshold_is_still_the_log(beta, threshold):
    # PyTorch switches to y = x only where βx > threshold: at βx = threshold it is the log.
    at = threshold / beta
    above = np.nextafter(at, np.inf)
    module = Softplus(beta=beta, threshold=threshold)
    y = module.forward(np.array([at, above]))
    grad = module.backward(np.ones(2))
    np.testing.assert_allclose(y, [math.log1p(math.exp(threshold)) / beta, above], rtol=1e-15)
    np.testing.assert_allclose(grad, [_sig(threshold), 1.0], rtol=1e-15)
    assert grad[0] < 1.0 and y[0] > at  # 20 + 2.1e-9 and 1 − 2.1e-9 at the default
