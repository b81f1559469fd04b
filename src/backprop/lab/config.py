"""A run's ``Config``, the presets, and ``build``: the one recipe from a Config to the
``Run`` that ``fit`` trains (model, loss, optimizer, schedule, epochs)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from ..checks import choice, plural, real, whole
from ..files import replacing
from ..limits import MAX_PENALTY, check_epochs, check_hidden, check_test_fraction
from ..nn import Features, Linear, Normalize
from ..nn.activations import ACTIVATIONS
from ..nn.features import PLAIN, check_features
from ..nn.init import INITS
from ..nn.losses import LOSSES, Loss
from ..nn.module import Module, Parameter, Sequential
from ..nn.penalty import Penalty
from ..optim import OPTIMIZERS, Optimizer, option_defaults
from ..optim.lr_scheduler import SCHEDULES, CosineAnnealingLR
from ..train import History, fit
from .cnn import CNN_ACTIVATION, CNN_EPOCHS, CNN_LR, CNN_OPTIMIZER, build_cnn


@dataclass(frozen=True)
class Config:
    """Everything that decides a run: an MLP ``2 → hidden[0] → … → hidden[-1] → 1`` (after
    ``Normalize`` if ``normalize``) or ``model="cnn"`` (``lab.cnn.build_cnn``), its loss,
    optimizer (``optimizer_args`` e.g. ``{"momentum": 0.9}``), rate, schedule and dtype.

    Generalization (``docs/generalization.md``; the lab's defaults leave each off):
    ``features`` the MLP's inputs (``nn.Features``), ``l1``/``l2`` the weights' penalty
    (``nn.Penalty``), ``batch_size`` (None: full batch), ``test_fraction`` of the points
    held out (``lab.data.split``)."""

    model: str = "mlp"
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "tanh"
    output: str = "sigmoid"
    loss: str = "bce"
    optimizer: str = "adam"
    lr: float = 0.1
    schedule: str = "cosine"
    epochs: int = 400
    bias: bool = True
    init: str = "he_normal"
    normalize: bool = True
    optimizer_args: dict = field(default_factory=dict)
    dtype: str = "float64"
    features: tuple[str, ...] = PLAIN
    l1: float = 0.0
    l2: float = 0.0
    batch_size: int | None = None
    test_fraction: float = 0.0

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """The MLP's widths, input to output: ``(len(features), *hidden, 1)``."""
        return (len(self.features), *self.hidden, 1)

    @property
    def penalty(self) -> Penalty | None:
        """``nn.Penalty(l1, l2)``, or None when both are 0."""
        return Penalty(self.l1, self.l2) if self.l1 or self.l2 else None

    @property
    def weights(self) -> int:
        """The MLP's weight count (biases not counted): ``Σ n_in · n_out``."""
        sizes = self.layer_sizes
        return sum(a * b for a, b in zip(sizes, sizes[1:]))

    def validate(self) -> Config:
        """Raise ``ValueError`` with a message naming the bad field; return self.

        The fields one by one; ``limits.check_run`` adds what a run of it may cost."""
        check_hidden(self.hidden)
        for name, value, table in (
            ("model", self.model, MODELS),
            ("activation", self.activation, ACTIVATIONS),
            ("output", self.output, ACTIVATIONS),
            ("loss", self.loss, LOSSES),
            ("optimizer", self.optimizer, OPTIMIZERS),
            ("schedule", self.schedule, SCHEDULES),
            ("init", self.init, INITS),
        ):
            choice(name, value, table)
        if not 0 < self.lr < math.inf:
            raise ValueError(f"lr must be a positive finite number, got {self.lr}")
        choice("dtype", self.dtype, DTYPES)
        check_epochs(self.epochs)
        check_features(self.features)
        if self.model == "cnn" and tuple(self.features) != PLAIN:
            raise ValueError("features apply to the MLP only; the CNN takes the points as images")
        for name in ("l1", "l2"):
            real(name, getattr(self, name), 0, MAX_PENALTY)
        if self.batch_size is not None:
            whole("batch_size", self.batch_size, 1)
        check_test_fraction(self.test_fraction)
        output = "sigmoid" if self.model == "cnn" else self.output  # the CNN ends in σ
        needed = loss_output(self.loss)
        if needed == "identity" and output != needed:
            raise ValueError(
                f"loss {self.loss!r} takes logits, but the output is {output!r}; "
                "use --output identity (MLP only)"
            )
        if needed == "sigmoid" and output != needed:
            raise ValueError(
                f"loss 'bce' needs probabilities, but the output is {output!r}; use --output "
                "sigmoid, or --loss bce-logits with --output identity"
            )
        known = option_defaults(self.optimizer)
        bad = [k for k in self.optimizer_args if k not in known]
        if bad:
            raise ValueError(f"optimizer {self.optimizer!r} has no option {bad[0]!r}")
        OPTIMIZERS[self.optimizer]([Parameter(np.zeros(1))], self.lr, **self.optimizer_args)
        return self

    def __str__(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.optimizer_args.items())
        training = (
            f"{self.loss} loss, {self.optimizer}{extra} lr={self.lr:g} ({self.schedule}), "
            f"{plural(self.epochs, 'epoch', sep='')}"
        )
        if self.model == "cnn":
            return f"cnn {self.activation}, {training}{self._extras()}"
        sizes = "-".join(map(str, self.layer_sizes))
        return (
            f"mlp {sizes} {self.activation}/{self.output}{'' if self.bias else ' no-bias'}, "
            f"{training}, init {self.init}"
            + (", inputs normalized" if self.normalize else "")
            + ("" if self.dtype == "float64" else f", {self.dtype}")
            + self._extras()
        )

    def _extras(self) -> str:
        """The generalization fields that are on, as ``__str__`` ends (none: ``""``)."""
        parts = [
            f"features {' '.join(self.features)}" if tuple(self.features) != PLAIN else "",
            f"l1 {self.l1:g}" if self.l1 else "",
            f"l2 {self.l2:g}" if self.l2 else "",
            f"batch {self.batch_size}" if self.batch_size is not None else "",
            f"test {self.test_fraction:.0%}" if self.test_fraction else "",
        ]
        return "".join(f", {p}" for p in parts if p)

    def to_dict(self) -> dict:
        """The fields; those of ``EXTRAS`` only when not their default, so that the lab's
        ``history.json``, ``model.npz`` and the experiments' cache keys stay as they were."""
        d = asdict(self)
        return {k: v for k, v in d.items() if k not in EXTRAS or v != EXTRAS[k]}

    @classmethod
    def from_dict(cls, d: dict) -> Config:
        d = {**d, "hidden": tuple(d["hidden"])}
        if "features" in d:
            d["features"] = tuple(d["features"])
        return cls(**d)

    def replace(self, **changes) -> Config:
        return replace(self, **changes)


def loss_output(loss: str) -> str | None:
    """The output layer ``loss`` needs, or None for any: ``"identity"`` for a loss that
    takes logits (``bce-logits``), ``"sigmoid"`` for ``bce`` (it takes probabilities)."""
    if LOSSES[loss].takes_logits:
        return "identity"
    return "sigmoid" if loss == "bce" else None


MODELS = ("mlp", "cnn")
# The generalization fields and their defaults (all off): see ``Config.to_dict``.
EXTRAS = {
    f.name: f.default
    for f in fields(Config)
    if f.name in ("features", "l1", "l2", "batch_size", "test_fraction")
}
DTYPES = ("float64", "float32")
# Measured over 1000 seeds on both datasets (README, "Defaults chosen by measurement").
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
    epochs=10000,
    bias=False,
    init="xavier_uniform",
    normalize=False,
)
# Measured in backprop.lab.cnn: 100 % on both datasets over 60 seeds.
CNN = Config(
    model="cnn",
    activation=CNN_ACTIVATION,
    optimizer=CNN_OPTIMIZER,
    lr=CNN_LR,
    schedule="constant",
    epochs=CNN_EPOCHS,
    normalize=False,
)
PRESETS = {"default": DEFAULT, "handout": HANDOUT, "cnn": CNN}


