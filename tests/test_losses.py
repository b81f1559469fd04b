"""Losses: finite differences, hand-computed values, stacks, the fused logits loss."""

import math
import warnings

import numpy as np
import pytest

from backprop.gradcheck import check_loss
from backprop.nn.activations import sigmoid
from backprop.nn.losses import LOSSES, BCELoss, BCEWithLogitsLoss, Loss, MSELoss

# The numerical contract (backprop.nn.activations): underflow is allowed, and flagged or not
# depending on the CPU; overflow, invalid and divide-by-zero are errors.
CONTRACT = dict(over="raise", invalid="raise", divide="raise", under="ignore")


def predictions(loss: Loss, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Probabilities away from 0 and 1 for BCELoss, unbounded values otherwise."""
    if isinstance(loss, BCELoss):
        return rng.uniform(0.05, 0.95, shape)
    return 3.0 * rng.standard_normal(shape)


def targets(shape: tuple[int, ...], rng: np.random.Generator, soft: bool) -> np.ndarray:
    return rng.uniform(0.0, 1.0, shape) if soft else (rng.random(shape) < 0.5).astype(float)


LOSS_NAMES = list(LOSSES)


def draw(name: str, layout: str, seed: int):
    """(loss, pred, target) with a random shape: ``(N, K)``; a stack ``(M, N, K)`` sharing
    an ``(N, K)`` target; or a stack with one target per model."""
    rng = np.random.default_rng(seed)
    loss = LOSSES[name]()
    m, n, k = int(rng.integers(2, 5)), int(rng.integers(1, 9)), int(rng.integers(1, 4))
    shape = (n, k) if layout == "single" else (m, n, k)
    target_shape = shape if layout == "stacked-own-target" else (n, k)
    return loss, predictions(loss, shape, rng), targets(target_shape, rng, soft=seed % 2 == 1)


LAYOUTS = ["single", "stacked-shared-target", "stacked-own-target"]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_gradient_matches_finite_differences(name, layout, seed):
    loss, pred, target = draw(name, layout, seed)
    err = check_loss(loss, pred, target)
    assert err < 1e-6, f"{loss!r} on {pred.shape}: relative error {err:.3e}"


class _SlightlyWrongMSE(MSELoss):
    def __call__(self, pred, target):
        value, grad = super().__call__(pred, target)
        return value, grad * (1 + 1e-4)


def test_gradient_check_catches_a_gradient_off_by_1e4():
    rng = np.random.default_rng(0)
    err = check_loss(_SlightlyWrongMSE(), rng.standard_normal((5, 2)), np.zeros((5, 2)))
    assert err > 1e-6, f"a 1e-4 error in the gradient went unnoticed: relative error {err:.3e}"


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# (loss, pred, target, L worked out with math, dL/dpred worked out by hand); n = 2
BY_HAND = [
    (MSELoss(), [[0.5], [2.0]], [[1.0], [0.0]], (0.25 + 4.0) / 2, [[-0.5], [2.0]]),
    (
        BCELoss(),
        [[0.8], [0.3]],
        [[1.0], [0.0]],
        -(math.log(0.8) + math.log(0.7)) / 2,
        [[-0.2 / (0.8 * 0.2 * 2)], [0.3 / (0.3 * 0.7 * 2)]],
    ),
    (
        BCEWithLogitsLoss(),
        [[2.0, -1.0]],
        [[1.0, 0.0]],
        (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(-1.0))) / 2,
        [[(_sig(2.0) - 1.0) / 2, _sig(-1.0) / 2]],
    ),
    (
        BCEWithLogitsLoss(),
        [[0.0], [3.0]],
        [[0.25], [0.5]],
        (math.log(2.0) + (3.0 - 1.5 + math.log1p(math.exp(-3.0)))) / 2,
        [[(0.5 - 0.25) / 2], [(_sig(3.0) - 0.5) / 2]],
    ),
]


@pytest.mark.parametrize(("loss", "pred", "target", "value", "grad"), BY_HAND)
def test_values_by_hand(loss, pred, target, value, grad):
    got_value, got_grad = loss(np.array(pred), np.array(target))
    assert got_value == pytest.approx(value, rel=1e-13), f"{loss!r} value"
    np.testing.assert_allclose(got_grad, grad, rtol=1e-13, err_msg=f"{loss!r} gradient")


@pytest.mark.parametrize("layout", ["stacked-shared-target", "stacked-own-target"])
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_each_model_of_a_stack_gets_its_own_loss_and_gradient(name, layout):
    loss, pred, target = draw(name, layout, seed=7)
    value, grad = loss(pred, target)
    assert value.shape == (pred.shape[0],) and grad.shape == pred.shape
    for m in range(pred.shape[0]):
        own = target[m] if target.ndim == 3 else target
        value_m, grad_m = loss(pred[m], own)
        assert np.shape(value_m) == () and grad_m.shape == pred[m].shape
        assert value[m] == pytest.approx(value_m, rel=1e-13), f"model {m}"
        np.testing.assert_allclose(grad[m], grad_m, rtol=1e-13, err_msg=f"model {m}")


@pytest.mark.parametrize("seed", range(3))
def test_bce_with_logits_is_bce_of_the_sigmoid(seed):
    rng = np.random.default_rng(seed)
    z = rng.uniform(-6.0, 6.0, (3, 10, 2))
    y = targets((10, 2), rng, soft=seed == 2)
    value, grad = BCEWithLogitsLoss()(z, y)
    p = sigmoid(z)
    value_p, grad_p = BCELoss()(p, y)
    np.testing.assert_allclose(value, value_p, rtol=1e-12)
    np.testing.assert_allclose(grad, grad_p * p * (1.0 - p), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_with_logits_is_finite_and_exact_at_1e4(dtype):
    z = np.array([[1e4], [1e4], [-1e4], [-1e4]], dtype=dtype)
    y = np.array([[0], [1], [0], [1]])
    with warnings.catch_warnings(), np.errstate(**CONTRACT):
        warnings.simplefilter("error")
        value, grad = BCEWithLogitsLoss()(z, y)
    assert value.dtype == dtype and grad.dtype == dtype
    assert value == (1e4 + 0 + 0 + 1e4) / 4  # L = |z| where the sign is wrong, 0 elsewhere
    np.testing.assert_array_equal(grad, [[0.25], [0.0], [0.0], [-0.25]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_stays_finite_on_saturated_probabilities(dtype):
    p = np.array([[0.0], [1.0], [0.0], [1.0]], dtype=dtype)
    y = np.array([[0], [1], [1], [0]])
    with warnings.catch_warnings(), np.errstate(**CONTRACT):
        warnings.simplefilter("error")
        value, grad = BCELoss()(p, y)
    assert value.dtype == dtype and grad.dtype == dtype, (value.dtype, grad.dtype)
    assert np.isfinite(value) and np.isfinite(grad).all(), (value, grad)
    # Right answers cost almost nothing, wrong ones a lot, and the gradient points home.
    assert value > 5.0 and np.all(np.sign(grad[:, 0]) == [1, -1, -1, 1])


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_a_target_that_would_broadcast_is_refused(name):
    with pytest.raises(ValueError, match=r"target has shape \(6,\) and pred has shape \(6, 1\)"):
        LOSSES[name]()(np.full((6, 1), 0.5), np.zeros(6))
    with pytest.raises(ValueError, match="target has shape"):
        LOSSES[name]()(np.full((6, 1), 0.5), np.zeros((3, 6, 1)))


def test_registry_and_repr():
    expected = {"mse": MSELoss, "bce": BCELoss, "bce-logits": BCEWithLogitsLoss}
    assert expected == LOSSES
    assert [repr(cls()) for cls in expected.values()] == [
        "MSELoss()",
        "BCELoss()",
        "BCEWithLogitsLoss()",
    ]
    assert repr(BCELoss(eps=1e-7)) == "BCELoss(eps=1e-07)"


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_integer_labels_keep_float32_predictions_float32(name):
    pred = np.array([[0.2], [0.9], [0.6]], dtype=np.float32)
    value, grad = LOSSES[name]()(pred, np.array([[0], [1], [1]]))
    assert value.dtype == np.float32 and grad.dtype == np.float32, (value.dtype, grad.dtype)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_a_bound_loss_follows_its_arrays_as_they_change(name, layout, seed):
    """``bind`` once, then new values written into the same arrays: each call gives what
    ``loss(pred, target)`` gives for the values they hold then (fit's fused path). The
    arrays are transposed views, not contiguous when K > 1, as fit's buffers are."""
    loss, pred, target = draw(name, layout, seed)

    def view(a: np.ndarray) -> np.ndarray:
        return np.swapaxes(np.ascontiguousarray(np.swapaxes(a, -1, -2)), -1, -2)

    pred_buf, target_buf, grad = view(pred), view(target), view(np.empty_like(pred))
    call = loss.bind(pred_buf, target_buf, grad)
    rng = np.random.default_rng(seed + 100)
    for _ in range(3):
        with np.errstate(**CONTRACT):
            value = call()
            want_value, want_grad = loss(pred_buf.copy(), target_buf.copy())
        np.testing.assert_array_equal(value, want_value)
        np.testing.assert_array_equal(grad, want_grad)
        pred_buf[...] = predictions(loss, pred.shape, rng)
        target_buf[...] = targets(target.shape, rng, soft=True)


class _IntoOnly(Loss):
    def into(self, pred, target, grad):
        np.subtract(pred, target, grad)
        return float(np.sum(grad**2))


class _BindOnly(Loss):
    def bind(self, pred, target, grad):
        def call():
            np.subtract(pred, target, grad)
            return float(np.sum(grad**2))

        return call


def test_a_loss_may_define_into_or_bind_but_not_neither():
    pred, target = np.array([[0.25], [2.0]]), np.array([[0.0], [1.0]])
    for loss in (_IntoOnly(), _BindOnly()):
        value, grad = loss(pred, target)
        assert value == 0.25**2 + 1.0
        np.testing.assert_array_equal(grad, pred - target)
        g = np.empty_like(pred)
        assert loss.bind(pred, target, g)() == value
    with pytest.raises(NotImplementedError, match="must define into or bind"):
        Loss()(pred, target)
