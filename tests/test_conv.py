"""Conv1d, Conv2d, MaxPool2d, AvgPool2d, Flatten against plain loops and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.gradcheck import check_module
from backprop.nn import AvgPool2d, Conv1d, Conv2d, Flatten, MaxPool2d

SEEDS = range(12)
TOL = 1e-6


# --- Plainly written references: one Python loop per index, no tricks. -------------


def naive_conv2d(x, w, b, stride, padding):
    """Forward, and a backward closure ``G -> (dx, dw, db)``, written as loops."""
    (sh, sw), (ph, pw) = stride, padding
    n_ex, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    xp = np.zeros((n_ex, c_in, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph : ph + h, pw : pw + wd] = x
    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    y = np.zeros((n_ex, c_out, ho, wo))
    for n in range(n_ex):
        for o in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    total = 0.0 if b is None else b[o]
                    for c in range(c_in):
                        for u in range(kh):
                            for v in range(kw):
                                total += w[o, c, u, v] * xp[n, c, i * sh + u, j * sw + v]
                    y[n, o, i, j] = total

    def backward(g):
        dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros(c_out)
        for n in range(n_ex):
            for o in range(c_out):
                for i in range(ho):
                    for j in range(wo):
                        db[o] += g[n, o, i, j]
                        for c in range(c_in):
                            for u in range(kh):
                                for v in range(kw):
                                    r, s = i * sh + u, j * sw + v
                                    dw[o, c, u, v] += g[n, o, i, j] * xp[n, c, r, s]
                                    dxp[n, c, r, s] += g[n, o, i, j] * w[o, c, u, v]
        return dxp[:, :, ph : ph + h, pw : pw + wd], dw, db

    return y, backward


def naive_conv1d(x, w, b, stride, padding):
    """Conv1d as the loop Conv2d over a height-1 image."""
    y, backward2d = naive_conv2d(x[:, :, None, :], w[:, :, None, :], b, (1, stride), (0, padding))

    def backward(g):
        dx, dw, db = backward2d(g[:, :, None, :])
        return dx[:, :, 0, :], dw[:, :, 0, :], db

    return y[:, :, 0, :], backward


def naive_pool2d(x, kernel, stride, reduce):
    """``reduce`` is "max" or "mean"; forward, and a backward closure, as loops."""
    (kh, kw), (sh, sw) = kernel, stride
    n_ex, chans, h, wd = x.shape
    ho, wo = (h - kh) // sh + 1, (wd - kw) // sw + 1
    y = np.zeros((n_ex, chans, ho, wo))
    for n in range(n_ex):
        for c in range(chans):
            for i in range(ho):
                for j in range(wo):
                    window = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    y[n, c, i, j] = window.max() if reduce == "max" else window.mean()

    def backward(g):
        dx = np.zeros_like(x)
        for n in range(n_ex):
            for c in range(chans):
                for i in range(ho):
                    for j in range(wo):
                        taken = False  # max: only the first maximum, row by row, as PyTorch
                        for u in range(kh):
                            for v in range(kw):
                                r, s = i * sh + u, j * sw + v
                                if reduce == "mean":
                                    dx[n, c, r, s] += g[n, c, i, j] / (kh * kw)
                                elif x[n, c, r, s] == y[n, c, i, j] and not taken:
                                    dx[n, c, r, s] += g[n, c, i, j]
                                    taken = True
        return dx

    return y, backward


def test_layers_on_hand_worked_examples():
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    conv = Conv2d(1, 1, 2)
    conv.weight.data, conv.bias.data = np.ones((1, 1, 2, 2)), np.array([0.5])
    np.testing.assert_array_equal(conv(x)[0, 0], [[8.5, 12.5], [20.5, 24.5]])
    conv.zero_grad()
    dx = conv.backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(dx[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(conv.weight.grad[0, 0], [[8, 12], [20, 24]])
    np.testing.assert_array_equal(conv.bias.grad, [4])
    # Padding 1, stride 2 on the same image: the four corners' 2×2 windows.
    conv = Conv2d(1, 1, 2, stride=2, padding=1, bias=False)
    conv.weight.data = np.ones((1, 1, 2, 2))
    np.testing.assert_array_equal(conv(x)[0, 0], [[0, 3], [9, 24]])
    # Conv1d, kernel [1, -1], stride 2, padding 1 on [1 2 3 4]: windows [0 1] [2 3] [4 0].
    conv = Conv1d(1, 1, 2, stride=2, padding=1, bias=False)
    conv.weight.data = np.array([[[1.0, -1.0]]])
    np.testing.assert_array_equal(conv(np.arange(1.0, 5.0)[None, None])[0, 0], [-1, -1, 4])
    pool = MaxPool2d(2, 1)
    np.testing.assert_array_equal(pool(x)[0, 0], [[4, 5], [7, 8]])
    np.testing.assert_array_equal(
        pool.backward(np.ones((1, 1, 2, 2)))[0, 0], [[0, 0, 0], [0, 1, 1], [0, 1, 1]]
    )
    pool = AvgPool2d(2, 1)
    np.testing.assert_array_equal(pool(x)[0, 0], [[2, 3], [5, 6]])
    np.testing.assert_array_equal(
        pool.backward(np.ones((1, 1, 2, 2)))[0, 0],
        [[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]],
    )


def test_max_pool_gives_a_tied_window_s_gradient_to_its_first_maximum():
    # Windows [[1 1] [1 0]] and [[7 2] [0 7]] (stride 2): each gradient goes to the first 1 / 7.
    x = np.array([[[[1.0, 1.0, 7.0, 2.0], [1.0, 0.0, 0.0, 7.0]]]])
    pool = MaxPool2d(2)
    np.testing.assert_array_equal(pool(x)[0, 0], [[1, 7]])
    dx = pool.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(dx[0, 0], [[10, 0, 20, 0], [0, 0, 0, 0]])
    # All equal, overlapping windows (stride 1): every window's first entry is its top left.
    pool = MaxPool2d(2, 1)
    pool(np.zeros((1, 1, 3, 3)))
    dx = pool.backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(dx[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("seed", range(4))
def test_max_pool_with_ties_matches_the_loops(seed):
    rng = np.random.default_rng(300 + seed)
    x = rng.integers(0, 3, (2, 2, 6, 5)).astype(float)  # three values: ties in most windows
    pool = MaxPool2d((3, 2), (1 + seed % 2, 1))
    assert_matches(pool, naive_pool2d(x, pool._k, pool._s, "max"), x, rng)


# --- Random cases: shapes, kernels, strides, paddings drawn from a seed. ------------


def conv2d_case(seed):
    rng = np.random.default_rng(seed)
    k = tuple(int(v) for v in rng.integers(1, 4, 2))
    stride = tuple(int(v) for v in rng.integers(1, 4, 2))
    padding = tuple(int(v) for v in rng.integers(0, 3, 2))
    size = [int(rng.integers(max(1, ki - 2 * p), ki + 5)) for ki, p in zip(k, padding)]
    c_in, c_out, n = (int(v) for v in rng.integers(1, 4, 3))
    conv = Conv2d(c_in, c_out, k, stride, padding, bias=bool(seed % 3), rng=rng)
    conv.weight.data = rng.standard_normal(conv.weight.shape)
    if conv.bias is not None:
        conv.bias.data = rng.standard_normal(conv.bias.shape)
    return conv, rng.standard_normal((n, c_in, *size)), rng


def conv1d_case(seed):
    rng = np.random.default_rng(100 + seed)
    k, stride, padding = int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(0, 3))
    c_in, c_out, n = (int(v) for v in rng.integers(1, 4, 3))
    length = int(rng.integers(max(1, k - 2 * padding), k + 8))
    conv = Conv1d(c_in, c_out, k, stride, padding, bias=bool(seed % 3), rng=rng)
    if conv.bias is not None:
        conv.bias.data = rng.standard_normal(conv.bias.shape)
    return conv, rng.standard_normal((n, c_in, length)), rng


def pool_case(seed, cls):
    rng = np.random.default_rng(200 + seed)
    k = tuple(int(v) for v in rng.integers(1, 4, 2))
    stride = tuple(int(v) for v in rng.integers(1, 4, 2)) if seed % 2 else None
    size = [int(rng.integers(ki, ki + 6)) for ki in k]
    n, chans = (int(v) for v in rng.integers(1, 4, 2))
    # A permutation has no ties, and its gaps (0.1) are far above the difference step.
    x = rng.permutation(n * chans * size[0] * size[1]).reshape(n, chans, *size) / 10.0
    return cls(k, stride), x, rng


def assert_matches(module, reference, x, rng):
    y_ref, backward_ref = reference
    y = module.forward(x)
    assert y.shape == y_ref.shape
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(y.shape)
    module.zero_grad()
    dx = module.backward(g)
    expected = backward_ref(g)
    expected = expected if isinstance(expected, tuple) else (expected,)
    np.testing.assert_allclose(dx, expected[0], rtol=1e-12, atol=1e-12)
    params = [module.weight, module.bias] if hasattr(module, "weight") else []
    for p, ref in zip(params, expected[1:]):
        if p is not None:
            np.testing.assert_allclose(p.grad, ref, rtol=1e-12, atol=1e-12)


def assert_gradcheck(module, x, rng):
    errors = check_module(module, x, rng)
    assert max(errors.values()) < TOL, f"{module!r} on {x.shape}: relative errors {errors}"


@pytest.mark.parametrize("seed", SEEDS)
def test_conv2d_matches_loops_and_finite_differences(seed):
    conv, x, rng = conv2d_case(seed)
    b = None if conv.bias is None else conv.bias.data
    ref = naive_conv2d(x, conv.weight.data, b, conv.stride, conv.padding)
    assert_matches(conv, ref, x, rng)
    assert_gradcheck(conv, x, rng)


@pytest.mark.parametrize("seed", SEEDS)
def test_conv1d_matches_loops_and_finite_differences(seed):
    conv, x, rng = conv1d_case(seed)
    b = None if conv.bias is None else conv.bias.data
    ref = naive_conv1d(x, conv.weight.data, b, conv.stride[0], conv.padding[0])
    assert_matches(conv, ref, x, rng)
    assert_gradcheck(conv, x, rng)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("cls", "reduce"), [(MaxPool2d, "max"), (AvgPool2d, "mean")])
def test_pool2d_matches_loops_and_finite_differences(seed, cls, reduce):
    pool, x, rng = pool_case(seed, cls)
    assert_matches(pool, naive_pool2d(x, pool._k, pool._s, reduce), x, rng)
    assert_gradcheck(pool, x, rng)


def test_flatten_round_trip_and_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5))
    flat = Flatten()
    np.testing.assert_array_equal(flat(x), x.reshape(2, 60))
    g = rng.standard_normal((2, 60))
    np.testing.assert_array_equal(flat.backward(g), g.reshape(x.shape))
    assert Flatten(1, 2)(x).shape == (2, 12, 5)
    assert_gradcheck(flat, x, rng)


def test_backward_accumulates_into_grad():
    conv, x, rng = conv2d_case(1)
    g = rng.standard_normal(conv(x).shape)
    conv.zero_grad()
    conv.backward(g)
    once = conv.weight.grad.copy()
    conv.backward(g)
    np.testing.assert_allclose(conv.weight.grad, 2 * once)


def test_pool_stride_defaults_to_kernel_size():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(MaxPool2d(2)(x)[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(AvgPool2d(2)(x)[0, 0], [[2.5, 4.5], [10.5, 12.5]])


def test_weights_are_drawn_with_convolution_fans():
    # fan_in = in·k_h·k_w = 144, so he_uniform draws from U(±√(6/144)) = U(±0.204).
    w = Conv2d(16, 32, 3, init="he_uniform", rng=np.random.default_rng(0)).weight.data
    bound = np.sqrt(6 / 144)
    assert w.shape == (32, 16, 3, 3)
    assert 0.95 * bound < np.abs(w).max() <= bound
    # Xavier: fan_in + fan_out = (16 + 32)·9.
    w = Conv2d(16, 32, 3, rng=np.random.default_rng(0)).weight.data
    assert 0.95 * np.sqrt(6 / 432) < np.abs(w).max() <= np.sqrt(6 / 432)
    a = Conv2d(2, 3, 3, rng=np.random.default_rng(5)).weight.data
    np.testing.assert_array_equal(a, Conv2d(2, 3, 3, rng=np.random.default_rng(5)).weight.data)
    np.testing.assert_array_equal(Conv2d(2, 3, 3).bias.data, np.zeros(3))
    doubled = Conv2d(2, 3, 3, gain=2.0, rng=np.random.default_rng(5)).weight.data
    np.testing.assert_allclose(doubled, 2 * a, rtol=1e-15)  # gain scales the bound


def test_repr_reads_like_pytorch():
    assert repr(Conv2d(1, 8, 3, padding=1)) == (
        "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    )
    assert repr(Conv1d(2, 4, 5, stride=2, bias=False)) == (
        "Conv1d(2, 4, kernel_size=(5,), stride=(2,), bias=False)"
    )
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2)"
    assert repr(AvgPool2d(3, 1)) == "AvgPool2d(kernel_size=3, stride=1)"
    assert repr(Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Conv2d(0, 1, 3), "in_channels must be at least 1"),
        (lambda: Conv2d(1, 1, 0), "kernel_size must be"),
        (lambda: Conv2d(1, 1, 3, stride=(1, 0)), "stride must be"),
        (lambda: Conv1d(1, 1, 3, padding=-1), "padding must be"),
        (lambda: Conv2d(1, 1, (3, 3, 3)), "kernel_size must be an int or 2 ints"),
        (lambda: MaxPool2d(2, 0), "stride must be"),
        (lambda: AvgPool2d((2, 0)), "kernel_size must be"),
    ],
)
def test_invalid_hyperparameters_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_input_shape_says_what_is_expected():
    with pytest.raises(ValueError, match=r"expects input \(N, 3, H, W\), got \(2, 1, 5, 5\)"):
        Conv2d(3, 1, 3)(np.zeros((2, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"Conv1d expects input \(N, 3, L\), got \(2, 1, 5\)"):
        Conv1d(3, 1, 3)(np.zeros((2, 1, 5)))
    with pytest.raises(ValueError, match=r"input size \(4,\) is smaller than the kernel"):
        Conv1d(1, 1, 5)(np.zeros((2, 1, 4)))
    with pytest.raises(ValueError, match="smaller than the kernel"):  # 2 + 2·1 < 5
        Conv1d(1, 1, 5, padding=1)(np.zeros((2, 1, 2)))
    with pytest.raises(ValueError, match=r"^MaxPool2d expects input"):
        MaxPool2d(3)(np.zeros((1, 1, 2, 5)))
    with pytest.raises(ValueError, match="expects input"):
        MaxPool2d(3)(np.zeros((1, 1, 2, 5)))