def build_model(
    config: Config,
    models: int | None = None,
    rng: np.random.Generator | Sequence[np.random.Generator] | None = None,
) -> Sequential:
    """The network of ``config``; ``models=M`` builds a stack of ``M`` MLPs."""
    if config.model == "cnn":
        if models is not None:
            raise ValueError("the CNN trains one model at a time (models=None)")
        return build_cnn(rng, activation=config.activation)
    sizes = config.layer_sizes
    layers: list[Module] = [Normalize()] if config.normalize else []
    if tuple(config.features) != PLAIN:  # after Normalize: x1² of [-2, 2] is symmetric
        layers.append(Features(config.features))
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(
            Linear(
                n_in,
                n_out,
                bias=config.bias,
                models=models,
                rng=rng,
                init=config.init,
                dtype=config.dtype,
            )
        )
        last = i == len(sizes) - 2
        layers.append(ACTIVATIONS[config.output if last else config.activation]())
    return Sequential(*layers)


@dataclass
class Run:
    """Everything ``fit`` needs, built by ``build``: ``run.fit(X, y)`` trains it."""

    config: Config
    model: Module
    loss: Loss
    optimizer: Optimizer
    scheduler: CosineAnnealingLR | None
    epochs: int
    shuffle: np.random.Generator | None = None

    def fit(self, X: np.ndarray, y: np.ndarray, epochs: int | None = None, **kwargs) -> History:
        """``train.fit`` with this run's parts for ``epochs`` (default ``self.epochs``);
        ``kwargs`` are fit's options (``log_every``, ``callback``, ``fused``, ``test``, …).
        The config's batch size and penalty are passed; the batches are shuffled by
        ``self.shuffle``, which goes on from one call to the next."""
        return fit(
            self.model,
            X,
            y,
            loss=self.loss,
            optimizer=self.optimizer,
            epochs=self.epochs if epochs is None else epochs,
            scheduler=self.scheduler,
            **{
                "batch_size": self.config.batch_size,
                "rng": self.shuffle,
                "penalty": self.config.penalty,
                **kwargs,
            },
        )


