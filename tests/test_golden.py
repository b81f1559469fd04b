"""backprop against PyTorch's own outputs, recorded once into tests/golden/*.npz.

tests/golden/record.py (run where torch is installed) drew every input and stored it
beside torch's outputs: 20 steps of each optimizer setting, each activation's forward
and gradient at special points (signed zero, subnormals, exp limits, ±1e4, Softplus's
threshold), each loss, and Linear, Conv1d, Conv2d, MaxPool2d (with ties) and AvgPool2d.
No test here needs torch.

Tolerances: |got - torch| ≤ rtol |torch| + 16 ε, rtol = 1e-12 in float64 and 5e-7 (4 ε)
in float32, ε the dtype's machine epsilon. The absolute 16 ε is there because several
kernels are accurate to a few ε in absolute, not relative, terms: float32 σ(x) is
½ + ½ tanh(x/2), so σ(-20) is 0 rather than 2e-9; 1 - y² and y + α cancel near 0
(the largest seen is 6.7 ε, GELU's float32 gradient). Optimizers: 1e-12 absolute on θ
after each of 20 float64 steps. Any real bug moves results far more: Softplus taking
its linear branch at βx = threshold shifts f(20) by 2e-9 (float64) and f(1.5) with
β = 2, threshold = 3 by 0.02.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import backprop.optim
from backprop import nn as layers
from backprop.nn import activations, kernels, losses
from backprop.nn.module import Parameter

GOLDEN = Path(__file__).parent / "golden"
ATOL = 16  # machine epsilons of absolute slack: see the module docstring


def load(name: str) -> tuple[list[dict], dict[str, np.ndarray]]:
    with np.load(GOLDEN / f"{name}.npz") as f:
        arrays = {k: f[k] for k in f.files}
    return json.loads(str(arrays.pop("manifest"))), arrays


def label(case: dict) -> str:
    """``RMSprop(lr=0.01, centered=True)``, ``Softplus(beta=2.0)-float32``, or the case id."""
    name = case.get("optimizer") or case.get("module")
    if name is None:
        return case["id"]
    kw = ", ".join(f"{k}={v}" for k, v in case["kwargs"].items())
    return f"{name}({kw})" + (f"-{case['dtype']}" if "dtype" in case else "")


def cases(name: str) -> list:
    manifest, arrays = load(name)
    return [pytest.param(c, arrays, id=label(c)) for c in manifest]


def close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Equal within the module docstring's tolerance for ``want``'s dtype."""
    rtol = 1e-12 if want.dtype == np.float64 else 5e-7
    assert np.asarray(got).dtype == want.dtype, f"{what}: dtype {np.asarray(got).dtype}"
    np.testing.assert_allclose(got, want, rtol, ATOL * np.finfo(want.dtype).eps, err_msg=what)


# --- Optimizers -------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "arrays"), cases("optim"))
def test_optimizer_matches_torch_for_20_steps(case, arrays):
    kw = dict(case["kwargs"])
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    p = Parameter(arrays["th0"].copy())
    opt = getattr(backprop.optim, case["optimizer"])([p], **kw)
    for t, (g, want) in enumerate(zip(arrays["grads"], arrays[case["id"] + ".theta"])):
        p.grad[...] = g + 0.5 * p.data
        opt.step()
        np.testing.assert_allclose(
            p.data, want, rtol=0, atol=1e-12, err_msg=f"{case['optimizer']}{kw} at step {t + 1}"
        )


def test_every_optimizer_and_weight_decay_combination_is_recorded():
    manifest, _ = load("optim")
    # Settings switched on (non-zero, True) per case; dampening counts only with momentum.
    on = [(c["optimizer"], {k for k, v in c["kwargs"].items() if v}) for c in manifest]
    for name in ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adadelta"):
        assert any(o == name and "weight_decay" in k for o, k in on), name
    for flags in ("momentum", "dampening", "nesterov", "centered", "amsgrad"):
        for decay in (set(), {"weight_decay"}):
            assert any({flags} | decay <= k for _, k in on), {flags} | decay
    assert any({"centered", "momentum", "weight_decay"} <= k for _, k in on)
    adadelta_rates = {c["kwargs"].get("lr", 1.0) for c in manifest if c["optimizer"] == "Adadelta"}
    assert adadelta_rates - {1.0}, "no Adadelta case with lr != 1"


