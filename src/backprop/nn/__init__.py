"""Neural-network building blocks, NumPy only: ``Module``/``Parameter``/``Sequential``,
layers, activations, losses, initialisers. No autograd: every module has its own
``backward``. Knows nothing of the lab.
"""

from .activations import (
    ELU,
    GELU,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softplus,
    Tanh,
)
from .conv import AvgPool2d, Conv1d, Conv2d, MaxPool2d
from .features import FEATURES, Features
from .kernels import Scalars
from .linear import Flatten, Linear, Normalize
from .losses import BCELoss, BCEWithLogitsLoss, Loss, MSELoss
from .module import Module, Parameter, Sequential
from .penalty import Penalty

__all__ = [
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "Conv1d",
    "Conv2d",
    "ELU",
    "FEATURES",
    "Features",
    "Flatten",
    "GELU",
    "Identity",
    "LeakyReLU",
    "Linear",
    "Loss",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "Normalize",
    "Parameter",
    "Penalty",
    "ReLU",
    "Scalars",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softplus",
    "Tanh",
]
