"""The handout's discussion and extra experiments, one small function each: ``@experiment``
registers a function of the run's ``Sizes`` that returns its ``Experiment``; ``NAMES`` keeps
the order of registration (the report's order) and ``define`` looks one up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..checks import plural
from ..lab.config import CNN, DEFAULT, HANDOUT, Config
from ..nn.activations import ACTIVATIONS
from ..optim import OPTIMIZERS
from .spec import Axis, Experiment, Setting

LR_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)
HANDOUT_LR_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
HANDOUT_SWEEP_EPOCHS = 2000  # the preset trains 10 000; 2 000 already separate the rates
HANDOUT_ACTIVATIONS = ("sigmoid", "tanh", "identity")  # the fused path's activations
HIDDEN_SIZES = (1, 2, 4, 8, 16, 32, 64)
CNN_SWEEP_EPOCHS = 60  # at most; with a constant rate, the preset's first 60 epochs
SEEDS = 10  # per setting
CNN_SEEDS = 5  # the CNN trains one model at a time
CONVERGENCE_SEEDS = 1000  # the convergence experiment's
TUNED = "tuned = most seeds at 100 % on the harder dataset, then the fewest median epochs to 100 %"


@dataclass(frozen=True)
class Sizes:
    """How many seeds each experiment runs, and an ``epochs`` override for every run."""

    seeds: int = SEEDS
    epochs: int | None = None
    cnn_seeds: int = CNN_SEEDS
    convergence_seeds: int = CONVERGENCE_SEEDS

    @property
    def seed_list(self) -> tuple[int, ...]:
        return tuple(range(self.seeds))

    def with_epochs(self, config: Config, default: int | None = None) -> Config:
        """``config`` with the override's epochs, else ``default``, else its own."""
        return config.replace(epochs=self.epochs or default or config.epochs)


REGISTRY: dict[str, Callable[[Sizes], Experiment]] = {}


def experiment(name: str):
    """Register the decorated ``Sizes → Experiment`` function as ``name``."""

    def register(fn: Callable[[Sizes], Experiment]) -> Callable[[Sizes], Experiment]:
        REGISTRY[name] = fn
        return fn

    return register


def lr_grid(groups: dict[str, Config], grid: Sequence[float]) -> tuple[Setting, ...]:
    """Each group's config at each learning rate of ``grid``: ``"<group> lr=<lr>"``."""
    return tuple(
        Setting(f"{g} lr={lr:g}", c.replace(lr=lr), g, lr) for g, c in groups.items() for lr in grid
    )


@experiment("lr")
def learning_rate(n: Sizes) -> Experiment:
    sgd = n.with_epochs(DEFAULT.replace(optimizer="sgd", schedule="constant"))
    return Experiment(
        "lr",
        "Learning rate (default network)",
        Axis("learning rate", log_base=10),
        lr_grid({"sgd": sgd, "adam": n.with_epochs(DEFAULT)}, LR_GRID),
        n.seed_list,
        note="sgd: plain gradient descent, constant rate; adam: cosine decay (the default)",
    )


@experiment("handout_lr")
def handout_learning_rate(n: Sizes) -> Experiment:
    c = n.with_epochs(HANDOUT, HANDOUT_SWEEP_EPOCHS)
    settings = [Setting(f"lr={lr:g}", c.replace(lr=lr), "handout", lr) for lr in HANDOUT_LR_GRID]
    return Experiment(
        "handout_lr",
        "Learning rate (the handout's network)",
        Axis("learning rate ρ", log_base=10),
        tuple(settings),
        n.seed_list,
        note=f"{c.epochs} epochs (the preset trains {HANDOUT.epochs})",
    )


@experiment("handout_activation")
def handout_activation(n: Sizes) -> Experiment:
    c = n.with_epochs(HANDOUT, HANDOUT_SWEEP_EPOCHS)
    return Experiment(
        "handout_activation",
        "Hidden activation (the handout's network, gradient descent)",
        Axis("learning rate ρ", log_base=10),
        lr_grid({a: c.replace(activation=a) for a in HANDOUT_ACTIVATIONS}, HANDOUT_LR_GRID),
        n.seed_list,
        tune=True,
        note=f"{c.epochs} epochs; {TUNED}",
    )


