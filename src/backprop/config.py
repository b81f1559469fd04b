"""A run's configuration, the two presets, and the builders that turn it into objects."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from .activations import ACTIVATIONS
from .layers import Linear
from .losses import LOSSES, Loss
from .module import Module, Sequential
from .optim import OPTIMIZERS, Optimizer
from .schedule import SCHEDULES, CosineAnnealingLR


@dataclass(frozen=True)
class Config:
    """Everything that decides a run: ``2 → hidden[0] → hidden[1] → 1``."""

    hidden: tuple[int, int] = (8, 8)
    activation: str = "tanh"
    output: str = "sigmoid"
    loss: str = "bce"
    optimizer: str = "adam"
    lr: float = 0.1
    schedule: str = "cosine"
    epochs: int = 500
    bias: bool = True
    init: str = "xavier_uniform"

    def validate(self) -> Config:
        if len(self.hidden) != 2 or min(self.hidden) < 1:
            raise ValueError(f"hidden must be two sizes of at least 1, got {self.hidden}")
        for name, value, table in (
            ("activation", self.activation, ACTIVATIONS),
            ("output", self.output, ACTIVATIONS),
            ("loss", self.loss, LOSSES),
            ("optimizer", self.optimizer, OPTIMIZERS),
            ("schedule", self.schedule, SCHEDULES),
        ):
            if value not in table:
                raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(table)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Config:
        return cls(**{**d, "hidden": tuple(d["hidden"])})

    def replace(self, **changes) -> Config:
        return replace(self, **changes)


DEFAULT = Config()
# The handout's network exactly: Z1 = σ(XW1), Z2 = σ(Z1W2), y = σ(Z2W3), MSE, gradient descent.
HANDOUT = Config(
    hidden=(16, 16),
    activation="sigmoid",
    output="sigmoid",
    loss="mse",
    optimizer="sgd",
    lr=10.0,
    schedule="constant",
    epochs=5000,
    bias=False,
    init="normal",
)
PRESETS = {"default": DEFAULT, "handout": HANDOUT}


def build_model(
    config: Config,
    models: int | None = None,
    rng: np.random.Generator | Sequence[np.random.Generator] | None = None,
) -> Sequential:
    """The MLP of ``config``; ``models=M`` builds a stack of ``M`` of them."""
    sizes = (2, *config.hidden, 1)
    act = ACTIVATIONS[config.activation]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        last = i == len(sizes) - 2
        layers.append(
            Linear(n_in, n_out, bias=config.bias, models=models, rng=rng, init=config.init)
        )
        layers.append(ACTIVATIONS[config.output]() if last else act())
    return Sequential(*layers)


def build_loss(config: Config) -> Loss:
    return LOSSES[config.loss]()


def build_optimizer(config: Config, params, lr: float | np.ndarray | None = None) -> Optimizer:
    return OPTIMIZERS[config.optimizer](params, config.lr if lr is None else lr)


def build_scheduler(config: Config, optimizer: Optimizer) -> CosineAnnealingLR | None:
    return CosineAnnealingLR(optimizer, config.epochs) if config.schedule == "cosine" else None


def seed_rngs(seeds: Sequence[int]) -> list[np.random.Generator]:
    """One generator per seed, so model ``m`` of a stack equals a run with ``seeds[m]``."""
    return [np.random.default_rng(s) for s in seeds]


def save_model(model: Module, config: Config, path: str | Path) -> Path:
    """Write the parameters and the config (as JSON) to one ``.npz`` file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, __config__=json.dumps(config.to_dict()), **model.state_dict())
    return path


def load_model(path: str | Path) -> tuple[Module, Config]:
    """Rebuild the model written by ``save_model`` and load its parameters."""
    with np.load(path, allow_pickle=False) as f:
        config = Config.from_dict(json.loads(str(f["__config__"])))
        state = {k: f[k] for k in f.files if k != "__config__"}
    model = build_model(config)
    model.load_state_dict(state)
    return model, config
