"""Config: validation messages, presets, and model files that load again."""

import numpy as np
import pytest

import backprop as bp
from backprop.lab.config import PRESETS, build_model, load_model, save_model


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"hidden": (0, 4)}, "hidden must be two whole sizes of at least 1"),
        ({"hidden": (2.5, 4)}, "hidden must be two whole sizes of at least 1"),
        ({"activation": "swish"}, "unknown activation 'swish'"),
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"lr": 0.0}, "lr must be a positive finite number"),
        ({"lr": float("inf")}, "lr must be a positive finite number"),
        ({"epochs": 0}, "epochs must be between 1 and 1,000,000, got 0"),
        ({"epochs": 10**7}, "epochs must be between 1 and 1,000,000, got 10,000,000"),
        ({"loss": "bce-logits"}, "takes logits, but the output is 'sigmoid'"),
        ({"output": "relu"}, "loss 'bce' needs probabilities"),
        ({"optimizer_args": {"betas": (0.9, 0.99)}, "optimizer": "sgd"}, "has no option 'betas'"),
        ({"optimizer_args": {"momentum": -1.0}, "optimizer": "sgd"}, "Invalid momentum value"),
        ({"optimizer_args": {"eps": float("inf")}, "optimizer": "adam"}, "Invalid eps value"),
    ],
)
def test_validate_names_the_problem(changes, message):
    with pytest.raises(ValueError, match=message):
        bp.DEFAULT.replace(**changes).validate()


def test_epochs_must_be_a_whole_number():
    with pytest.raises(TypeError, match="epochs must be a whole number, got 10.0"):
        bp.DEFAULT.replace(epochs=10.0).validate()


def test_non_number_option_is_not_reported_as_unknown():
    with pytest.raises(TypeError, match="Invalid momentum value: 'a'; pass a number"):
        bp.DEFAULT.replace(optimizer="sgd", optimizer_args={"momentum": "a"}).validate()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_are_valid(name):
    assert PRESETS[name].validate() is PRESETS[name]


def test_handout_preset_is_the_handout_network():
    model = build_model(bp.HANDOUT, rng=np.random.default_rng(0))
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "Sigmoid"] * 3
    assert all(m.bias is None for m in model if isinstance(m, bp.Linear))
    assert bp.HANDOUT.loss == "mse" and bp.HANDOUT.optimizer == "sgd"


def test_model_file_round_trip(tmp_path):
    config = bp.DEFAULT.replace(hidden=(3, 5), loss="bce-logits", output="identity")
    model = build_model(config, rng=np.random.default_rng(1))
    save_model(model, config, tmp_path / "m.npz")
    again, config_again = load_model(tmp_path / "m.npz")
    assert config_again == config
    x = np.random.default_rng(2).random((4, 2))
    np.testing.assert_array_equal(again(x), model(x))
