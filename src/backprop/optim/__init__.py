"""Optimizers. Each sees only (data, grad) pairs and owns its state.

``lr`` is a scalar, or one value per model ``(M,)`` for a stack of ``M`` models (every
parameter then carries the stack axis first); the other hyperparameters are shared.
Every rule and default is the one ``torch.optim`` documents for the same name (γ is
``lr``, λ ``weight_decay``, t counts calls to ``step()`` from 1).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial

from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

OptimizerFactory = Callable[..., Optimizer]


# CLI name → factory ``(params, lr, **hyperparameters) -> Optimizer``.
OPTIMIZERS: dict[str, OptimizerFactory] = {
    "sgd": SGD,
    "momentum": partial(SGD, momentum=0.9),
    "nesterov": partial(SGD, momentum=0.9, nesterov=True),
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
    "adadelta": Adadelta,
}


# A learning rate per name for the default MLP (2-16-16-1 tanh, BCE, normalized
# inputs, cosine decay, 400 epochs): tuned by ``backprop experiments optimizer`` on
# the grid 1e-3 … 10 over 10 seeds (most seeds at 100 %, then fewest median epochs).
DEFAULT_LR: dict[str, float] = {
    "sgd": 1.0,
    "momentum": 0.3,
    "nesterov": 0.3,
    "adagrad": 0.1,
    "rmsprop": 0.01,
    "adam": 0.1,
    "adamw": 0.1,
    "adadelta": 3.0,
}


def option_defaults(name: str) -> dict[str, object]:
    """The options of ``OPTIMIZERS[name]`` besides ``lr``, with their defaults."""
    params = list(inspect.signature(OPTIMIZERS[name]).parameters.values())[2:]
    return {p.name: p.default for p in params}


__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "DEFAULT_LR",
    "OPTIMIZERS",
    "Optimizer",
    "OptimizerFactory",
    "RMSprop",
    "option_defaults",
    "SGD",
]