# --- Activations ------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "arrays"), cases("activations"))
def test_activation_matches_torch(case, arrays):
    module = getattr(activations, case["module"])(**case["kwargs"])
    cid = case["id"]
    x, g = arrays[cid + ".x"], arrays[cid + ".g"]
    with np.errstate(under="ignore"):
        y = module.forward(x.copy())
        dx = module.backward(g.copy())
    close(y, arrays[cid + ".y"], f"{module!r} forward, {cid}")
    close(dx, arrays[cid + ".dx"], f"{module!r} backward, {cid}")


@pytest.mark.parametrize(
    ("case", "arrays"),
    [c for c in cases("activations") if c.values[0]["module"] in ("Sigmoid", "Tanh")],
)
def test_in_place_kernels_of_the_fused_path_match_torch(case, arrays):
    """``fit``'s fused path calls the kernels directly, writing into its own buffers."""
    cid, sig = case["id"], case["module"] == "Sigmoid"
    x, g = arrays[cid + ".x"], arrays[cid + ".g"]
    y = np.empty_like(x)
    with np.errstate(over="ignore", under="ignore"):
        if sig:
            np.multiply(x, kernels.scalars(x.dtype).prescale, y)  # what the GEMM gives
            kernels.run(kernels.sigmoid_of_scaled_steps(y, y))
        else:
            kernels.run(kernels.tanh_steps(x, y))
    close(y, arrays[cid + ".y"], f"{case['module']} kernel, {cid}")
    dx = g.copy()
    consuming = (
        kernels.sigmoid_backward_consuming_y_steps
        if sig
        else kernels.tanh_backward_consuming_y_steps
    )
    kernels.run(consuming(y, dx, dx))
    close(dx, arrays[cid + ".dx"], f"{case['module']} in-place backward, {cid}")


# --- Losses -----------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "arrays"), cases("losses"))
def test_loss_matches_torch(case, arrays):
    cid = case["id"]
    loss = getattr(losses, case["loss"])()
    with np.errstate(under="ignore"):
        value, grad = loss(arrays[cid + ".pred"], arrays[cid + ".target"])
    close(np.asarray(value), arrays[cid + ".value"], f"{loss!r} value, {cid}")
    close(grad, arrays[cid + ".grad"], f"{loss!r} gradient, {cid}")


# --- Linear, convolution and pooling ----------------------------------------------------


def build(case: dict, arrays: dict[str, np.ndarray]):
    cid, kind = case["id"], case["layer"]
    if kind in ("MaxPool2d", "AvgPool2d"):
        return getattr(layers, kind)(case["kernel_size"], case["stride"])
    w = arrays[cid + ".w"]
    if kind == "Linear":
        layer = layers.Linear(*w.shape)
        layer.bias.data = arrays[cid + ".b"].copy()
    else:
        layer = getattr(layers, kind)(
            w.shape[1],
            w.shape[0],
            case["kernel_size"],
            case["stride"],
            case["padding"],
            bias=case["bias"],
        )
        if case["bias"]:
            layer.bias.data = arrays[cid + ".b"].copy()
    layer.weight.data = w.copy()
    layer.zero_grad()
    return layer


@pytest.mark.parametrize(("case", "arrays"), cases("layers"))
def test_layer_matches_torch(case, arrays):
    cid = case["id"]
    layer = build(case, arrays)
    x = arrays[cid + ".x"]
    close(layer.forward(x.copy()), arrays[cid + ".y"], f"{layer!r} forward")
    close(layer.backward(arrays[cid + ".g"].copy()), arrays[cid + ".dx"], f"{layer!r} dL/dx")
    params = [(n, getattr(layer, n, None)) for n in ("weight", "bias")]
    params = [(n, p) for n, p in params if p is not None]
    for name, p in params:
        close(p.grad, arrays[f"{cid}.d{name[0]}"], f"{layer!r} dL/d{name}")
    layer.backward(arrays[cid + ".g"].copy())  # a second backward adds to .grad, as in torch
    for name, p in params:
        close(p.grad / 2, arrays[f"{cid}.d{name[0]}"], f"{layer!r} dL/d{name}, accumulated")


def test_max_pool_fixtures_have_ties():
    manifest, arrays = load("layers")
    tied = 0
    for c in manifest:
        if c["layer"] == "MaxPool2d":
            x = arrays[c["id"] + ".x"]
            tied += len(np.unique(x)) < x.size
    assert tied >= 3
