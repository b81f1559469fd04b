"""fit's fused path against the plain path: forward, loss, backward, step on the modules.

BLAS sums the tiny products in a different order for the fused path's feature-major
GEMMs, so the two agree to rounding, not bit for bit: 1e-12 relative in float64
after 40 epochs (a wrong gradient shows up at 1e-2).
"""

import copy

import numpy as np
import pytest

import backprop as bp
from backprop._fused import plan
from backprop.lab import data
from backprop.lab.config import build, build_model, seed_rngs
from backprop.nn.losses import Loss

CONFIGS = {
    "default": bp.DEFAULT,
    "handout": bp.HANDOUT.replace(hidden=(4, 4), lr=1.0),
    "logits": bp.DEFAULT.replace(output="identity", loss="bce-logits", optimizer="sgd", lr=0.5),
    "mse-tanh-rmsprop": bp.DEFAULT.replace(loss="mse", optimizer="rmsprop", lr=0.01, bias=False),
    "wide": bp.DEFAULT.replace(hidden=(40, 3), normalize=False, schedule="constant"),
}


def both(config, X, y, models=None, seeds=(0,), epochs=40):
    """(fused model, fused history, plain model, plain history): ``fit(fused=True)`` and
    ``fit(fused=False)`` of the same run."""
    out = []
    for fused in (True, False):
        rng = seed_rngs(seeds) if models else np.random.default_rng(seeds[0])
        run = build(config.replace(epochs=epochs), models=models, rng=rng)
        out += [run.model, run.fit(X, y, fused=fused)]
    return out


def assert_same(a, ha, b, hb, rtol):
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=rtol, atol=rtol, err_msg=name)
        np.testing.assert_allclose(p.grad, q.grad, rtol=rtol, atol=rtol, err_msg=name)
    np.testing.assert_allclose(ha.loss, hb.loss, rtol=rtol)
    np.testing.assert_array_equal(ha.accuracy, hb.accuracy)


@pytest.mark.parametrize("name", CONFIGS)
def test_single_model_matches_the_plain_path(name):
    X, y = data.load("linear", 3)
    assert_same(*both(CONFIGS[name], X, y), rtol=1e-12)


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("shared", [True, False], ids=["shared-input", "own-input"])
def test_stack_matches_the_plain_path(name, shared):
    seeds = [0, 1, 2, 3, 4]
    if shared:
        X, y = data.load("xor")
    else:
        X, y = (np.stack(a) for a in zip(*[data.load("linear", s) for s in seeds]))
    assert_same(*both(CONFIGS[name], X, y, models=5, seeds=seeds), rtol=1e-12)


def test_chunked_stack_matches_the_plain_path(monkeypatch):
    """Chunks of 2 models over a stack of 5 (the last chunk short) change nothing."""
    import backprop._fused

    seeds = [7, 8, 9, 10, 11]
    X, y = (np.stack(a) for a in zip(*[data.load("linear", s) for s in seeds]))
    per_model = 100 * 8 * (2 * (4 + 4 + 1) + 1)
    monkeypatch.setattr(backprop._fused, "CHUNK_BYTES", 2 * per_model)
    model = build_model(CONFIGS["handout"], models=5, rng=seed_rngs(seeds))
    assert len(plan(model, X, y, bp.MSELoss(), bp.SGD(model.parameters(), 1.0)).chunks) == 3
    assert_same(*both(CONFIGS["handout"], X, y, models=5, seeds=seeds), rtol=1e-12)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 2e-4)])
def test_einsum_outer_product_matches_the_plain_path(monkeypatch, dtype, rtol):
    """A stack's W D of one output through einsum (chunks of 64+ models), and σ of
    ``c Wᵀ A`` with float32's ``c = ½``."""
    import backprop._fused

    seeds = [0, 1, 2, 3, 4]
    X, y = (np.stack(a) for a in zip(*[data.load("linear", s) for s in seeds]))
    monkeypatch.setattr(backprop._fused, "EINSUM_MODELS", 2)
    config = CONFIGS["handout"].replace(dtype=dtype)
    assert_same(*both(config, X, y, models=5, seeds=seeds, epochs=20), rtol=rtol)


def test_float32_matches_the_plain_path_in_float32():
    X, y = data.load("linear", 5)
    a, ha, b, hb = both(bp.DEFAULT.replace(dtype="float32"), X, y, epochs=20)
    assert a[1].weight.data.dtype == np.float32 and ha.loss.dtype == np.float32
    assert_same(a, ha, b, hb, rtol=2e-4)


@pytest.mark.parametrize(
    "model",
    [
        bp.Sequential(bp.Linear(2, 3), bp.ReLU(), bp.Linear(3, 1), bp.Sigmoid()),
        bp.Sequential(bp.Sigmoid(), bp.Linear(2, 1)),
        bp.Sequential(bp.Linear(2, 3), bp.Tanh(), bp.Tanh(), bp.Linear(3, 1)),
        bp.Sequential(bp.Linear(2, 3, dtype=np.float32), bp.Linear(3, 1)),
        bp.Linear(2, 1),
    ],
    ids=["relu", "activation-first", "two-activations", "mixed-dtype", "bare"],
)
def test_models_outside_the_fused_path_fall_back(model):
    """No plan: ``fit`` trains through the modules' own forward/backward, as
    ``fused=False`` does, and ``fused=True`` says the model has no fused path."""
    X, y = data.load("xor")
    assert plan(model, X, y, bp.MSELoss(), bp.SGD(model.parameters(), 0.1)) is None
    a, b, c = (copy.deepcopy(model) for _ in range(3))
    ha = bp.fit(a, X, y, loss=bp.MSELoss(), optimizer=bp.SGD(a.parameters(), 0.1), epochs=3)
    hb = bp.fit(
        b, X, y, loss=bp.MSELoss(), optimizer=bp.SGD(b.parameters(), 0.1), epochs=3, fused=False
    )
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    np.testing.assert_array_equal(ha.loss, hb.loss)
    with pytest.raises(ValueError, match="fused=True, but .* has no fused path"):
        opt = bp.SGD(c.parameters(), 0.1)
        bp.fit(c, X, y, loss=bp.MSELoss(), optimizer=opt, epochs=1, fused=True)


