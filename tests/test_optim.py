"""Optimizers: first steps against hand-worked formulas, stacks against single runs.

PyTorch's trajectories for every setting are in test_golden.py.
"""

import re
from math import sqrt

import numpy as np
import pytest

from backprop.nn.module import Parameter
from backprop.optim import (
    DEFAULT_LR,
    OPTIMIZERS,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSprop,
)

G = (1.0, -2.0, 0.5)  # the gradient at steps 1, 2, 3 in the hand-worked examples
TH0 = 1.0


def run(make, grads=G, th0=TH0):
    """θ after each step of ``make([p])`` fed the scalar gradients ``grads``."""
    p = Parameter(np.array([th0]))
    opt = make([p])
    out = []
    for g in grads:
        p.grad[...] = g
        opt.step()
        out.append(float(p.data[0]))
    return out


def check(got, expected):
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


# ---- SGD -------------------------------------------------------------------------------


def test_sgd_plain_is_the_handout_rule():
    check(run(lambda ps: SGD(ps, lr=0.1)), [0.9, 1.1, 1.05])


def test_sgd_momentum_first_buffer_is_the_gradient():
    lr, mu = 0.1, 0.9
    b1 = 1.0  # t = 1: b ← g, no (1 − τ)
    b2 = mu * b1 + -2.0  # -1.1
    b3 = mu * b2 + 0.5  # -0.49
    check(run(lambda ps: SGD(ps, lr, momentum=mu)), [0.9, 0.9 - lr * b2, 0.9 - lr * b2 - lr * b3])
    check(run(lambda ps: SGD(ps, lr, momentum=mu))[:2], [0.9, 1.01])


def test_sgd_dampening_skips_the_first_step():
    lr, mu, tau = 0.1, 0.9, 0.5
    b1 = 1.0
    b2 = mu * b1 + (1 - tau) * -2.0  # -0.1
    check(run(lambda ps: SGD(ps, lr, momentum=mu, dampening=tau))[:2], [0.9, 0.9 - lr * b2])


def test_sgd_nesterov():
    # lr 0.1, μ 0.9: b1 = 1, θ1 = 1 − 0.1 (1 + 0.9·1) = 0.81;
    # b2 = 0.9·1 − 2 = −1.1, θ2 = 0.81 − 0.1 (−2 + 0.9·(−1.1)) = 0.81 + 0.299.
    check(run(lambda ps: SGD(ps, 0.1, momentum=0.9, nesterov=True))[:2], [0.81, 1.109])


def test_sgd_weight_decay_is_an_l2_term_in_the_gradient():
    lr, lam = 0.1, 0.1
    th1 = 1.0 - lr * (1.0 + lam * 1.0)  # 0.89
    th2 = th1 - lr * (-2.0 + lam * th1)
    check(run(lambda ps: SGD(ps, lr, weight_decay=lam))[:2], [th1, th2])


def sgd_by_hand(lr, mu, tau, nesterov, lam, grads=G, th=TH0):
    """torch.optim.SGD's pseudo-code on scalars: g ← ∇ + λθ first, then the buffer of g."""
    out, b = [], None
    for t, grad in enumerate(grads):
        g = grad + lam * th
        if mu:
            b = g if t == 0 else mu * b + (1 - tau) * g
            g = g + mu * b if nesterov else b
        th -= lr * g
        out.append(th)
    return out


# Every momentum / dampening / Nesterov setting, each with and without weight decay.
SGD_SETTINGS = [
    (mu, tau, nesterov, lam)
    for mu, tau, nesterov in [
        (0.0, 0.0, False),
        (0.9, 0.0, False),
        (0.9, 0.5, False),
        (0.9, 0.0, True),
    ]
    for lam in (0.0, 0.5)
]


@pytest.mark.parametrize(("mu", "tau", "nesterov", "lam"), SGD_SETTINGS)
def test_sgd_weight_decay_enters_before_the_momentum_buffer(mu, tau, nesterov, lam):
    got = run(lambda ps: SGD(ps, 0.1, mu, tau, nesterov, lam))
    check(got, sgd_by_hand(0.1, mu, tau, nesterov, lam))


