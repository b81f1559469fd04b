"""Optimizers. Each sees only aligned lists of parameters and owns its state.

``lr`` is a scalar, or one value per model for a stack of ``M`` models (shape
``(M,)``), in which case every parameter must carry the stack axis first. All
other hyperparameters are shared by the models of a stack.

Every update rule and default is the one ``torch.optim`` documents for the same
name (γ is ``lr``, λ ``weight_decay``, t counts calls to ``step()`` from 1).
``_update`` works in place on the optimizer's own buffers: the parameter's
``grad`` is never modified and no parameter-sized array is allocated after the
first step.

Every rule is element-wise, so the optimizer moves its parameters into one flat
buffer (``data`` and ``grad`` become views of it, the values unchanged) and applies
the rule once to the whole buffer: one set of NumPy calls per step instead of one
per parameter, the same numbers. Parameters sharing a leading (stack) axis ``M``
are laid out ``(M, P)``, so a per-model ``lr`` of shape ``(M, 1)`` broadcasts;
others ``(P,)``. Rebinding ``p.data`` or ``p.grad`` to an array of the same shape
and dtype later is fine: ``step`` copies it into the buffer first.
"""

from __future__ import annotations

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
    "SGD",
]
