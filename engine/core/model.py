"""The article's MLP, ``relu(x @ W1 + b1) @ W2 + b2``, for many runs at once.

Each run's parameters live in one row of a flat (runs, P) tensor, so optimizers update
every parameter of every run with a few elementwise operations. Gradients are written
out by hand (two matrix products per layer); the tests check them against autograd.
The hidden activation is ReLU as in the article, or a smooth one (tanh, softplus) whose
Hessian does not jump at a kink.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from engine.core.data import Dataset
from engine.core.lazy import lazy_import

torch = lazy_import("torch", __name__)

PARAMETER_NAMES = ("W1", "b1", "W2", "b2")
ACTIVATIONS = ("relu", "tanh", "softplus")


@dataclass(frozen=True)
class ParameterLayout:
    """Where W1 (D×H), b1 (1), W2 (H×1) and b2 (1) sit in a flat parameter row, and the
    hidden layer's activation: together, the model a row parameterises."""

    n_features: int
    hidden: int
    activation: str = "relu"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            known = ", ".join(ACTIVATIONS)
            raise ValueError(f"activation must be one of {known}, not {self.activation!r}")

    @cached_property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {
            "W1": (self.n_features, self.hidden),
            "b1": (1,),
            "W2": (self.hidden, 1),
            "b2": (1,),
        }

    @property
    def size(self) -> int:
        return sum(_numel(shape) for shape in self.shapes.values())

    @cached_property
    def slices(self) -> dict[str, slice]:
        out, start = {}, 0
        for name, shape in self.shapes.items():
            out[name] = slice(start, start + _numel(shape))
            start += _numel(shape)
        return out

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Views of each parameter, with the leading run dimension kept: W1 is (R, D, H)."""
        runs = flat.shape[0]
        return {
            name: flat[:, sl].view(runs, *self.shapes[name]) for name, sl in self.slices.items()
        }


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def initial_parameters(seed: int, layout: ParameterLayout) -> torch.Tensor:
    """One flat float32 row: ``torch.manual_seed(seed)``, then ``randn`` for W1, b1, W2, b2."""
    generator = torch.Generator().manual_seed(seed)
    parts = [
        torch.randn(shape, generator=generator, dtype=torch.float32).reshape(-1)
        for shape in layout.shapes.values()
    ]
    return torch.cat(parts)


def activate(pre: torch.Tensor, activation: str) -> torch.Tensor:
    """The hidden layer's output for pre-activations ``pre``."""
    if activation == "tanh":
        return torch.tanh(pre)
    if activation == "softplus":
        return torch.nn.functional.softplus(pre)
    return torch.relu(pre)


def _slope(pre: torch.Tensor, hidden: torch.Tensor, activation: str) -> torch.Tensor:
    """The activation's derivative at ``pre``: tanh' = 1 − tanh², softplus' = sigmoid and
    ReLU's 0/1 step (the mask itself, so ReLU's arithmetic is what it always was)."""
    if activation == "tanh":
        return 1.0 - hidden.square()
    if activation == "softplus":
        return torch.sigmoid(pre)
    return pre > 0


def _forward(flat: torch.Tensor, data: Dataset, layout: ParameterLayout):
    p = layout.unflatten(flat)
    runs = flat.shape[0]
    x = data.x.expand(runs, *data.x.shape)  # a view: bmm is much cheaper than broadcasting matmul
    pre = torch.bmm(x, p["W1"]) + p["b1"].view(runs, 1, 1)  # (R, N, H)
    hidden = activate(pre, layout.activation)
    out = torch.bmm(hidden, p["W2"]) + p["b2"].view(runs, 1, 1)  # (R, N, 1)
    return p, x, pre, hidden, out - data.y


def batched_loss(flat: torch.Tensor, data: Dataset, layout: ParameterLayout) -> torch.Tensor:
    """Mean squared error of every run (R,): the forward pass alone, for autograd to
    differentiate (twice, for the Hessian)."""
    diff = _forward(flat, data, layout)[-1]
    return diff.square().mean(dim=(1, 2))


def loss_and_gradient(
    flat: torch.Tensor, data: Dataset, layout: ParameterLayout
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean squared error of every run (R,) and its gradient (R, P), by hand-written backprop."""
    p, x, pre, hidden, diff = _forward(flat, data, layout)
    runs, n = flat.shape[0], data.x.shape[0]
    loss = diff.square().mean(dim=(1, 2))

    d_out = diff * (2.0 / n)
    g_w2 = torch.bmm(hidden.transpose(1, 2), d_out)
    g_b2 = d_out.sum(dim=(1, 2))
    d_pre = torch.bmm(d_out, p["W2"].transpose(1, 2)) * _slope(pre, hidden, layout.activation)
    g_w1 = torch.bmm(x.transpose(1, 2), d_pre)
    g_b1 = d_pre.sum(dim=(1, 2))
    grad = torch.cat(
        [g_w1.reshape(runs, -1), g_b1.view(runs, 1), g_w2.reshape(runs, -1), g_b2.view(runs, 1)],
        dim=1,
    )
    return loss, grad