def test_sgd_by_hand_with_weight_decay_and_momentum_worked_out():
    # λ 0.5, μ 0.9, lr 0.1: g1 = 1 + 0.5 = 1.5 = b1, θ1 = 0.85;
    # g2 = −2 + 0.425 = −1.575, b2 = 1.35 − 1.575 = −0.225, θ2 = 0.85 + 0.0225.
    check(run(lambda ps: SGD(ps, 0.1, momentum=0.9, weight_decay=0.5))[:2], [0.85, 0.8725])
    # Nesterov: θ1 = 1 − 0.1 (1.5 + 0.9·1.5) = 0.715; g2 = −2 + 0.3575 = −1.6425,
    # b2 = 1.35 − 1.6425 = −0.2925, θ2 = 0.715 − 0.1 (−1.6425 − 0.26325) = 0.905575.
    got = run(lambda ps: SGD(ps, 0.1, momentum=0.9, nesterov=True, weight_decay=0.5))
    check(got[:2], [0.715, 0.905575])


# ---- Adagrad ---------------------------------------------------------------------------


def test_adagrad_divides_by_the_root_of_the_running_sum():
    lr, eps = 0.1, 1e-10
    s1 = 1.0**2
    th1 = 1.0 - lr * 1.0 / (sqrt(s1) + eps)
    s2 = s1 + (-2.0) ** 2
    th2 = th1 - lr * -2.0 / (sqrt(s2) + eps)
    s3 = s2 + 0.5**2
    th3 = th2 - lr * 0.5 / (sqrt(s3) + eps)
    check(run(lambda ps: Adagrad(ps, lr=lr)), [th1, th2, th3])


def test_adagrad_lr_decay_and_initial_accumulator():
    lr, decay, tau, eps = 0.1, 0.5, 0.25, 1e-10
    s1 = tau + 1.0
    th1 = 1.0 - lr / (1 + 0 * decay) * 1.0 / (sqrt(s1) + eps)
    s2 = s1 + 4.0
    th2 = th1 - lr / (1 + 1 * decay) * -2.0 / (sqrt(s2) + eps)
    got = run(lambda ps: Adagrad(ps, lr, lr_decay=decay, initial_accumulator_value=tau))
    check(got[:2], [th1, th2])


# ---- RMSprop ---------------------------------------------------------------------------


def test_rmsprop_defaults():
    lr, a, eps = 1e-2, 0.99, 1e-8
    v1 = (1 - a) * 1.0
    th1 = 1.0 - lr * 1.0 / (sqrt(v1) + eps)  # ≈ 0.9: the first step is lr / √(1 − α)
    v2 = a * v1 + (1 - a) * 4.0
    th2 = th1 - lr * -2.0 / (sqrt(v2) + eps)
    check(run(lambda ps: RMSprop(ps))[:2], [th1, th2])


def test_rmsprop_centered_with_momentum():
    lr, a, eps, mu = 1e-2, 0.9, 1e-8, 0.5
    v1, m1 = (1 - a) * 1.0, (1 - a) * 1.0
    b1 = 1.0 / (sqrt(v1 - m1**2) + eps)
    th1 = 1.0 - lr * b1
    v2, m2 = a * v1 + (1 - a) * 4.0, a * m1 + (1 - a) * -2.0
    b2 = mu * b1 + -2.0 / (sqrt(v2 - m2**2) + eps)
    th2 = th1 - lr * b2
    got = run(lambda ps: RMSprop(ps, lr, alpha=a, momentum=mu, centered=True))
    check(got[:2], [th1, th2])


def rmsprop_by_hand(lr, alpha, eps, lam, mu, centered, grads=G, th=TH0):
    """torch.optim.RMSprop's pseudo-code on scalars: every average is of g = ∇ + λθ."""
    out, v, g_avg, b = [], 0.0, 0.0, 0.0
    for grad in grads:
        g = grad + lam * th
        v = alpha * v + (1 - alpha) * g * g
        denom = v
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            denom = v - g_avg * g_avg
        step = g / (sqrt(denom) + eps)
        if mu:
            b = mu * b + step
            step = b
        th -= lr * step
        out.append(th)
    return out


