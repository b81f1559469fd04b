"""The numerical contract (``docs/numerics.md``) on every kernel.

Each kernel runs in float32 and float64 on the inputs below, under
``np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")`` with
warnings as errors, and each result is compared with the exact value rounded to the
dtype. The exact values come from ``decimal`` at 400 digits (enough for e^x - 1 at
x = 1e-310), rounded once to float64 and, for float32, again (double rounding moves a
result by at most ½ ulp, inside every tolerance below).

Tolerance: ``|got - exact| ≤ ULPS · ulp(exact) + ABS · eps + tiny`` (``eps`` and
``tiny``, the smallest normal number, of the dtype: a result below ``tiny`` underflows,
which the contract allows, and a subnormal carries fewer bits).
``ULPS = 8``: NumPy's SIMD exp, log, log1p, expm1, tanh are within 3.4 ulps on every
x86 path (AVX-512, AVX2, SSE; measured, float32 log the worst) and each kernel
chains two or three of them through well-conditioned arithmetic. ``ABS`` is 0 except
where a kernel is accurate in absolute terms only, each case named below.

``.ci/run`` runs this file once more with NumPy's AVX-512, then also its AVX2 kernels
turned off, so one machine checks the code paths other CPUs take.
"""

from __future__ import annotations

import contextlib
import copy
import decimal
import os
import subprocess
import sys
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import backprop as bp
from backprop._fused import plan
from backprop.nn.activations import GELU, LeakyReLU, Softplus
from backprop.nn.losses import BCELoss, BCEWithLogitsLoss, MSELoss
from backprop.nn.module import Parameter

DTYPES = [np.float32, np.float64]
# Subnormals of float32 (1e-45, 1e-40) and float64 (1e-310), the exp limits of float32
# (±87.3 smallest normal result, ±88.7 overflow, ±103 smallest subnormal) and float64
# (±709 overflow, ±745 smallest subnormal), the Softplus threshold, and 1e4.
SPECIAL = [0.0, 1e-310, 1e-45, 1e-40, 0.5, 1.0, 3.0, 20.0, 30.0, 87.3, 88.7, 103.0]
SPECIAL += [709.0, 745.0, 1e4]
ULPS = 8


def inputs(dtype) -> np.ndarray:
    """Every special value and its negative, in ``dtype`` (more than a SIMD register)."""
    x = np.array(sorted({float(dtype(v)) for s in SPECIAL for v in (s, -s)}), dtype)
    assert len(x) > 16
    return x


@contextlib.contextmanager
def contract():
    """Overflow, invalid and divide-by-zero raise; underflow is allowed."""
    with (
        warnings.catch_warnings(),
        np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"),
    ):
        warnings.simplefilter("error")
        yield


# ---- exact references --------------------------------------------------------------------

CTX = decimal.Context(
    prec=400, Emin=-(10**6), Emax=10**6, traps=[decimal.InvalidOperation, decimal.DivisionByZero]
)  # e^d beyond 10^(10^6) is Infinity, and σ(-d) = 1 / (1 + Infinity) = 0


@pytest.fixture(autouse=True)
def _exact_arithmetic():
    """Decimal operators in this file's tests work in CTX (the default has 28 digits)."""
    with decimal.localcontext(CTX):
        yield


def D(v) -> Decimal:
    return Decimal(float(v))


def exp(d: Decimal) -> Decimal:
    return CTX.exp(d)


def sig(d: Decimal) -> Decimal:
    """σ(d) = 1 / (1 + e^{-d})."""
    return CTX.divide(1, CTX.add(1, exp(-d)))


def tanh(d: Decimal) -> Decimal:
    e = exp(-2 * abs(d))
    return CTX.divide(1 - e, 1 + e).copy_sign(d)


def log1p(d: Decimal) -> Decimal:
    return CTX.ln(CTX.add(1, d))


def softplus(d: Decimal) -> Decimal:
    """ln(1 + e^d), without forming e^d."""
    return max(d, Decimal(0)) + log1p(exp(-abs(d)))


def rounded(exact, dtype) -> np.ndarray:
    return np.array([float(v) for v in exact]).astype(dtype)


