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

from . import nn, optim
from .lab.cnn import PointsToImage, build_cnn
from .lab.config import CNN, DEFAULT, HANDOUT, Config, Run, build, build_model
from .lab.data import generate_linear, generate_XOR_easy
from .nn import AvgPool2d, Conv1d, Conv2d, Flatten, Linear, MaxPool2d, Normalize
from .nn.activations import ELU, GELU, Identity, LeakyReLU, ReLU, Sigmoid, SiLU, Softplus, Tanh
from .nn.losses import BCELoss, BCEWithLogitsLoss, MSELoss
from .nn.module import Module, Parameter, Sequential
from .optim import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .optim.lr_scheduler import CosineAnnealingLR
from .train import DivergedError, History, evaluate, fit, test

__version__ = "0.1.0"

__all__ = [
    "nn",
    "optim",
    "CNN",
    "DEFAULT",
    "ELU",
    "GELU",
    "HANDOUT",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "Config",
    "Conv1d",
    "Conv2d",
    "CosineAnnealingLR",
    "DivergedError",
    "Flatten",
    "History",
    "Identity",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "Normalize",
    "Optimizer",
    "Parameter",
    "RMSprop",
    "ReLU",
    "SGD",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "PointsToImage",
    "Run",
    "build_cnn",
    "build",
    "build_model",
    "evaluate",
    "fit",
    "generate_XOR_easy",
    "generate_linear",
    "test",
]
