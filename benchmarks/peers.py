"""Optional peers: PyTorch eager and scikit-learn's MLPClassifier, when installed.

Each runner trains the same network from the same weights for ``epochs`` full-batch
epochs and returns the seconds its training loop took; ``None`` if the package is
missing. They are imported here only, so the suite runs without them.

* PyTorch: ``nn.Sequential`` + autograd + ``torch.optim`` on one thread, in the
  dtype backprop runs in; each epoch ``zero_grad``, forward, loss, ``backward``,
  ``step`` and ``loss.item()`` (no accuracy, which makes it a little faster than
  what ``fit`` does).
* scikit-learn: ``MLPClassifier`` with ``batch_size=N``, no shuffling, no early
  stopping, no L2 penalty. It always has biases and its loss is log-loss, so on the
  handout's network it is the nearest model it can train, not the same maths.
"""

from __future__ import annotations

import time
import warnings

import numpy as np


def have(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def torch_seconds(
    weights: list[np.ndarray],
    biases: list[np.ndarray] | None,
    hidden: str,
    output: str,
    loss: str,
    optimizer: str,
    lr: float,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    normalize: bool = False,
) -> float | None:
    """Seconds for ``epochs`` epochs of the MLP with these weights ``(in, out)`` in torch."""
    if not have("torch"):
        return None
    import torch

    torch.set_num_threads(1)
    dtype = {np.float64: torch.float64, np.float32: torch.float32}[weights[0].dtype.type]
    acts = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}
    layers: list[torch.nn.Module] = []
    for i, w in enumerate(weights):
        lin = torch.nn.Linear(*w.shape, bias=biases is not None, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            if biases is not None:
                lin.bias.copy_(torch.from_numpy(biases[i][0].copy()))
        layers += [lin, acts[output if i == len(weights) - 1 else hidden]()]
    model = torch.nn.Sequential(*layers)
    xs = (X - 0.5) * 4.0 if normalize else X
    xt = torch.from_numpy(np.ascontiguousarray(xs, weights[0].dtype))
    yt = torch.from_numpy(np.ascontiguousarray(y, weights[0].dtype))
    loss_fn = {"mse": torch.nn.MSELoss, "bce": torch.nn.BCELoss}[loss]()
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimizer](model.parameters(), lr=lr)
    losses = np.empty(epochs)
    start = time.perf_counter()
    for e in range(epochs):
        opt.zero_grad()
        value = loss_fn(model(xt), yt)
        value.backward()
        opt.step()
        losses[e] = value.item()
    return time.perf_counter() - start


def sklearn_seconds(
    hidden_sizes: tuple[int, ...],
    activation: str,
    solver: str,
    lr: float,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
) -> float | None:
    """Seconds for ``MLPClassifier.fit`` to run ``epochs`` full-batch epochs."""
    if not have("sklearn"):
        return None
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=hidden_sizes,
        activation={"sigmoid": "logistic"}.get(activation, activation),
        solver=solver,
        alpha=0.0,
        batch_size=len(X),
        learning_rate_init=lr,
        max_iter=epochs,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        momentum=0.0,
        nesterovs_momentum=False,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(X, y.ravel())
        seconds = time.perf_counter() - start
    if clf.n_iter_ != epochs:
        raise RuntimeError(f"MLPClassifier stopped after {clf.n_iter_} of {epochs} epochs")
    return seconds
