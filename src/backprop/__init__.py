"""backprop: a NumPy-only neural-network lab with hand-written backpropagation.

No autograd: every module has its own ``backward``. ``Linear.weight`` is
``(in, out)`` so the forward is the handout's ``Z = XW`` (+ b). A leading
"models" axis trains a stack of independent models in one NumPy computation.
"""

import os

# backprop's matrices are small: OpenBLAS's threads cost more than they save (a CNN
# epoch ran 1.8x slower with two threads on two cores). Only a default, and only
# effective if NumPy is not imported yet; set OPENBLAS_NUM_THREADS to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import importlib

# Where each public name lives, imported on first use (PEP 562): ``import backprop`` stays
# cheap, so the ``backprop`` command can catch a Ctrl-C while NumPy and matplotlib load.
_WHERE = {
    "nn": "",
    "optim": "",
    "PointsToImage": "lab.cnn",
    "build_cnn": "lab.cnn",
    "CNN": "lab.config",
    "DEFAULT": "lab.config",
    "HANDOUT": "lab.config",
    "Config": "lab.config",
    "Run": "lab.config",
    "build": "lab.config",
    "build_model": "lab.config",
    "generate_linear": "lab.data",
    "generate_XOR_easy": "lab.data",
    "AvgPool2d": "nn",
    "Conv1d": "nn",
    "Conv2d": "nn",
    "Flatten": "nn",
    "Linear": "nn",
    "MaxPool2d": "nn",
    "Normalize": "nn",
    "ELU": "nn.activations",
    "GELU": "nn.activations",
    "Identity": "nn.activations",
    "LeakyReLU": "nn.activations",
    "ReLU": "nn.activations",
    "Sigmoid": "nn.activations",
    "SiLU": "nn.activations",
    "Softplus": "nn.activations",
    "Tanh": "nn.activations",
    "BCELoss": "nn.losses",
    "BCEWithLogitsLoss": "nn.losses",
    "MSELoss": "nn.losses",
    "Module": "nn.module",
    "Parameter": "nn.module",
    "Sequential": "nn.module",
    "SGD": "optim",
    "Adadelta": "optim",
    "Adagrad": "optim",
    "Adam": "optim",
    "AdamW": "optim",
    "Optimizer": "optim",
    "RMSprop": "optim",
    "CosineAnnealingLR": "optim.lr_scheduler",
    "DivergedError": "train",
    "History": "train",
    "evaluate": "train",
    "fit": "train",
    "test": "train",
}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'backprop' has no attribute {name!r}")
    where = _WHERE[name]
    value = importlib.import_module(f".{where or name}", __name__)
    value = getattr(value, name) if where else value
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__version__ = "0.1.0"

__all__ = list(_WHERE)