def build(
    config: Config,
    *,
    models: int | None = None,
    rng: np.random.Generator | Sequence[np.random.Generator] | None = None,
    lr: float | np.ndarray | None = None,
    shuffle: int = 0,
    schedule_epochs: int | None = None,
) -> Run:
    """The one recipe: ``config``'s model (``build_model``), loss, optimizer and schedule.

    ``models=M`` builds a stack of ``M`` (``rng``: one generator, or one per model);
    ``lr`` overrides ``config.lr``, e.g. one rate per model ``(M,)`` for a sweep;
    ``shuffle`` seeds the mini-batches' order, the same for every model of a stack (so
    each model equals its run alone; ``backprop train`` passes the data seed);
    ``schedule_epochs`` is the cosine's length ``T_max`` (default ``config.epochs``), so a
    run stopped part-way through its schedule can be trained again exactly.
    """
    model = build_model(config, models=models, rng=rng)
    opt = OPTIMIZERS[config.optimizer](
        model.parameters(), config.lr if lr is None else lr, **config.optimizer_args
    )
    cosine = config.schedule == "cosine"
    length = schedule_epochs or config.epochs
    scheduler = CosineAnnealingLR(opt, length) if cosine else None
    order = np.random.default_rng(shuffle)
    return Run(config, model, LOSSES[config.loss](), opt, scheduler, config.epochs, order)


def seed_rngs(seeds: Sequence[int]) -> list[np.random.Generator]:
    """One generator per seed, so model ``m`` of a stack equals a run with ``seeds[m]``."""
    return [np.random.default_rng(s) for s in seeds]


def save_model(model: Module, config: Config, path: str | Path) -> Path:
    """Write the parameters and the config (as JSON) to one ``.npz`` file."""
    path = Path(path)
    with replacing(path) as tmp:
        np.savez(tmp, __config__=json.dumps(config.to_dict()), **model.state_dict())
    return path


def load_model(path: str | Path) -> tuple[Module, Config]:
    """Rebuild the model written by ``save_model`` and load its parameters."""
    with np.load(path, allow_pickle=False) as f:
        config = Config.from_dict(json.loads(str(f["__config__"])))
        state = {k: f[k] for k in f.files if k != "__config__"}
    model = build_model(config)
    model.load_state_dict(state)
    return model, config