def assert_close(got, exact, dtype, abs_eps: float = 0.0, what: str = "", scale=0.0) -> None:
    """``got`` within ULPS ulps of the exact values, plus ``abs_eps`` eps, plus ULPS ulps
    of ``scale`` (the size of the terms a sum or difference cancelled), same dtype."""
    got = np.asarray(got)
    want = rounded(np.ravel(np.asarray(exact, dtype=object)), dtype).reshape(got.shape)
    assert got.dtype == dtype, f"{what}: {got.dtype}"
    assert np.isfinite(got).all(), f"{what}: {got}"
    info = np.finfo(dtype)
    # ulp(v) as 2 ulp(v / 2), which is finite at v = max.
    ulps = [
        2 * np.spacing(np.abs(np.asarray(v, dtype)) / 2).astype(np.float64) for v in (want, scale)
    ]
    tol = ULPS * (ulps[0] + ulps[1]) + abs_eps * info.eps + info.tiny
    err = np.abs(got.astype(np.float64) - want.astype(np.float64))
    bad = err > tol
    assert not bad.any(), f"{what}: got {got[bad]}, exact {want[bad]}"


# ---- activations -------------------------------------------------------------------------

C = Decimal(np.sqrt(2.0 / np.pi))  # GELU's constants as the module uses them
A = Decimal(0.044715)


def _gelu(d):
    u = C * (d + A * d**3)
    return d * sig(2 * u), sig(2 * u) + 2 * d * C * (1 + 3 * A * d**2) * sig(2 * u) * sig(-2 * u)


def _leaky(slope):
    return lambda d: (d, 1) if d > 0 else (d * D(slope), D(slope))


def _softplus(beta, threshold):
    b = Decimal(beta)

    def f(d):
        if b * d > Decimal(threshold):
            return d, Decimal(1)
        return softplus(b * d) / b, sig(b * d)

    return f


# name → (module, x → (f(x), f'(x)) exactly, ABS of f, ABS of f'). Where ABS > 0 the
# kernel is accurate in absolute terms, not relative:
# * σ as ½ + ½ tanh(x/2) (float32 Sigmoid, SiLU; every Softplus gradient), and the
#   derivatives computed from the cached output y (σ' = y (1 - y), tanh' = 1 - y²,
#   ELU' = y + α), carry y's absolute rounding, under ½ eps: 1 eps. tanh'(20) = 1.7e-17
#   comes out as 0 in float64, as in PyTorch.
# * SiLU multiplies σ(x) or 1 - σ(x), each exact to ½ eps absolute, by x; that matters
#   while σ(-|x|) > eps / 2, |x| < ln(2 / eps) ≈ 37 (float64) or 17 (float32): 20 eps.
# * GELU's 1 + tanh u is exact to ~eps absolute (tanh near -1), multiplied by ½ |x| while
#   1 + tanh u > eps, |x| < 6: 8 eps.
ACTIVATIONS = {
    "sigmoid": (bp.Sigmoid(), lambda d: (sig(d), sig(d) * sig(-d)), 1, 1),
    "tanh": (bp.Tanh(), lambda d: (tanh(d), 1 - tanh(d) ** 2), 0, 1),
    "relu": (bp.ReLU(), lambda d: (max(d, Decimal(0)), Decimal(int(d > 0))), 0, 0),
    "leaky_relu": (LeakyReLU(), _leaky(0.01), 0, 0),
    "leaky_relu(1.5)": (LeakyReLU(1.5), _leaky(1.5), 0, 0),
    "elu": (bp.ELU(), lambda d: (d, 1) if d > 0 else (exp(d) - 1, exp(d)), 0, 1),
    "elu(0.5)": (
        bp.ELU(0.5),
        lambda d: (d, 1) if d > 0 else (D(0.5) * (exp(d) - 1), D(0.5) * exp(d)),
        0,
        1,
    ),
    "gelu": (GELU(), _gelu, 8, 8),
    "silu": (bp.SiLU(), lambda d: (d * sig(d), sig(d) * (1 + d * sig(-d))), 20, 20),
    "softplus": (Softplus(), _softplus(1.0, 20.0), 0, 1),
    "softplus(2, 3)": (Softplus(beta=2.0, threshold=3.0), _softplus(2.0, 3.0), 0, 1),
    "softplus(0.5)": (Softplus(beta=0.5), _softplus(0.5, 20.0), 0, 1),
    "identity": (bp.Identity(), lambda d: (d, 1), 0, 0),
}


