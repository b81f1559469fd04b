"""float32: trains to the same accuracies as float64, and stays float32 end to end."""

import numpy as np
import pytest

import backprop as bp
from backprop.lab import data
from backprop.lab.config import build, seed_rngs
from backprop.train import accuracy

F32 = bp.DEFAULT.replace(dtype="float32")


def train(config, X, y, models=None, seeds=(0,)):
    rng = seed_rngs(seeds) if models else np.random.default_rng(seeds[0])
    run = build(config, models=models, rng=rng)
    return run.model, run.optimizer, run.fit(X, y)


def assert_float32(model, opt, hist, X):
    for name, p in model.named_parameters():
        assert p.data.dtype == p.grad.dtype == np.float32, name
    for state in opt.state:
        for key, buf in state.items():
            assert buf.dtype == np.float32, key
    assert hist.loss.dtype == np.float32
    assert model(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("name", ["linear", "xor"])
def test_default_in_float32_reaches_100_percent_and_stays_float32(name):
    X, y = data.load(name, seed=0)
    model, opt, hist = train(F32, X, y)
    assert accuracy(model(X.astype(np.float32)), y) == 1.0
    assert hist.accuracy[-1] == 1.0
    assert_float32(model, opt, hist, X)


def test_stack_in_float32_matches_float64_accuracies():
    seeds = list(range(12))
    X, y = (np.stack(a) for a in zip(*[data.load("linear", s) for s in seeds]))
    finals = {}
    for config in (bp.DEFAULT, F32):
        model, opt, hist = train(config, X, y, models=len(seeds), seeds=seeds)
        finals[config.dtype] = hist.accuracy[-1]
        if config.dtype == "float32":
            assert_float32(model, opt, hist, X)
    np.testing.assert_array_equal(finals["float32"], finals["float64"])
    assert (finals["float32"] == 1.0).all()


def test_the_plain_path_keeps_float32_too():
    """A model outside the fused path (ReLU) trains in float32 through its modules."""
    X, y = data.load("xor")
    rng = np.random.default_rng(0)
    model = bp.Sequential(
        bp.Linear(2, 8, rng=rng, dtype=np.float32),
        bp.ReLU(),
        bp.Linear(8, 1, rng=rng, dtype=np.float32),
        bp.Sigmoid(),
    )
    opt = bp.Adam(model.parameters(), lr=0.05)
    hist = bp.fit(model, X, y, loss=bp.BCELoss(), optimizer=opt, epochs=5)
    assert_float32(model, opt, hist, X)


def test_float32_weights_are_the_float64_draw_rounded():
    a = bp.Linear(3, 4, rng=np.random.default_rng(1))
    b = bp.Linear(3, 4, rng=np.random.default_rng(1), dtype=np.float32)
    np.testing.assert_array_equal(b.weight.data, a.weight.data.astype(np.float32))
    assert b.bias.data.dtype == np.float32


def test_bad_dtypes_say_what_to_choose():
    with pytest.raises(ValueError, match="float type"):
        bp.Linear(2, 2, dtype=np.int64)
    with pytest.raises(ValueError, match="unknown dtype 'float16'; choose one of float64"):
        bp.DEFAULT.replace(dtype="float16").validate()
    assert bp.DEFAULT.dtype == "float64" and "float32" in str(F32)