@experiment("hidden")
def hidden_units(n: Sizes) -> Experiment:
    settings = [
        Setting(f"h={h}", n.with_epochs(DEFAULT).replace(hidden=(h, h)), "mlp", h)
        for h in HIDDEN_SIZES
    ]
    return Experiment(
        "hidden",
        "Hidden units per layer",
        Axis("hidden units per layer", log_base=2, ticks_at_settings=True),
        tuple(settings),
        n.seed_list,
    )


@experiment("activation")
def activation(n: Sizes) -> Experiment:
    def name(a: str) -> str:
        return "none" if a == "identity" else a

    settings = [
        Setting(
            "none (identity)" if a == "identity" else a,
            n.with_epochs(DEFAULT).replace(activation=a),
            "mlp",
            name(a),
        )
        for a in ("identity", *(a for a in ACTIVATIONS if a != "identity"))
    ]
    return Experiment(
        "activation", "Hidden-layer activation", Axis("activation"), tuple(settings), n.seed_list
    )


@experiment("bias")
def bias(n: Sizes) -> Experiment:
    c = n.with_epochs(DEFAULT)
    settings = [
        Setting(label, c.replace(bias=b, normalize=z), "mlp", label)
        for label, b, z in (
            ("bias, centred", True, True),
            ("no bias, centred", False, True),
            ("bias, raw [0,1]", True, False),
            ("no bias, raw [0,1]", False, False),
        )
    ]
    return Experiment(
        "bias", "Biases and input centring", Axis("network"), tuple(settings), n.seed_list
    )


@experiment("optimizer")
def optimizer(n: Sizes) -> Experiment:
    c = n.with_epochs(DEFAULT)
    return Experiment(
        "optimizer",
        "Optimizers (each at its tuned learning rate)",
        Axis("learning rate", log_base=10),
        lr_grid({opt: c.replace(optimizer=opt) for opt in OPTIMIZERS}, LR_GRID),
        n.seed_list,
        tune=True,
        note=f"default network (cosine decay); {TUNED}",
    )


@experiment("cnn")
def cnn(n: Sizes) -> Experiment:
    c = n.with_epochs(CNN, min(CNN.epochs, CNN_SWEEP_EPOCHS))
    seeds = min(n.cnn_seeds, n.seeds)
    settings = [
        Setting("mlp", n.with_epochs(DEFAULT), "mlp", "MLP"),
        Setting("cnn", c, "cnn", "CNN", tuple(range(seeds))),
    ]
    return Experiment(
        "cnn",
        "CNN against MLP",
        Axis("model"),
        tuple(settings),
        n.seed_list,
        note=f"the CNN trains one model per seed ({plural(seeds, 'seed', sep='')}, "
        f"{c.epochs} epochs); the MLP is one stack over {plural(n.seeds, 'seed', sep='')}",
    )


@experiment("convergence")
def convergence(n: Sizes) -> Experiment:
    return Experiment(
        "convergence",
        "Convergence of the default network",
        Axis(),
        (Setting("default", n.with_epochs(DEFAULT), "mlp", "default"),),
        tuple(range(n.convergence_seeds)),
    )


NAMES = tuple(REGISTRY)
DEFAULT_NAMES = NAMES[:-1]  # convergence (1000 seeds) runs for the report or on request


def define(
    name: str,
    seeds: int = SEEDS,
    epochs: int | None = None,
    cnn_seeds: int = CNN_SEEDS,
    convergence_seeds: int = CONVERGENCE_SEEDS,
) -> Experiment:
    """The experiment ``name`` over seeds ``0 … seeds-1``; ``epochs`` overrides every run's."""
    if name not in REGISTRY:
        raise ValueError(f"unknown experiment {name!r}; choose from {', '.join(NAMES)}")
    return REGISTRY[name](Sizes(seeds, epochs, cnn_seeds, convergence_seeds))
