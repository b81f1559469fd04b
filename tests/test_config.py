"""Config: validation messages, presets, and model files that load again."""

import numpy as np
import pytest

import backprop as bp
from backprop.lab.config import PRESETS, build_model, load_model, save_model, seed_rngs
from backprop.nn.losses import LOSSES
from backprop.optim import OPTIMIZERS


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"hidden": (0, 4)}, "hidden must be 1 to 6 whole sizes of at least 1"),
        ({"hidden": (2.5, 4)}, "hidden must be 1 to 6 whole sizes of at least 1"),
        ({"hidden": (2,) * 7}, "hidden must be 1 to 6 whole sizes of at least 1"),
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
        ({"features": ("x1", "x3")}, "unknown feature 'x3'"),
        ({"features": ("x1", "x2", "x1sq"), "model": "cnn"}, "features apply to the MLP only"),
        ({"l1": -0.1}, "l1 must be between 0 and 10, got -0.1"),
        ({"l2": 11.0}, "l2 must be between 0 and 10, got 11.0"),
        ({"batch_size": 0}, "batch_size must be at least 1, got 0"),
        ({"test_fraction": 1.0}, "test_fraction must be below 1"),
        ({"test_fraction": -0.2}, "test_fraction must be between 0 and 1, got -0.2"),
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


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_build_makes_what_the_config_says(name):
    """``build``: the config's model, loss, optimizer (its lr and options), schedule and
    epochs; ``lr=`` sets one rate per model of a stack."""
    config = PRESETS[name].replace(optimizer_args={"eps": 1e-6} if name != "handout" else {})
    run = bp.build(config, rng=np.random.default_rng(0))
    assert type(run.loss) is type(LOSSES[config.loss]())
    assert type(run.optimizer) is type(
        OPTIMIZERS[config.optimizer]([bp.Parameter(np.zeros(1))], 1.0)
    )
    assert run.optimizer.lr == config.lr and run.epochs == config.epochs
    assert all(getattr(run.optimizer, k) == v for k, v in config.optimizer_args.items())
    if config.schedule == "cosine":
        assert run.scheduler.T_max == config.epochs and run.scheduler.optimizer is run.optimizer
    else:
        assert run.scheduler is None
    reference = build_model(config, rng=np.random.default_rng(0))
    for p, q in zip(run.model.parameters(), reference.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    if config.model == "mlp":
        stack = bp.build(config, models=3, rng=seed_rngs([0, 1, 2]), lr=np.array([1.0, 2.0, 3.0]))
        np.testing.assert_array_equal(stack.optimizer.lr, [1.0, 2.0, 3.0])
        assert stack.model[-2].models == 3


def test_run_fit_is_fit_with_the_runs_parts():
    """``Run.fit`` trains the run's model with its loss, optimizer, schedule and epochs:
    the same numbers as ``fit`` called with them."""
    X, y = bp.lab.data.load("xor")
    config = bp.DEFAULT.replace(epochs=25)
    run, same = (bp.build(config, rng=np.random.default_rng(3)) for _ in range(2))
    hist = run.fit(X, y)
    ref = bp.fit(
        same.model,
        X,
        y,
        loss=same.loss,
        optimizer=same.optimizer,
        epochs=25,
        scheduler=same.scheduler,
    )
    np.testing.assert_array_equal(hist.loss, ref.loss)
    for p, q in zip(run.model.parameters(), same.model.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert run.optimizer.lr == same.optimizer.lr < config.lr  # the cosine schedule stepped


def test_generalization_fields_are_saved_only_when_on(tmp_path):
    """Off (the lab's defaults), they leave to_dict, history.json, model.npz and the
    experiments' cache keys as they were; on, they round-trip and show in str()."""
    assert set(bp.DEFAULT.to_dict()) == {
        "model", "hidden", "activation", "output", "loss", "optimizer", "lr", "schedule",
        "epochs", "bias", "init", "normalize", "optimizer_args", "dtype",
    }  # fmt: skip
    config = bp.DEFAULT.replace(
        features=("x1", "x2", "x1x2"), l1=0.001, l2=0.01, batch_size=10, test_fraction=0.3
    )
    assert str(config).endswith(
        ", features x1 x2 x1x2, l1 0.001, l2 0.01, batch 10, test 30%"
    ) and str(config).startswith("mlp 3-16-16-1 ")
    model = build_model(config, rng=np.random.default_rng(0))
    loaded, back = load_model(save_model(model, config, tmp_path / "m.npz"))
    assert back == config and loaded.modules[1].names == config.features


def test_str_names_every_layer_size_and_what_differs_from_the_default():
    """The header line of ``backprop lab``: input, hidden and output sizes, then training."""
    assert str(bp.DEFAULT) == (
        "mlp 2-16-16-1 tanh/sigmoid, bce loss, adam lr=0.1 (cosine), 400 epochs, "
        "init he_normal, inputs normalized"
    )
    assert str(bp.HANDOUT) == (
        "mlp 2-16-16-1 sigmoid/sigmoid no-bias, mse loss, sgd lr=10 (constant), "
        "10000 epochs, init xavier_uniform"
    )
    assert str(bp.CNN) == "cnn relu, bce loss, adam lr=0.02 (constant), 150 epochs"
    other = bp.DEFAULT.replace(
        hidden=(3,), optimizer="sgd", optimizer_args={"momentum": 0.9}, normalize=False
    )
    assert str(other.replace(dtype="float32")) == (
        "mlp 2-3-1 tanh/sigmoid, bce loss, sgd momentum=0.9 lr=0.1 (cosine), 400 epochs, "
        "init he_normal, float32"
    )