def test_fused_false_never_plans(monkeypatch):
    """``fused=False`` trains an MLP the fused path covers through its modules:
    ``plan`` is not even asked (and ``fused=None`` asks it)."""

    def refuse(*args):
        raise AssertionError("plan called")

    monkeypatch.setattr(bp.train, "plan", refuse)
    X, y = data.load("xor")
    run = build(bp.DEFAULT.replace(epochs=3), rng=np.random.default_rng(0))
    assert run.fit(X, y, fused=False).loss.shape == (3,)
    with pytest.raises(AssertionError, match="plan called"):
        run.fit(X, y)


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "reversed"])
def test_parameter_order_does_not_change_the_path_or_the_numbers(reverse):
    """The fused path takes the optimizer's parameters in any order, and never rebinds
    them: each ``p.data`` and ``p.grad`` is the array the model was built with."""
    X, y = data.load("linear", 2)
    out = []
    for fused in (True, False):
        model = build_model(bp.DEFAULT, rng=np.random.default_rng(2))
        params = model.parameters()[::-1] if reverse else model.parameters()
        arrays = [(p.data, p.grad) for p in model.parameters()]
        opt, loss = bp.Adam(params, lr=0.05), bp.BCELoss()
        hist = bp.fit(model, X, y, loss=loss, optimizer=opt, epochs=30, fused=fused)
        assert all(p.data is d and p.grad is g for p, (d, g) in zip(model.parameters(), arrays))
        out += [model, hist]
    assert_same(*out, rtol=1e-12)


@pytest.mark.parametrize("name", ["handout", "default"])
def test_two_fits_carry_the_optimizer_state_like_one(name):
    """fit 12 then fit 18 epochs equals fit 30: the fused path hands the optimizer's
    state (Adam's moments, its step count) back, and takes it in again."""
    X, y = data.load("xor")
    config = CONFIGS[name].replace(schedule="constant")
    one, two = (build(config, rng=np.random.default_rng(4)) for _ in range(2))
    one.fit(X, y, 30)
    two.fit(X, y, 12)
    assert two.optimizer.t == 12 and (name == "handout" or "m" in two.optimizer.state[0])
    two.fit(X, y, 18)
    for p, q in zip(one.model.parameters(), two.model.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-12, atol=1e-15)
    for a, b in zip(one.optimizer.state, two.optimizer.state):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-15)


class _SquaredError(Loss):
    """Sum of squares, written as ``into`` only (``bind=False``) or as ``bind`` only."""

    def __init__(self, bind: bool) -> None:
        self.bind_only = bind

    def into(self, pred, target, grad):
        if self.bind_only:
            return Loss.into(self, pred, target, grad)
        np.subtract(pred, target, grad)
        value = float(np.vdot(grad, grad))
        grad *= 2.0
        return value

    def bind(self, pred, target, grad):
        if not self.bind_only:
            return Loss.bind(self, pred, target, grad)

        def call():
            np.subtract(pred, target, grad)
            value = float(np.vdot(grad, grad))
            np.multiply(grad, 2.0, grad)
            return value

        return call


@pytest.mark.parametrize("bind", [False, True], ids=["into-only", "bind-only"])
def test_a_loss_of_ones_own_trains_fused_like_the_plain_path(bind, monkeypatch):
    """A user's loss that defines ``into`` or ``bind`` takes the fused path, and the two
    paths agree."""
    X, y = data.load("linear", 1)
    planned = []
    monkeypatch.setattr(bp.train, "plan", lambda *a: planned.append(plan(*a)) or planned[-1])
    out = []
    for fused in (True, False):
        model = build_model(bp.HANDOUT, rng=np.random.default_rng(1))
        opt = bp.SGD(model.parameters(), 0.01)
        hist = bp.fit(model, X, y, loss=_SquaredError(bind), optimizer=opt, epochs=20, fused=fused)
        out += [model, hist]
    assert len(planned) == 1 and planned[0] is not None
    assert_same(*out, rtol=1e-12)


class _LoudMSE(bp.MSELoss):
    """An MSELoss whose own ``into`` scales the loss: the fused path must call it."""

    def into(self, pred, target, grad):
        value = super().into(pred, target, grad)
        grad *= 10.0
        return 10.0 * value


def test_a_subclass_that_overrides_into_trains_fused_with_its_into():
    """``MSELoss`` is written as ``bind``; a subclass's ``into`` still decides, fused or not."""
    X, y = data.load("linear", 1)
    out = []
    for fused in (True, False):
        model = build_model(bp.HANDOUT, rng=np.random.default_rng(1))
        opt = bp.SGD(model.parameters(), 0.01)
        out += [model, bp.fit(model, X, y, loss=_LoudMSE(), optimizer=opt, epochs=20, fused=fused)]
    assert_same(*out, rtol=1e-12)
    plain = build_model(bp.HANDOUT, rng=np.random.default_rng(1))
    opt = bp.SGD(plain.parameters(), 0.01)
    base = bp.fit(plain, X, y, loss=bp.MSELoss(), optimizer=opt, epochs=1)
    assert out[1].loss[0] == pytest.approx(10 * base.loss[0])