def _check_activation(name: str, x: np.ndarray, dtype) -> None:
    """Forward and backward of ``name`` at ``x``: no float error, and within the ulps."""
    module, exact, abs_f, abs_df = ACTIVATIONS[name]
    with contract():
        y = module.forward(x)
        grad = module.backward(np.ones_like(x))
    f, df = zip(*(exact(D(v)) for v in x))
    assert_close(y, f, dtype, abs_f, f"{name} forward")
    assert_close(grad, df, dtype, abs_df, f"{name} backward")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_is_exact_to_a_few_ulps_with_no_float_error(name, dtype):
    _check_activation(name, inputs(dtype), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", bp.nn.activations.ACTIVATIONS)
def test_default_activations_keep_the_contract_for_every_finite_input(name, dtype):
    big = np.finfo(dtype).max
    _check_activation(name, np.array([-big, -1e30, -1e10, 1e10, 1e30, big], dtype), dtype)


# ---- losses ------------------------------------------------------------------------------

TARGETS = [0.0, 1.0, 0.25]


def per_element(loss, pred: np.ndarray, y: float):
    """One loss and gradient per entry of ``pred``: a stack of ``(1, 1)`` models, n = 1."""
    target = np.full((1, 1), y, pred.dtype)
    with contract():
        value, grad = loss(pred.reshape(-1, 1, 1), target)
    return value, grad.reshape(pred.shape)


@pytest.mark.parametrize("y", TARGETS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_is_exact_to_a_few_ulps(dtype, y):
    """L = softplus(z) - z y, dL/dz = σ(z) - y. The gradient's σ - y cancels: 1 eps."""
    z = inputs(dtype)
    value, grad = per_element(BCEWithLogitsLoss(), z, y)
    yd = D(y)
    assert_close(value, [softplus(D(v)) - D(v) * yd for v in z], dtype, 0, "value")
    assert_close(grad, [sig(D(v)) - yd for v in z], dtype, 1, "gradient")


@pytest.mark.parametrize("y", TARGETS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_is_exact_to_a_few_ulps_of_its_clipped_probability(dtype, y):
    """L = -(y ln c + (1-y) ln(1-c)), dL/dp = (c - y) / (c (1-c)), c = p clipped to
    [lo, 1 - lo], lo = max(1e-12, eps). The value is computed as ln(1-c) + y (ln c -
    ln(1-c)), whose terms reach |ln lo| < 28 and cancel for a confident right answer:
    the value is exact to a few ulps of |ln lo|."""
    p = np.concatenate([inputs(dtype), np.array([0.25, 0.75, 1 - 1e-7, 1 - 1e-13], dtype)])
    value, grad = per_element(BCELoss(), p, y)
    lo = max(1e-12, float(np.finfo(dtype).eps))
    clip = [min(max(v, dtype(lo)), dtype(1.0 - lo)) for v in p]
    c = [D(v) for v in clip]
    yd = D(y)
    exact = [-(yd * CTX.ln(v) + (1 - yd) * CTX.ln(1 - v)) for v in c]
    assert_close(value, exact, dtype, 0, "value", scale=-np.log(np.array(lo, dtype)))
    assert_close(grad, [(v - yd) / (v * (1 - v)) for v in c], dtype, 0, "gradient")


@pytest.mark.parametrize("y", TARGETS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_mse_is_exact_to_a_few_ulps(dtype, y):
    p = inputs(dtype)
    value, grad = per_element(MSELoss(), p, y)
    d = [Fraction(float(v)) - Fraction(y) for v in p]
    assert_close(value, [e**2 for e in d], dtype, 0, "value")
    assert_close(grad, [2 * e for e in d], dtype, 0, "gradient")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", bp.nn.losses.LOSSES)
def test_loss_means_every_special_input_without_float_error(name, dtype):
    pred = inputs(dtype).reshape(-1, 1)
    target = (np.arange(len(pred)) % 2).reshape(-1, 1).astype(dtype)
    loss = bp.nn.losses.LOSSES[name]()
    with contract():
        value, grad = loss(pred, target)
        parts, _ = loss(pred.reshape(-1, 1, 1), target.reshape(-1, 1, 1))
    assert np.isfinite(value) and np.isfinite(grad).all()
    # Every part is ≥ 0, so their mean has no cancellation: N eps relative.
    eps = float(np.finfo(dtype).eps)
    assert value == pytest.approx(np.mean(parts, dtype=np.float64), rel=float(len(pred) * eps))


# ---- optimizers --------------------------------------------------------------------------


def _sqrt(d: Decimal) -> Decimal:
    return CTX.sqrt(d)


def _first_step(opt: str, lr: float, wd: float = 0.0, **kw):
    """θ₁(θ₀, g) of ``opt`` worked out from torch's update rule, from fresh state."""
    lr_, wd_ = D(lr), D(wd)
    eps = D(kw.get("eps", {"adagrad": 1e-10, "adadelta": 1e-6}.get(opt, 1e-8)))

    def step(th, g):
        g = g + wd_ * th if opt != "adamw" else g
        if opt == "sgd":  # Nesterov's first step is g + μ b₁ = (1 + μ) g
            return th - lr_ * g * (1 + D(kw.get("momentum", 0)) * kw.get("nesterov", False))
        if opt in ("adam", "adagrad"):  # m̂ = g, v̂ = g² (Adam); sum = g² (Adagrad)
            return th - lr_ * g / (abs(g) + eps)
        if opt == "adamw":
            return th * (1 - lr_ * wd_) - lr_ * g / (abs(g) + eps)
        if opt == "rmsprop":
            a = D(kw.get("alpha", 0.99))
            v = (1 - a) * g * g - ((1 - a) * g) ** 2 * kw.get("centered", False)
            return th - lr_ * g / (_sqrt(v) + eps)
        if opt == "adadelta":
            rho = D(0.9)
            return th - lr_ * _sqrt(eps) / _sqrt((1 - rho) * g * g + eps) * g
        raise AssertionError(opt)

    return step


OPTIMIZERS = {
    "sgd": (lambda ps: bp.SGD(ps, lr=0.1), _first_step("sgd", 0.1)),
    "sgd-wd": (lambda ps: bp.SGD(ps, lr=0.1, weight_decay=0.01), _first_step("sgd", 0.1, 0.01)),
    "nesterov": (
        lambda ps: bp.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        _first_step("sgd", 0.1, momentum=0.9, nesterov=True),
    ),
    "adagrad": (lambda ps: bp.Adagrad(ps, lr=0.1), _first_step("adagrad", 0.1)),
    "rmsprop": (lambda ps: bp.RMSprop(ps, lr=0.01), _first_step("rmsprop", 0.01)),
    "rmsprop-centered": (
        lambda ps: bp.RMSprop(ps, lr=0.01, centered=True, weight_decay=0.01),
        _first_step("rmsprop", 0.01, 0.01, centered=True),
    ),
    "adam": (lambda ps: bp.Adam(ps, lr=0.1, amsgrad=True), _first_step("adam", 0.1)),
    "adamw": (lambda ps: bp.AdamW(ps, lr=0.1), _first_step("adamw", 0.1, 0.01)),
    "adadelta": (lambda ps: bp.Adadelta(ps, lr=0.5), _first_step("adadelta", 0.5)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_first_step_is_exact_to_a_few_ulps_for_every_pair_of_special_inputs(name, dtype):
    """θ and g each take every special value. θ₁ = θ₀ - step cancels when the two are
    close, so the tolerance adds ULPS ulps of |θ₀| + |step|.

    Adam's m = (1 - β1) g of a subnormal g underflows (allowed), losing g's low bits,
    and its step m̂ / ε multiplies that loss by 1e8: there only finiteness is checked."""
    make, exact = OPTIMIZERS[name]
    x = inputs(dtype)
    th, g = (a.ravel() for a in np.meshgrid(x, x))
    p = Parameter(th.copy())
    p.grad[...] = g
    opt = make([p])
    with contract():
        opt.step()
    assert np.isfinite(p.data).all()
    keep = np.ones(len(g), bool)
    if name.startswith("adam"):
        keep = (np.abs(g) >= np.finfo(dtype).tiny) | (g == 0)
    want = [exact(D(a), D(b)) for a, b in zip(th[keep], g[keep])]
    scale = [abs(D(a)) + abs(D(a) - w) for a, w in zip(th[keep], want)]  # |θ₀| + |step|
    assert_close(p.data[keep], want, dtype, 0, name, scale=rounded(scale, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_steps_on_extreme_gradients_stay_finite(name, dtype):
    x = inputs(dtype)
    p = Parameter(np.resize(x, 64))
    opt = OPTIMIZERS[name][0]([p])
    with contract():
        for g in (x, -x, x[::-1], np.zeros_like(x), x):
            p.grad[...] = np.resize(g, 64)
            opt.step()
    assert np.isfinite(p.data).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_centered_rmsprop_survives_a_constant_gradient(dtype):
    """v - ḡ² tends to 0 and then to rounding noise either side of it; √ of the noise
    was NaN after ~1200 float32 steps (~3200 in float64) of a gradient of 0.1."""
    p = Parameter(np.zeros(4, dtype))
    opt = bp.RMSprop([p], lr=1e-3, centered=True)
    steps = 1500 if dtype == np.float32 else 3500
    with contract():
        for _ in range(steps):
            p.grad[...] = 0.1
            opt.step()
    assert np.isfinite(p.data).all()


_OPTIMIZER_BITS = """
import hashlib, numpy as np
from backprop.nn.module import Parameter
from backprop.optim import OPTIMIZERS
h = hashlib.sha256()
for dtype in (np.float32, np.float64):
    for make in OPTIMIZERS.values():
        for wd in (0.0, 0.01):
            rng = np.random.default_rng(0)
            p = Parameter(rng.standard_normal(200).astype(dtype))
            opt = make([p], lr=0.01, weight_decay=wd)
            for _ in range(20):  # gradients from 2**-130 (subnormal in float32) to 2**12
                p.grad[...] = np.ldexp(rng.standard_normal(200), rng.integers(-130, 12, 200))
                opt.step()
            h.update(p.data.tobytes())
print(h.hexdigest())
"""


def test_optimizer_steps_are_bit_identical_on_every_simd_path():
    """+, -, ×, ÷ and √ round the same in NumPy's AVX-512, AVX2 and SSE loops, so an
    optimizer (nothing else) gives the same bits on every x86 CPU. An exp, log or ** in
    an update rule would break this: their float64 loops differ between the paths."""
    runs = set()
    for off in ["", "X86_V4 AVX512_ICL AVX512_SPR", "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"]:
        env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": off}
        done = subprocess.run(
            [sys.executable, "-c", _OPTIMIZER_BITS], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        runs.add(done.stdout)
    assert len(runs) == 1, runs


# ---- the fused path ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", [bp.Sigmoid, bp.Tanh, bp.Identity])
def test_fused_step_on_saturating_inputs_matches_the_modules(act, dtype):
    """Inputs take every special value, so pre-activations reach ±3e4 and every unit
    saturates. The fused σ lets e^{-x} overflow on purpose (``fit`` silences it); no
    other float error, and the step computes what the modules compute, up to the order
    in which BLAS sums N = 40 samples (N eps of each parameter's largest entry)."""
    x = np.resize(inputs(dtype), (40, 2))
    y = (np.arange(40) % 2).reshape(-1, 1).astype(dtype)
    rng = np.random.default_rng(0)
    layers = [bp.Linear(2, 3, rng=rng, dtype=dtype), act(), bp.Linear(3, 1, rng=rng, dtype=dtype)]
    model = bp.Sequential(*layers, bp.Sigmoid())
    for p in model.parameters():
        p.data *= 3.0
    plain = copy.deepcopy(model)
    with contract():
        value, grad = BCELoss()(plain.forward(x), y)
        plain.backward(grad)
    fused = plan(model, x, y, BCELoss(), bp.SGD(model.parameters(), 0.1))
    assert fused is not None
    with contract(), np.errstate(over="ignore"):
        fused_value, _ = fused.grad()
    fused.close()  # the gradients into model's parameters
    eps = np.finfo(dtype).eps
    assert fused_value == pytest.approx(value, rel=float(ULPS * eps))
    for (name, p), q in zip(model.named_parameters(), plain.parameters()):
        assert np.isfinite(p.grad).all(), name
        tol = len(x) * eps  # a sum of N = 40 terms, in another order
        atol = tol * np.abs(q.grad).max()
        np.testing.assert_allclose(p.grad, q.grad, rtol=tol, atol=atol, err_msg=name)


# ---- convolution and pooling -------------------------------------------------------------


def _conv_exact(x, w, b, s):
    """y, dL/dx, dL/dw for dL/dy = 1 by the definition's loops in exact fractions, each
    with Σ|terms|: ``[(y, Σ|·|), (dx, Σ|·|), (dw, Σ|·|)]``."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // s + 1, (wd - kw) // s + 1
    f = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])
    x, w, b = f(x), f(w), f(b)
    y, abs_y = np.empty((n, o, oh, ow), object), np.empty((n, o, oh, ow), object)
    dx, dw = np.full(x.shape, Fraction(0), object), np.full(w.shape, Fraction(0), object)
    abs_dx, abs_dw = dx.copy(), dw.copy()
    for i in np.ndindex(n, o, oh, ow):
        at = (i[0], slice(None), slice(i[2] * s, i[2] * s + kh), slice(i[3] * s, i[3] * s + kw))
        y[i] = b[i[1]] + (w[i[1]] * x[at]).sum()
        abs_y[i] = abs(b[i[1]]) + abs(w[i[1]] * x[at]).sum()
        dx[at] += w[i[1]]
        abs_dx[at] += abs(w[i[1]])
        dw[i[1]] += x[at]
        abs_dw[i[1]] += abs(x[at])
    return [(y, abs_y), (dx, abs_dx), (dw, abs_dw)]


@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_is_exact_to_its_sums_rounding(stride):
    """Float64 only (Conv2d's parameters are float64). A sum of m products rounds to
    within m eps of Σ|terms|, whatever order BLAS picks: that is the tolerance."""
    rng = np.random.default_rng(1)
    x = rng.choice(inputs(np.float64), size=(2, 2, 5, 5))
    conv = bp.Conv2d(2, 3, 3, stride=stride, rng=rng)
    conv.bias.data[...] = rng.standard_normal(3)
    with contract():
        y = conv.forward(x)
        dx = conv.backward(np.ones_like(y))
    exact = _conv_exact(x, conv.weight.data, conv.bias.data, stride)
    m, eps = 2 * 3 * 3 + 1, np.finfo(np.float64).eps
    as_float = np.vectorize(float, otypes=[float])
    for name, got, (want, sum_abs) in zip(["y", "dx", "dw"], [y, dx, conv.weight.grad], exact):
        assert np.isfinite(got).all(), name
        err = np.abs(got - as_float(want))
        assert (err <= m * eps * as_float(sum_abs)).all(), f"{name}: {err.max()}"


@pytest.mark.parametrize("cls", [bp.MaxPool2d, bp.AvgPool2d])
def test_pooling_is_exact_to_its_sums_rounding(cls):
    """Max pooling selects, so it is exact and takes the first maximum; average pooling
    is a sum of k = 4 terms divided by 4 (exact), within k eps of Σ|terms| / k."""
    x = np.random.default_rng(2).choice(inputs(np.float64), size=(2, 3, 6, 6))
    pool = cls(2)
    with contract():
        y = pool.forward(x)
        dx = pool.backward(np.ones_like(y))
    win = x.reshape(2, 3, 3, 2, 3, 2).swapaxes(3, 4).reshape(2, 3, 3, 3, 4)
    if cls is bp.MaxPool2d:
        np.testing.assert_array_equal(y, win.max(axis=-1))
        # dL/dx is 1 at each window's first maximum (ties are common among these inputs).
        dwin = dx.reshape(2, 3, 3, 2, 3, 2).swapaxes(3, 4).reshape(2, 3, 3, 3, 4)
        np.testing.assert_array_equal(dwin.sum(axis=-1), 1.0)
        np.testing.assert_array_equal(dwin.argmax(axis=-1), win.argmax(axis=-1))
    else:
        exact = np.vectorize(lambda *v: float(sum(map(Fraction, v)) / 4))(*np.moveaxis(win, -1, 0))
        bound = 4 * np.finfo(np.float64).eps * np.abs(win).sum(axis=-1) / 4
        assert (np.abs(y - exact) <= bound).all()
        np.testing.assert_array_equal(dx, np.full(x.shape, 0.25))
