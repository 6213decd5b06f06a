"""The classic 2-D test surfaces: the two parameters are the point (x, y) itself, so the
landscape view is exact. Values and gradients are written out by hand (the tests check them
against autograd); the Hessian, needed at one point at a time, comes from autograd.
"""

from __future__ import annotations

import abc
import math

from engine.core.data import Dataset
from engine.core.lazy import lazy_import
from engine.problems.base import DisplayDefaults, Point, Problem

torch = lazy_import("torch", __name__)

Pair = tuple["torch.Tensor", "torch.Tensor"]


class Surface(Problem):
    """f(x, y) over (R, 2) rows; ``value`` and ``gradient`` work elementwise on x and y."""

    is_surface = True

    @classmethod
    def build(cls, data: Dataset, hidden: int = 3, activation: str = "relu") -> Surface:
        return cls()

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {"x": (1,), "y": (1,)}

    @staticmethod
    @abc.abstractmethod
    def value(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """f at each (x, y), elementwise."""

    @staticmethod
    @abc.abstractmethod
    def gradient(x: torch.Tensor, y: torch.Tensor) -> Pair:
        """(∂f/∂x, ∂f/∂y) at each (x, y), elementwise."""

    def initial_parameters(self, seed: int, start: Point | None = None) -> torch.Tensor:
        """``start`` (or the default start) as a float64 row; the seed plays no part."""
        return torch.tensor(
            start if start is not None else self.defaults.start, dtype=torch.float64
        )

    def loss_and_gradient(
        self, flat: torch.Tensor, data: Dataset | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = flat[:, 0], flat[:, 1]
        return self.value(x, y), torch.stack(self.gradient(x, y), dim=1)

    def loss(self, flat: torch.Tensor, data: Dataset | None = None) -> torch.Tensor:
        return self.value(flat[:, 0], flat[:, 1])

    def hessian(self, row: torch.Tensor) -> torch.Tensor:
        point = row.detach().to(torch.float64)
        return torch.autograd.functional.hessian(lambda p: self.value(p[0], p[1]), point)

    def autograd_loss(self, tensors: list[torch.Tensor], data: Dataset | None = None):
        x, y = tensors
        return self.value(x, y).sum()


class Rosenbrock(Surface):
    """A curved, nearly flat valley floor leading to (1, 1): easy to find, slow to follow."""

    name = "rosenbrock"
    display_name = "Rosenbrock"
    formula = "(1 − x)² + 100 (y − x²)²"
    defaults = DisplayDefaults(
        x_range=(-2.5, 2.5),
        y_range=(-1.0, 3.5),
        learning_rates=(0.0003, 0.001, 0.003, 0.01),
        stop_loss=1e-4,
        max_steps=2000,
        minima=((1.0, 1.0),),
        start=(-2.0, 2.0),
    )

    @staticmethod
    def value(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    @staticmethod
    def gradient(x: torch.Tensor, y: torch.Tensor) -> Pair:
        valley = y - x**2
        return -2 * (1 - x) - 400 * x * valley, 200 * valley


class Beale(Surface):
    """Flat plateaus and sharp ridges around the minimum at (3, 0.5)."""

    name = "beale"
    display_name = "Beale"
    formula = "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²"
    defaults = DisplayDefaults(
        x_range=(-1.0, 4.5),
        y_range=(-2.0, 2.5),
        learning_rates=(0.001, 0.01, 0.03, 0.1),
        stop_loss=1e-4,
        max_steps=1000,
        minima=((3.0, 0.5),),
        start=(1.0, 1.5),
    )

    @staticmethod
    def value(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    @staticmethod
    def gradient(x: torch.Tensor, y: torch.Tensor) -> Pair:
        t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
        gx = 2 * (t1 * (y - 1) + t2 * (y**2 - 1) + t3 * (y**3 - 1))
        gy = 2 * x * (t1 + 2 * t2 * y + 3 * t3 * y**2)
        return gx, gy


class Himmelblau(Surface):
    """Four minima of equal depth: which one a run finds depends on its optimizer and rate."""

    name = "himmelblau"
    display_name = "Himmelblau"
    formula = "(x² + y − 11)² + (x + y² − 7)²"
    defaults = DisplayDefaults(
        x_range=(-5.0, 5.0),
        y_range=(-5.0, 5.0),
        learning_rates=(0.003, 0.01, 0.03, 0.1),
        stop_loss=1e-4,
        max_steps=1000,
        minima=(
            (3.0, 2.0),
            (-2.805118, 3.131312),
            (-3.779310, -3.283186),
            (3.584428, -1.848126),
        ),
        start=(0.0, 0.0),
    )

    @staticmethod
    def value(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    @staticmethod
    def gradient(x: torch.Tensor, y: torch.Tensor) -> Pair:
        a, b = x**2 + y - 11, x + y**2 - 7
        return 4 * x * a + 2 * b, 2 * a + 4 * y * b


class Saddle(Surface):
    """A saddle at (0, 0) between minima at (0, ±1); the start sits just off the ridge line."""

    name = "saddle"
    display_name = "Saddle"
    formula = "x² + (y² − 1)² / 4"
    defaults = DisplayDefaults(
        x_range=(-2.0, 2.0),
        y_range=(-1.5, 3.5),
        learning_rates=(0.01, 0.1, 0.3, 1.0),
        stop_loss=1e-4,
        max_steps=1000,
        minima=((0.0, 1.0), (0.0, -1.0)),
        saddles=((0.0, 0.0),),
        start=(1.5, 0.001),
    )

    @staticmethod
    def value(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x**2 + (y**2 - 1) ** 2 / 4

    @staticmethod
    def gradient(x: torch.Tensor, y: torch.Tensor) -> Pair:
        return 2 * x, (y**2 - 1) * y


class Bowl(Surface):
    """An elongated quadratic (condition number 50): 2/λ_max = 0.04 is plain descent's limit."""

    name = "bowl"
    display_name = "Elongated bowl"
    formula = "x²/2 + 25 y²"
    defaults = DisplayDefaults(
        x_range=(-5.0, 5.0),
        y_range=(-1.5, 1.5),
        learning_rates=(0.01, 0.03, 0.038, 0.042),
        stop_loss=1e-4,
        max_steps=1000,
        minima=((0.0, 0.0),),
        start=(-4.0, 1.0),
    )

    @staticmethod
    def value(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x**2 / 2 + 25 * y**2

    @staticmethod
    def gradient(x: torch.Tensor, y: torch.Tensor) -> Pair:
        return x, 50 * y


class Rastrigin(Surface):
    """A bowl covered in regularly spaced local minima; only (0, 0) reaches zero."""

    name = "rastrigin"
    display_name = "Rastrigin"
    formula = "20 + x² + y² − 10 cos 2πx − 10 cos 2πy"
    defaults = DisplayDefaults(
        x_range=(-5.12, 5.12),
        y_range=(-5.12, 5.12),
        learning_rates=(0.002, 0.01, 0.05, 0.3),
        stop_loss=1e-4,
        max_steps=1000,
        minima=((0.0, 0.0),),
        start=(-2.0, 3.5),
    )

    @staticmethod
    def value(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        tau = 2 * math.pi
        return 20 + x**2 + y**2 - 10 * torch.cos(tau * x) - 10 * torch.cos(tau * y)

    @staticmethod
    def gradient(x: torch.Tensor, y: torch.Tensor) -> Pair:
        tau = 2 * math.pi
        return 2 * x + 10 * tau * torch.sin(tau * x), 2 * y + 10 * tau * torch.sin(tau * y)
