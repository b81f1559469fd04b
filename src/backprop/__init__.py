"""backprop: a NumPy-only neural-network lab with hand-written backpropagation."""

from .activations import Identity, ReLU, Sigmoid, Tanh
from .config import DEFAULT, HANDOUT, Config, build_loss, build_model, build_optimizer
from .data import generate_linear, generate_XOR_easy
from .layers import Linear
from .losses import BCELoss, MSELoss
from .module import Module, Parameter, Sequential
from .optim import SGD, Optimizer
from .train import DivergedError, History, fit, test

__version__ = "0.1.0"

__all__ = [
    "BCELoss",
    "Config",
    "DEFAULT",
    "DivergedError",
    "HANDOUT",
    "History",
    "Identity",
    "Linear",
    "MSELoss",
    "Module",
    "Optimizer",
    "Parameter",
    "ReLU",
    "SGD",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "build_loss",
    "build_model",
    "build_optimizer",
    "fit",
    "generate_XOR_easy",
    "generate_linear",
    "test",
]
