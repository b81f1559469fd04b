"""Record PyTorch's outputs as golden fixtures for tests/test_golden.py.

The tests compare backprop against these files on every machine, without torch. Run
this only to add or change a case, in an environment that has torch (kept out of
backprop's own environment and extras)::

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch numpy      # the CPU wheel is enough
    /tmp/torchenv/bin/python tests/golden/record.py

It writes ``tests/golden/{optim,activations,losses,layers}.npz``. Every input is drawn
here from ``np.random.default_rng`` with a fixed seed and stored beside torch's
outputs, so the tests never regenerate anything. Each file holds ``manifest``, a JSON
list of ``{"id", ...settings}``, and arrays named ``<id>.<field>``. Recorded with
torch 2.13.0 (CPU), NumPy 2.4.6; the versions are stored in each file as ``versions``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
STEPS = 20  # optimizer steps per case
DTYPES = {"float64": torch.float64, "float32": torch.float32}


def save(name: str, cases: list[dict], arrays: dict[str, np.ndarray]) -> None:
    versions = json.dumps({"torch": torch.__version__, "numpy": np.__version__})
    np.savez_compressed(
        HERE / f"{name}.npz",
        manifest=np.array(json.dumps(cases)),
        versions=np.array(versions),
        **arrays,
    )


def grad_of(fn, *inputs: np.ndarray, dtype: str, upstream: np.ndarray | None = None):
    """``fn`` on torch copies of ``inputs``; returns (output, d(Σ upstream ⊙ out)/d input…)."""
    ts = [torch.tensor(a, dtype=DTYPES[dtype], requires_grad=True) for a in inputs]
    out = fn(*ts)
    g = torch.ones_like(out) if upstream is None else torch.tensor(upstream, dtype=DTYPES[dtype])
    out.backward(g)
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


# --- Optimizers -----------------------------------------------------------------------

OPTIM_CASES: list[tuple[str, dict]] = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.3}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.05, "eps": 1e-3}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.05}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05, "amsgrad": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.0}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5}),
    ("Adadelta", {"lr": 2.0, "rho": 0.8, "eps": 1e-4}),
    ("Adadelta", {"lr": 1.0, "weight_decay": 0.05}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.05}),
]


def record_optim() -> None:
    """θ after each of ``STEPS`` steps fed ``grads[t] + ½ θ`` (so the state matters),
    from one shared start ``th0`` and gradient sequence, in float64."""
    rng = np.random.default_rng(0)
    th0 = rng.normal(size=(3, 4))
    # Gradients spanning orders of magnitude, so that AMSGrad's max and Adagrad's sum matter.
    grads = rng.normal(size=(STEPS, 3, 4)) * np.exp(rng.normal(size=(STEPS, 1, 1)))
    cases, arrays = [], {"th0": th0, "grads": grads}
    for i, (name, kw) in enumerate(OPTIM_CASES):
        q = torch.tensor(th0, dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, name)([q], **kw)
        theta = []
        for g in grads:
            q.grad = torch.from_numpy(g) + 0.5 * q.detach()
            opt.step()
            theta.append(q.detach().numpy().copy())
        cases.append({"id": f"c{i}", "optimizer": name, "kwargs": kw})
        arrays[f"c{i}.theta"] = np.array(theta)
    save("optim", cases, arrays)


# --- Activations ----------------------------------------------------------------------

# (backprop name, kwargs, torch module)
ACTIVATION_CASES = [
    ("Sigmoid", {}, torch.nn.Sigmoid()),
    ("Tanh", {}, torch.nn.Tanh()),
    ("ReLU", {}, torch.nn.ReLU()),
    ("LeakyReLU", {}, torch.nn.LeakyReLU()),
    ("LeakyReLU", {"negative_slope": 0.2}, torch.nn.LeakyReLU(0.2)),
    ("LeakyReLU", {"negative_slope": 1.5}, torch.nn.LeakyReLU(1.5)),
    ("LeakyReLU", {"negative_slope": -0.3}, torch.nn.LeakyReLU(-0.3)),
    ("ELU", {}, torch.nn.ELU()),
    ("ELU", {"alpha": 0.5}, torch.nn.ELU(0.5)),
    ("GELU", {}, torch.nn.GELU(approximate="tanh")),
    ("SiLU", {}, torch.nn.SiLU()),
    ("Softplus", {}, torch.nn.Softplus()),
    ("Softplus", {"beta": 2.0, "threshold": 3.0}, torch.nn.Softplus(2.0, 3.0)),
    ("Softplus", {"beta": 0.5}, torch.nn.Softplus(0.5)),
    ("Softplus", {"beta": 4.0, "threshold": 1.0}, torch.nn.Softplus(4.0, 1.0)),
    ("Identity", {}, torch.nn.Identity()),
]

# Signed zero, subnormals, the float32 and float64 exp limits, 1e4, and ordinary values.
SPECIAL = [0.0, -0.0, 1e-310, 1e-45, 1e-40, 1e-20, 0.5, 1.0, 3.0, 20.0, 30.0, 40.0]
SPECIAL += [87.3, 88.7, 103.0, 709.0, 745.0, 1e4]


def activation_inputs(name: str, kw: dict, dtype: str, rng: np.random.Generator) -> np.ndarray:
    """The special values of both signs, Softplus's threshold point x = threshold/β and
    its neighbours in ``dtype``, and 24 normal draws of scale 3."""
    x = np.array(SPECIAL + [-v for v in SPECIAL], dtype=dtype)
    if name == "Softplus":
        at = np.array(kw.get("threshold", 20.0) / kw.get("beta", 1.0), dtype=dtype)
        near = [np.nextafter(at, -np.inf), at, np.nextafter(at, np.inf)]
        x = np.concatenate([x, np.array(near, dtype=dtype)])
    return np.concatenate([x, (3.0 * rng.standard_normal(24)).astype(dtype)])


def record_activations() -> None:
    rng = np.random.default_rng(1)
    cases, arrays = [], {}
    for i, (name, kw, module) in enumerate(ACTIVATION_CASES):
        for dtype in DTYPES:
            cid = f"c{i}_{dtype}"
            x = activation_inputs(name, kw, dtype, rng)
            g = rng.standard_normal(x.shape).astype(dtype)
            y, (dx,) = grad_of(module, x, dtype=dtype, upstream=g)
            cases.append({"id": cid, "module": name, "kwargs": kw, "dtype": dtype})
            arrays.update({f"{cid}.x": x, f"{cid}.g": g, f"{cid}.y": y, f"{cid}.dx": dx})
    save("activations", cases, arrays)


# --- Losses ---------------------------------------------------------------------------


def record_losses() -> None:
    """Value and dL/dpred of each loss (mean reduction) for single ``(N, K)`` inputs and a
    stack ``(M, N, K)`` sharing an ``(N, K)`` target (torch run once per model)."""
    rng = np.random.default_rng(2)
    torch_losses = {
        "MSELoss": torch.nn.MSELoss(),
        "BCELoss": torch.nn.BCELoss(),
        "BCEWithLogitsLoss": torch.nn.BCEWithLogitsLoss(),
    }
    cases, arrays = [], {}
    for name, fn in torch_losses.items():
        for dtype in DTYPES:
            for variant in ("hard", "soft", "stack", "extreme"):
                if variant == "extreme" and name == "BCELoss":
                    continue  # torch clamps ln p at -100, backprop clips p: they differ there
                cid = f"{name}_{dtype}_{variant}"
                shape = (3, 7, 2) if variant == "stack" else (7, 2)
                if name == "BCELoss":
                    pred = rng.uniform(0.01, 0.99, shape)
                elif variant == "extreme":
                    v = np.array([0.0, 1e-45, 1.0, 40.0, 88.7, 103.0, 745.0, 1e4])
                    pred = np.concatenate([v, -v, rng.standard_normal(6)]).reshape(11, 2)
                    shape = pred.shape
                else:
                    pred = 3.0 * rng.standard_normal(shape)
                tshape = shape[-2:]
                target = rng.uniform(size=tshape) if variant == "soft" else rng.random(tshape) < 0.5
                pred, target = pred.astype(dtype), target.astype(dtype)

                def loss_of(p, fn=fn, t=target):
                    return fn(p, torch.tensor(t))

                if variant == "stack":
                    outs = [grad_of(loss_of, m, dtype=dtype) for m in pred]
                    value = np.array([v for v, _ in outs])
                    grad = np.array([d for _, (d,) in outs])
                else:
                    value, (grad,) = grad_of(loss_of, pred, dtype=dtype)
                cases.append({"id": cid, "loss": name, "dtype": dtype})
                arrays.update(
                    {
                        f"{cid}.pred": pred,
                        f"{cid}.target": target,
                        f"{cid}.value": value,
                        f"{cid}.grad": grad,
                    }
                )
    save("losses", cases, arrays)


# --- Linear, convolution and pooling --------------------------------------------------


def record_layers() -> None:
    """Forward and every gradient (input, weight, bias) of Linear, Conv1d, Conv2d, and of
    MaxPool2d on inputs full of ties (small integers, overlapping windows), AvgPool2d."""
    rng = np.random.default_rng(3)
    F = torch.nn.functional
    cases, arrays = [], {}

    def add(cid: str, spec: dict, fn, inputs: dict[str, np.ndarray]) -> None:
        names = list(inputs)
        y0 = fn(*(torch.tensor(inputs[n]) for n in names))
        g = rng.standard_normal(tuple(y0.shape))
        y, grads = grad_of(fn, *inputs.values(), dtype="float64", upstream=g)
        cases.append({"id": cid, **spec})
        arrays.update({f"{cid}.{n}": a for n, a in inputs.items()})
        arrays.update({f"{cid}.g": g, f"{cid}.y": y})
        arrays.update({f"{cid}.d{n}": d for n, d in zip(names, grads)})

    # Linear: backprop's weight is (in, out), torch's (out, in); the fixture stores (in, out).
    for i, (n, fin, fout) in enumerate([(5, 3, 4), (1, 2, 1), (6, 4, 1)]):
        x, w, b = (
            rng.standard_normal((n, fin)),
            rng.standard_normal((fin, fout)),
            rng.standard_normal((1, fout)),
        )
        add(f"linear{i}", {"layer": "Linear"}, lambda x, w, b: x @ w + b, {"x": x, "w": w, "b": b})

    conv1d = [  # (n, c_in, c_out, length, k, stride, padding, bias)
        (2, 1, 1, 7, 3, 1, 0, True),
        (2, 2, 3, 9, 3, 2, 1, True),
        (1, 3, 2, 8, 4, 3, 2, False),
        (3, 2, 2, 5, 5, 1, 2, True),
    ]
    for i, (n, ci, co, length, k, s, p, bias) in enumerate(conv1d):
        inputs = {"x": rng.standard_normal((n, ci, length)), "w": rng.standard_normal((co, ci, k))}
        if bias:
            inputs["b"] = rng.standard_normal(co)
        spec = {"layer": "Conv1d", "kernel_size": k, "stride": s, "padding": p, "bias": bias}
        add(f"conv1d{i}", spec, lambda x, w, b=None, s=s, p=p: F.conv1d(x, w, b, s, p), inputs)

    conv2d = [  # (n, c_in, c_out, (h, w), (kh, kw), (sh, sw), (ph, pw), bias)
        (2, 1, 2, (5, 5), (3, 3), (1, 1), (0, 0), True),
        (2, 2, 3, (7, 6), (3, 2), (2, 1), (1, 0), True),
        (1, 3, 2, (6, 8), (2, 3), (2, 3), (1, 2), False),
        (2, 2, 1, (4, 5), (4, 1), (1, 2), (2, 1), True),
    ]
    for i, (n, ci, co, hw, k, s, p, bias) in enumerate(conv2d):
        inputs = {"x": rng.standard_normal((n, ci, *hw)), "w": rng.standard_normal((co, ci, *k))}
        if bias:
            inputs["b"] = rng.standard_normal(co)
        spec = {"layer": "Conv2d", "kernel_size": k, "stride": s, "padding": p, "bias": bias}
        add(f"conv2d{i}", spec, lambda x, w, b=None, s=s, p=p: F.conv2d(x, w, b, s, p), inputs)

    pools = [  # ((n, c, h, w), kernel, stride, values drawn from 0..high-1 (ties) or None)
        ((2, 2, 6, 6), (2, 2), (2, 2), 3),
        ((1, 2, 5, 7), (3, 3), (1, 1), 2),
        ((2, 1, 6, 5), (3, 2), (2, 1), 3),
        ((1, 1, 4, 4), (2, 2), (2, 2), 1),  # every window all ties
        ((2, 3, 5, 6), (2, 3), (1, 2), None),
    ]
    for i, (shape, k, s, high) in enumerate(pools):
        x = rng.standard_normal(shape) if high is None else rng.integers(0, high, shape) * 1.0
        add(
            f"maxpool{i}",
            {"layer": "MaxPool2d", "kernel_size": k, "stride": s},
            lambda x, k=k, s=s: F.max_pool2d(x, k, s),
            {"x": x},
        )
        x = rng.standard_normal(shape)
        add(
            f"avgpool{i}",
            {"layer": "AvgPool2d", "kernel_size": k, "stride": s},
            lambda x, k=k, s=s: F.avg_pool2d(x, k, s),
            {"x": x},
        )
    save("layers", cases, arrays)


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    record_optim()
    record_activations()
    record_losses()
    record_layers()
    for f in sorted(HERE.glob("*.npz")):
        print(f"{f.name}: {f.stat().st_size} bytes")