@pytest.mark.parametrize("lam", [0.0, 0.5])
@pytest.mark.parametrize("mu", [0.0, 0.5])
@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_weight_decay_enters_every_average(centered, mu, lam):
    got = run(lambda ps: RMSprop(ps, 0.01, 0.9, 1e-8, lam, mu, centered))
    check(got, rmsprop_by_hand(0.01, 0.9, 1e-8, lam, mu, centered))


def test_centered_rmsprop_averages_the_decayed_gradient_worked_out():
    # λ 1, α 0.5: g1 = 1 + 1 = 2, v1 = 2, ḡ1 = 1, √(v1 − ḡ1²) = 1, θ1 = 1 − 0.1·2 = 0.8.
    # (ḡ of the raw gradient, 0.5, would give √1.75 and θ1 = 0.849.)
    got = run(lambda ps: RMSprop(ps, 0.1, alpha=0.5, eps=0.0, weight_decay=1.0, centered=True))
    check(got[0], 0.8)


# ---- Adam / AdamW ----------------------------------------------------------------------


def test_adam_bias_correction():
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    m1, v1 = (1 - b1) * 1.0, (1 - b2) * 1.0
    th1 = 1.0 - lr * (m1 / (1 - b1)) / (sqrt(v1 / (1 - b2)) + eps)  # ≈ 1 − lr: step is ±lr
    m2, v2 = b1 * m1 + (1 - b1) * -2.0, b2 * v1 + (1 - b2) * 4.0
    th2 = th1 - lr * (m2 / (1 - b1**2)) / (sqrt(v2 / (1 - b2**2)) + eps)
    m3, v3 = b1 * m2 + (1 - b1) * 0.5, b2 * v2 + (1 - b2) * 0.25
    th3 = th2 - lr * (m3 / (1 - b1**3)) / (sqrt(v3 / (1 - b2**3)) + eps)
    check(run(lambda ps: Adam(ps)), [th1, th2, th3])


