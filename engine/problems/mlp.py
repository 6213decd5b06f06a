"""The article's MLP as a problem: a thin wrapper over ``engine.core.model``, which it leaves as is,
so the default experiment's losses are the same bit for bit."""

from __future__ import annotations

from engine.core.data import Dataset
from engine.core.lazy import lazy_import
from engine.core.model import ParameterLayout, activate, initial_parameters, loss_and_gradient
from engine.problems.base import DisplayDefaults, Point, Problem

torch = lazy_import("torch", __name__)

_FORMULA = "mean(({}(x·W1 + b1)·W2 + b2 − y)²)"  # with the hidden layer's activation


class MLPProblem(Problem):
    """``act(x @ W1 + b1) @ W2 + b2`` (act relu, tanh or softplus) fitted by mean squared error."""

    name = "mlp"
    display_name = "The article's MLP"
    formula = _FORMULA.format("relu")  # the article's activation
    # The view window is in plane coordinates (units of parameter distance) around θ₀.
    defaults = DisplayDefaults(
        x_range=(-4.0, 4.0),
        y_range=(-4.0, 4.0),
        learning_rates=(0.001, 0.01, 0.1, 1.0),
        stop_loss=0.1,
        max_steps=1000,
    )

    def __init__(self, data: Dataset, hidden: int = 3, activation: str = "relu"):
        self.data = data
        self.layout = ParameterLayout(data.n_features, hidden, activation)

    @classmethod
    def build(cls, data: Dataset, hidden: int = 3, activation: str = "relu") -> MLPProblem:
        return cls(data, hidden, activation)

    @classmethod
    def formula_with(cls, activation: str) -> str:
        return _FORMULA.format(activation)

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        return self.layout.shapes

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.layout.unflatten(flat)

    def initial_parameters(self, seed: int, start: Point | None = None) -> torch.Tensor:
        """``engine.core.model.initial_parameters``: float32, from ``torch.manual_seed(seed)``."""
        return initial_parameters(seed, self.layout)

    def _data(self, data: Dataset | None, dtype: torch.dtype) -> Dataset:
        data = self.data if data is None else data
        return data if data.x.dtype == dtype else data.to(dtype)

    def loss_and_gradient(
        self, flat: torch.Tensor, data: Dataset | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return loss_and_gradient(flat, self._data(data, flat.dtype), self.layout)

    @property
    def evaluation_size(self) -> int:
        return int(self.data.x.shape[0]) * (self.layout.hidden + 1) + self.size

    def hessian(self, row: torch.Tensor) -> torch.Tensor:
        """As ``engine.analysis.stability.loss_hessian``: autograd twice through the model's own
        forward
        pass, in float64 (ReLU's second derivative taken as zero, as gradient descent sees it)."""
        data64 = self.data.to(torch.float64)

        def loss(point: torch.Tensor) -> torch.Tensor:
            return loss_and_gradient(point[None], data64, self.layout)[0][0]

        return torch.autograd.functional.hessian(loss, row.detach().to(torch.float64))

    def autograd_loss(self, tensors: list[torch.Tensor], data: Dataset | None = None):
        data = self._data(data, tensors[0].dtype)
        w1, b1, w2, b2 = tensors
        out = activate(data.x @ w1 + b1, self.layout.activation) @ w2 + b2
        return (out - data.y).square().mean()
