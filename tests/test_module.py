"""Parameter, Module, Sequential: naming, state dicts, repr, and the stack axis."""

import numpy as np
import pytest

import backprop as bp
from backprop.gradcheck import check_module
from backprop.lab.config import build_model, seed_rngs


def small_model(models=None, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    return bp.Sequential(
        bp.Linear(2, 3, models=models, rng=rng),
        bp.Tanh(),
        bp.Linear(3, 1, models=models, rng=rng),
        bp.Sigmoid(),
    )


def test_named_parameters_follow_pytorch_names():
    names = [n for n, _ in small_model().named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_state_dict_round_trip_and_copies():
    a, b = small_model(rng=np.random.default_rng(1)), small_model(rng=np.random.default_rng(2))
    state = a.state_dict()
    state["0.weight"][...] = 7.0  # a copy: must not change ``a``
    assert not np.all(a[0].weight.data == 7.0)
    b.load_state_dict(a.state_dict())
    x = np.random.default_rng(3).random((5, 2))
    np.testing.assert_array_equal(a(x), b(x))


def test_load_state_dict_rejects_wrong_keys_and_shapes():
    m = small_model()
    state = m.state_dict()
    with pytest.raises(ValueError, match=r"missing \['2.bias'\]"):
        m.load_state_dict({k: v for k, v in state.items() if k != "2.bias"})
    with pytest.raises(ValueError, match=r"unexpected \['extra'\]"):
        m.load_state_dict({**state, "extra": np.zeros(1)})
    shape_message = r"state_dict\['0.weight'\] has shape \(3, 2\), expected \(2, 3\)"
    with pytest.raises(ValueError, match=shape_message):
        m.load_state_dict({**state, "0.weight": np.zeros((3, 2))})


def test_zero_grad_and_accumulation():
    m = small_model()
    x = np.random.default_rng(0).random((4, 2))
    for _ in range(2):
        m.backward(np.ones_like(m(x)))
    twice = m[0].weight.grad.copy()
    m.zero_grad()
    assert all(not p.grad.any() for p in m.parameters())
    m(x)
    m.backward(np.ones((4, 1)))
    np.testing.assert_allclose(twice, 2 * m[0].weight.grad)


def test_repr_is_readable():
    text = repr(small_model(models=3))
    assert "Linear(in_features=2, out_features=3, bias=True, models=3)" in text
    assert "(1): Tanh()" in text and text.startswith("Sequential(")
    assert repr(bp.Parameter(np.zeros((2, 3)))) == "Parameter(shape=(2, 3))"


def test_stack_slot_equals_single_model_built_from_the_same_seed():
    seeds = [5, 6, 7]
    stack = build_model(bp.DEFAULT, models=3, rng=seed_rngs(seeds))
    single = build_model(bp.DEFAULT, rng=np.random.default_rng(6))
    for (name, p), q in zip(stack.named_parameters(), single.parameters()):
        np.testing.assert_array_equal(p.data[1], q.data, err_msg=name)


@pytest.mark.parametrize("models", [None, 3])
def test_whole_mlp_gradient_check(models):
    rng = np.random.default_rng(4)
    m = build_model(bp.DEFAULT, models=models, rng=rng)
    errors = check_module(m, rng.random((6, 2)), rng)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize(
    "data, message",
    [
        (np.array([1 + 2j]), "dtype complex128; pass a float"),
        (np.array(["a"]), "dtype <U1; pass a float"),
        (np.array([object()]), "dtype object; pass a float"),
    ],
)
def test_parameter_holds_real_numbers_only(data, message):
    with pytest.raises(TypeError, match=message):
        bp.Parameter(data)


def test_parameter_takes_ints_as_floats():
    assert bp.Parameter(np.arange(3)).data.dtype == np.float64


def test_sequential_takes_modules_not_a_list():
    with pytest.raises(TypeError, match=r"pass them as separate arguments: Sequential\(\*layers"):
        bp.Sequential([bp.Linear(2, 1), bp.Sigmoid()])
    with pytest.raises(TypeError, match="Sequential takes Modules, got ufunc"):
        bp.Sequential(np.tanh)