def test_adam_amsgrad_keeps_the_largest_second_moment():
    lr, b1, b2, eps = 0.1, 0.9, 0.9, 1e-8
    g = (2.0, 0.1)  # v falls at step 2 (0.4 → 0.361), so v_max stays at 0.4
    m1, v1 = (1 - b1) * 2.0, (1 - b2) * 4.0
    th1 = 1.0 - lr * (m1 / (1 - b1)) / (sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * 0.1, b2 * v1 + (1 - b2) * 0.01
    plain = th1 - lr * (m2 / (1 - b1**2)) / (sqrt(v2 / (1 - b2**2)) + eps)
    ams = th1 - lr * (m2 / (1 - b1**2)) / (sqrt(v1 / (1 - b2**2)) + eps)
    check(run(lambda ps: Adam(ps, lr, betas=(b1, b2)), g), [th1, plain])
    check(run(lambda ps: Adam(ps, lr, betas=(b1, b2), amsgrad=True), g), [th1, ams])
    p = Parameter(np.array([1.0]))
    opt = Adam([p], lr, betas=(b1, b2), amsgrad=True)
    for gt in g:
        p.grad[...] = gt
        opt.step()
    check([opt.state[0]["v"][0], opt.state[0]["v_max"][0]], [0.361, 0.4])  # v fell, v_max did not


def test_adam_weight_decay_enters_the_moments():
    lr, lam, b1, b2, eps = 0.1, 0.5, 0.9, 0.999, 1e-8
    g1 = 1.0 + lam * 1.0
    th1 = 1.0 - lr * g1 / (sqrt(g1**2) + eps)  # the first Adam step is ±lr whatever g is
    g2 = -2.0 + lam * th1
    m2, v2 = b1 * (1 - b1) * g1 + (1 - b1) * g2, b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    th2 = th1 - lr * (m2 / (1 - b1**2)) / (sqrt(v2 / (1 - b2**2)) + eps)
    check(run(lambda ps: Adam(ps, lr, weight_decay=lam))[:2], [th1, th2])


def test_adamw_decays_the_parameter_before_the_adam_step():
    lr, lam, b1, b2, eps = 0.1, 0.5, 0.9, 0.999, 1e-8
    th1 = 1.0 * (1 - lr * lam) - lr * 1.0 / (1.0 + eps)  # 0.95 − 0.1
    m2, v2 = b1 * (1 - b1) * 1.0 + (1 - b1) * -2.0, b2 * (1 - b2) * 1.0 + (1 - b2) * 4.0
    th2 = th1 * (1 - lr * lam) - lr * (m2 / (1 - b1**2)) / (sqrt(v2 / (1 - b2**2)) + eps)
    got = run(lambda ps: AdamW(ps, lr, weight_decay=lam))
    check(got[:2], [th1, th2])
    np.testing.assert_allclose(got[0], 0.85, rtol=1e-8)  # 1·(1 − 0.05) − 0.1; ε shifts it by 1e-9


# ---- Adadelta --------------------------------------------------------------------------


def test_adadelta_defaults():
    lr, rho, eps = 1.0, 0.9, 1e-6
    v1 = (1 - rho) * 1.0
    dx1 = sqrt(0.0 + eps) / sqrt(v1 + eps) * 1.0
    u1 = (1 - rho) * dx1**2
    th1 = 1.0 - lr * dx1
    v2 = rho * v1 + (1 - rho) * 4.0
    dx2 = sqrt(u1 + eps) / sqrt(v2 + eps) * -2.0
    th2 = th1 - lr * dx2
    check(run(lambda ps: Adadelta(ps))[:2], [th1, th2])


@pytest.mark.parametrize("lam", [0.0, 0.5])
def test_adadelta_scales_its_step_by_lr(lam):
    lr, rho, eps = 0.5, 0.9, 1e-6
    g1 = 1.0 + lam * 1.0
    v1 = (1 - rho) * g1**2
    dx1 = sqrt(0.0 + eps) / sqrt(v1 + eps) * g1
    u1 = (1 - rho) * dx1**2  # the unscaled Δx: lr does not enter the averages
    th1 = 1.0 - lr * dx1
    g2 = -2.0 + lam * th1
    v2 = rho * v1 + (1 - rho) * g2**2
    dx2 = sqrt(u1 + eps) / sqrt(v2 + eps) * g2
    th2 = th1 - lr * dx2
    check(run(lambda ps: Adadelta(ps, lr, weight_decay=lam))[:2], [th1, th2])
    # lr 2, λ 0, first step: Δx1 = √1e-6 / √(0.1 + 1e-6) ≈ 0.00316, θ1 = 1 − 2 Δx1.
    np.testing.assert_allclose(run(lambda ps: Adadelta(ps, 2.0))[0], 0.993675, atol=1e-6)


# ---- shared behaviour ------------------------------------------------------------------

# Non-default settings so that every branch of every update runs in the tests below.
SETTINGS = [
    ("sgd", {}),
    ("momentum", {"dampening": 0.2, "weight_decay": 0.1}),
    ("nesterov", {"weight_decay": 0.1}),
    ("adagrad", {"lr_decay": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.1}),
    ("rmsprop", {}),
    ("rmsprop", {"momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("adam", {"amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {}),
    ("adamw", {"amsgrad": True, "weight_decay": 0.3}),
    ("adadelta", {"weight_decay": 0.1}),
]


def drive(opt: Optimizer, grads: list[np.ndarray], steps: int) -> None:
    """``steps`` updates with a gradient that depends on θ, so the state matters."""
    for t in range(steps):
        for p, g in zip(opt.params, grads):
            p.grad[...] = g[t] + 0.5 * p.data
        opt.step()


@pytest.mark.parametrize(("name", "kw"), SETTINGS)
@pytest.mark.parametrize("lrs", [[0.3, 0.01, 0.05], [0.2, 0.02]])
def test_stack_with_per_model_lr_equals_separate_runs(name, kw, lrs):
    # Three parameters of different sizes share the optimizer's one flat buffer.
    rng = np.random.default_rng(0)
    shapes = [(2, 4), (1, 4), (5,)]
    starts = [rng.normal(size=(len(lrs), *s)) for s in shapes]
    grads = [rng.normal(size=(6, len(lrs), *s)) for s in shapes]
    stack = [Parameter(a.copy()) for a in starts]
    opt = OPTIMIZERS[name](stack, np.array(lrs), **kw)
    for p, a in zip(stack, starts):  # moved into the flat buffer, values unchanged
        np.testing.assert_array_equal(p.data, a)
    drive(opt, grads, 6)
    for m, lr in enumerate(lrs):
        single = [Parameter(a[m].copy()) for a in starts]
        drive(OPTIMIZERS[name](single, lr, **kw), [g[:, m] for g in grads], 6)
        for p, q in zip(stack, single):
            np.testing.assert_allclose(p.data[m], q.data, rtol=1e-13, atol=1e-15)
    assert not np.allclose(stack[0].data, starts[0])  # it moved


@pytest.mark.parametrize(("name", "kw"), SETTINGS)
def test_parameters_of_different_dtypes_keep_them_and_step_as_alone(name, kw):
    rng = np.random.default_rng(2)
    starts = [rng.normal(size=3).astype(np.float32), rng.normal(size=(2, 2))]
    grads = [rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(4, 2, 2))]
    both = [Parameter(a.copy()) for a in starts]
    drive(OPTIMIZERS[name](both, 0.1, **kw), grads, 4)
    for p, a, g in zip(both, starts, grads):
        alone = Parameter(a.copy())
        drive(OPTIMIZERS[name]([alone], 0.1, **kw), [g], 4)
        assert p.data.dtype == p.grad.dtype == a.dtype
        np.testing.assert_array_equal(p.data, alone.data)


@pytest.mark.parametrize(("name", "kw"), SETTINGS)
def test_update_is_elementwise_and_leaves_grad_alone(name, kw):
    rng = np.random.default_rng(1)
    th0, grads = rng.normal(size=3), rng.normal(size=(4, 3))
    p = Parameter(th0.copy())
    opt = OPTIMIZERS[name]([p], 0.1, **kw)
    for g in grads:
        p.grad[...] = g
        opt.step()
        np.testing.assert_array_equal(p.grad, g)
    for i in range(3):
        q = Parameter(th0[i : i + 1].copy())
        opt = OPTIMIZERS[name]([q], 0.1, **kw)
        for g in grads:
            q.grad[...] = g[i]
            opt.step()
        np.testing.assert_allclose(p.data[i], q.data[0], rtol=1e-14)


def test_the_cli_table():
    names = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adadelta"]
    assert list(OPTIMIZERS) == names
    assert list(DEFAULT_LR) == names
    p = [Parameter(np.zeros(2))]
    assert OPTIMIZERS["momentum"](p, 0.1).momentum == 0.9
    nesterov = OPTIMIZERS["nesterov"](p, 0.1, momentum=0.5)
    assert (nesterov.momentum, nesterov.nesterov) == (0.5, True)
    assert isinstance(OPTIMIZERS["adamw"](p, 0.1), AdamW)
    assert repr(OPTIMIZERS["momentum"](p, 0.1)) == (
        "SGD(lr=0.1, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0)"
    )


def test_torch_defaults():
    p = [Parameter(np.zeros(2))]
    assert Adam(p, betas=(0.0, 0.0)).betas == (0.0, 0.0)  # 0 ≤ β < 1, as torch allows
    assert (Adagrad(p).lr, Adagrad(p).eps, Adagrad(p).initial_accumulator_value) == (1e-2, 1e-10, 0)
    r = RMSprop(p)
    assert (r.lr, r.alpha, r.eps, r.momentum, r.centered) == (1e-2, 0.99, 1e-8, 0, False)
    a = Adam(p)
    assert (a.lr, a.betas, a.eps, a.weight_decay, a.amsgrad) == (1e-3, (0.9, 0.999), 1e-8, 0, False)
    assert AdamW(p).weight_decay == 1e-2
    d = Adadelta(p)
    assert (d.lr, d.rho, d.eps, d.weight_decay) == (1.0, 0.9, 1e-6, 0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, 0.1, momentum=-1), "Invalid momentum value: -1"),
        (lambda p: SGD(p, 0.1, dampening=1.5), "Invalid dampening value: 1.5"),
        (lambda p: SGD(p, 0.1, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
        (lambda p: SGD(p, 0.1, nesterov=True), "Nesterov momentum requires momentum > 0"),
        (lambda p: SGD(p, 0.1, 0.9, 0.1, nesterov=True), "and dampening = 0"),
        (lambda p: SGD(p, 0.1, momentum=float("nan")), "Invalid momentum value: nan"),
        (lambda p: SGD(p, 0), "Invalid learning rate: 0"),
        (lambda p: SGD(p, -0.1), "Invalid learning rate: -0.1"),
        (lambda p: SGD(p, np.ones((2, 2))), "Invalid learning rate"),
        (lambda p: SGD(p, np.ones(3)), "lr has 3 values but a parameter has shape (2,)"),
        (lambda p: Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
        (lambda p: Adagrad(p, initial_accumulator_value=-1), "initial_accumulator_value value"),
        (lambda p: Adagrad(p, eps=-1e-10), "Invalid eps value: -1e-10"),
        (lambda p: Adagrad(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: RMSprop(p, alpha=1.5), "Invalid alpha value: 1.5"),
        (lambda p: RMSprop(p, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: Adam(p, eps=-1), "Invalid eps value: -1"),
        (lambda p: AdamW(p, weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
        (lambda p: Adadelta(p, rho=1.1), "Invalid rho value: 1.1"),
        (lambda p: Adadelta(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    ],
)
def test_invalid_hyperparameters_raise(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make([Parameter(np.zeros(2))])


def test_zero_grad_and_parameters_rebound_after_the_optimizer_was_made():
    p, q = Parameter(np.ones(2)), Parameter(np.ones((1, 3)))
    opt = SGD([p, q], lr=0.5)
    p.grad[...], q.grad[...] = 1.0, 2.0
    opt.zero_grad()
    assert not p.grad.any() and not q.grad.any()
    p.data, p.grad = np.array([4.0, 6.0]), np.array([2.0, -2.0])  # new arrays, same shape
    opt.step()
    np.testing.assert_array_equal(p.data, [3.0, 7.0])
    np.testing.assert_array_equal(q.data, [[1.0, 1.0, 1.0]])
    assert p.data is not q.data  # step updated the rebound arrays in place, never rebinding


def test_empty_parameter_list_raises():
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([])


def test_options_are_read_and_set_through_one_checked_method():
    """``options`` reads, ``set_options`` checks as the constructor does and keeps the
    state, ``reset_state`` drops it; ``option_defaults`` reads the factory's signature."""
    from backprop.optim import option_defaults

    p = Parameter(np.ones(3))
    opt = SGD([p], 0.1, momentum=0.5)
    assert opt.options == {**option_defaults("sgd"), "momentum": 0.5}
    assert option_defaults("nesterov")["nesterov"] is True
    p.grad[...] = 1.0
    opt.step()
    buffer = opt.state[0]["b"]
    opt.set_options(momentum=0.9)
    assert opt.momentum == 0.9 and opt.state[0]["b"] is buffer and opt.t == 1
    with pytest.raises(ValueError, match="Invalid momentum value: -1"):
        opt.set_options(momentum=-1)
    with pytest.raises(ValueError, match="SGD has no option 'beta'"):
        opt.set_options(beta=0.9)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        opt.set_options(momentum=0.0, nesterov=True)
    assert opt.momentum == 0.9  # a refused change changes nothing
    opt.reset_state()
    assert opt.t == 0 and opt.state == [{}]


def test_rebase_restarts_the_cosine_from_a_new_rate_at_the_same_point():
    from backprop.optim.lr_scheduler import CosineAnnealingLR

    opt = SGD([Parameter(np.ones(1))], 1.0)
    sched = CosineAnnealingLR(opt, 10)
    for _ in range(5):
        sched.step()
    assert opt.lr == pytest.approx(0.5)
    sched.rebase(0.2)
    assert sched.t == 5 and opt.lr == pytest.approx(0.1)
