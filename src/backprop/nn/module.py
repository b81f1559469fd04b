"""Parameter, Module and Sequential.

backprop has no autograd: every module writes its own ``backward``. ``forward(x)``
caches what the backward pass needs; ``backward(grad_out)`` takes dL/d(output),
adds dL/d(parameter) into each ``Parameter.grad`` and returns dL/d(input).

A *stack* of ``M`` models shares one module object: its parameters carry a
leading axis of length ``M`` and every array flowing through it is
``(M, N, features)``. Models never mix, so one NumPy call trains all of them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


class Parameter:
    """A learnable array ``data`` and the gradient ``grad`` accumulated into it."""

    __slots__ = ("data", "grad")

    def __init__(self, data: np.ndarray) -> None:
        data = np.asarray(data)
        if data.dtype.kind not in "biuf":
            raise TypeError(
                f"a Parameter holds real numbers, got dtype {data.dtype}; "
                "pass a float (or int) array"
            )
        self.data = data if data.dtype.kind == "f" else data.astype(float)
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape})"


class Module:
    """Base class: subclasses define ``forward`` and ``backward``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` pairs, children's named ``child.name``."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
            elif isinstance(value, Module):
                yield from value.named_parameters(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad.fill(0.0)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter's data, keyed by name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy ``state`` into the parameters; keys and shapes must match exactly."""
        own = dict(self.named_parameters())
        missing, unexpected = own.keys() - state.keys(), state.keys() - own.keys()
        if missing or unexpected:
            raise ValueError(
                f"state_dict keys do not match: missing {sorted(missing)}, "
                f"unexpected {sorted(unexpected)}"
            )
        for name, p in own.items():
            value = np.asarray(state[name])
            if value.shape != p.data.shape:
                raise ValueError(
                    f"state_dict[{name!r}] has shape {value.shape}, expected {p.data.shape}"
                )
        for name, p in own.items():
            p.data[...] = state[name]

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class Sequential(Module):
    """Modules applied in order; backward runs them in reverse."""

    def __init__(self, *modules: Module) -> None:
        for m in modules:
            if not isinstance(m, Module):
                hint = (
                    " (pass them as separate arguments: Sequential(*layers))"
                    if isinstance(m, list | tuple)
                    else ""
                )
                raise TypeError(f"Sequential takes Modules, got {type(m).__name__}{hint}")
        self.modules = list(modules)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for m in self.modules:
            x = m.forward(x)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        for m in reversed(self.modules):
            grad_out = m.backward(grad_out)
        return grad_out

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        for i, m in enumerate(self.modules):
            yield from m.named_parameters(f"{prefix}{i}.")

    def __getitem__(self, i: int) -> Module:
        return self.modules[i]

    def __len__(self) -> int:
        return len(self.modules)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {m!r}" for i, m in enumerate(self.modules)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"
