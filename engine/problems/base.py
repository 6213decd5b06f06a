"""What the engine trains: a problem gives initial parameters, a batched loss and gradient, the
Hessian for the stability limit, and the settings its panels start with.

Parameters are flat rows of a (runs, P) tensor, as the optimizers expect; ``shapes`` says how a
row splits into named tensors, for the inspector, the snapshots and the torch.optim twins.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from engine.core.data import Dataset
from engine.core.lazy import lazy_import

torch = lazy_import("torch", __name__)

Point = tuple[float, float]


@dataclass(frozen=True)
class DisplayDefaults:
    """The settings a problem's panels and landscape view start with.

    ``x_range`` and ``y_range`` are the landscape's view window: parameter coordinates for a
    2-D problem, plane coordinates around θ₀ for the MLP. ``minima`` and ``saddles`` are marked
    on the map; ``start`` is where every run begins unless the config says otherwise.
    """

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    learning_rates: tuple[float, ...]
    stop_loss: float
    max_steps: int
    minima: tuple[Point, ...] = ()
    saddles: tuple[Point, ...] = ()
    start: Point | None = None


class Problem(abc.ABC):
    """A loss over flat parameter rows. Subclasses set the class attributes and ``shapes``.

    Adding one to the registry (``engine.problems.PROBLEMS``) makes it trainable by every
    optimizer, schedule and view.
    """

    name: ClassVar[str]
    display_name: ClassVar[str]
    formula: ClassVar[str]
    defaults: ClassVar[DisplayDefaults]
    is_surface: ClassVar[bool] = False  # the two parameters are the landscape's x and y

    @classmethod
    def formula_with(cls, activation: str) -> str:
        """The loss written out with ``activation`` in the hidden layer, where there is one."""
        return cls.formula

    @classmethod
    @abc.abstractmethod
    def build(cls, data: Dataset, hidden: int = 3, activation: str = "relu") -> Problem:
        """The problem on ``data`` (the experiment's, in its dtype); ``hidden`` and
        ``activation`` shape the MLP and mean nothing to a surface."""

    # --- parameters ----------------------------------------------------------------------

    @property
    @abc.abstractmethod
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Named parameter tensors in the order they sit in a flat row."""

    @property
    def size(self) -> int:
        """P, the number of parameters in a row."""
        return sum(math.prod(shape) for shape in self.shapes.values())

    @property
    def slices(self) -> dict[str, slice]:
        out, start = {}, 0
        for name, shape in self.shapes.items():
            out[name] = slice(start, start + math.prod(shape))
            start += math.prod(shape)
        return out

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """One name per flat parameter: ``W1[0,2]``, ``b1``, ``x``; a (1,)-shaped tensor is
        named plainly."""
        names = []
        for name, shape in self.shapes.items():
            for index in np.ndindex(*shape):
                names.append(name if shape == (1,) else f"{name}[{','.join(map(str, index))}]")
        return tuple(names)

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Views of each named tensor of (R, P) rows, the run dimension kept: (R, *shape)."""
        runs = flat.shape[0]
        return {
            name: flat[:, sl].view(runs, *self.shapes[name]) for name, sl in self.slices.items()
        }

    @abc.abstractmethod
    def initial_parameters(self, seed: int, start: Point | None = None) -> torch.Tensor:
        """The (P,) row every run starts from. A surface starts at ``start`` (default
        ``defaults.start``) and ignores the seed; the MLP draws from the seed."""

    # --- loss ----------------------------------------------------------------------------

    @abc.abstractmethod
    def loss_and_gradient(
        self, flat: torch.Tensor, data: Dataset | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Loss (R,) and its gradient (R, P) at every row of ``flat`` (R, P), in its dtype.

        ``data`` is what the step trains on (a mini-batch); None means the whole training set.
        Surfaces have no data and ignore it.
        """

    def loss(self, flat: torch.Tensor, data: Dataset | None = None) -> torch.Tensor:
        """Loss (R,) alone: what a landscape grid evaluates, a row per grid point."""
        return self.loss_and_gradient(flat, data)[0]

    @property
    def evaluation_size(self) -> int:
        """Roughly how many numbers one row's loss touches, to size the chunks of a grid."""
        return self.size

    @abc.abstractmethod
    def hessian(self, row: torch.Tensor) -> torch.Tensor:
        """The exact (P, P) Hessian of the loss on the whole data at one row (P,), in float64."""

    # --- the torch.optim twin -----------------------------------------------------------

    def split(self, row: torch.Tensor) -> list[torch.Tensor]:
        """A (P,) row as the separate tensors a torch model would hold (copies)."""
        return [t[0].clone() for t in self.unflatten(row[None]).values()]

    @abc.abstractmethod
    def autograd_loss(self, tensors: list[torch.Tensor], data: Dataset | None = None):
        """The scalar loss of ``split``'s tensors written with plain torch operations, for
        autograd and torch.optim (the live reference check)."""
