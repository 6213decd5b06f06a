"""Your own f(x, y): a surface whose formula a student types. The text is parsed by the whitelist
of :mod:`engine.problems.expression`, evaluated by walking its tree with torch operations, and
differentiated by autograd (gradient, and Hessian as for every surface).

:class:`FunctionSpec` is the setting (text and map window) and stays torch-free, so the window
checks it as it is typed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from engine.core.lazy import lazy_import
from engine.problems.base import DisplayDefaults
from engine.problems.expression import Binary, Call, Constant, Node, Number, Unary, Variable, parse
from engine.problems.surfaces import Pair, Surface

torch = lazy_import("torch", __name__)

DEFAULT_EXPRESSION = "x**2 + 5*y**2"
DEFAULT_RANGE = (-3.0, 3.0)


def _window_range(axis: str, value: object) -> tuple[float, float]:
    """A map range as (from, to) floats, or ``ValueError``: two finite numbers, from < to."""
    numbers = value if isinstance(value, (tuple, list)) else ()
    if (
        len(numbers) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in numbers)
        or not all(math.isfinite(v) for v in numbers)
        or not numbers[0] < numbers[1]
    ):
        raise ValueError(f"the map's {axis} range must be two finite numbers, from < to")
    return float(numbers[0]), float(numbers[1])


@dataclass(frozen=True)
class FunctionSpec:
    """The typed f(x, y) and the window its map shows. ``ExpressionError`` (a ``ValueError``
    naming the position) if the text is not of the whitelist; ``ValueError`` for a bad range."""

    expression: str = DEFAULT_EXPRESSION
    x_range: tuple[float, float] = DEFAULT_RANGE
    y_range: tuple[float, float] = DEFAULT_RANGE

    def __post_init__(self) -> None:
        parse(self.expression)
        object.__setattr__(self, "x_range", _window_range("x", self.x_range))
        object.__setattr__(self, "y_range", _window_range("y", self.y_range))


class FunctionSurface(Surface):
    """The surface a :class:`FunctionSpec` describes. The class holds what every typed function
    shares; an instance's ``formula`` and ``defaults`` (window) are its spec's."""

    name = "function"
    display_name = "Your own f(x, y)"
    formula = "f(x, y), as you type it"
    defaults = DisplayDefaults(  # no minima: the map marks its lowest grid point instead
        x_range=DEFAULT_RANGE,
        y_range=DEFAULT_RANGE,
        learning_rates=(0.001, 0.01, 0.03, 0.1),
        stop_loss=1e-4,
        max_steps=1000,
        start=(-2.0, 2.0),
    )

    def __init__(self, spec: FunctionSpec | None = None):
        self.spec = spec if spec is not None else FunctionSpec()
        self.tree = parse(self.spec.expression)
        self.formula = self.spec.expression
        self.defaults = display_defaults(self.spec)

    def value(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """f at each (x, y), elementwise, in their dtype (a constant f too has their shape)."""
        result = evaluate(self.tree, x, y)
        if not isinstance(result, torch.Tensor):
            return torch.full_like(x, result)
        return result if result.shape == x.shape else result + torch.zeros_like(x)

    def gradient(self, x: torch.Tensor, y: torch.Tensor) -> Pair:
        """(∂f/∂x, ∂f/∂y) by autograd; differentiable again when x or y carry a graph (as the
        batched Hessians ask)."""
        return self._value_and_gradient(x, y)[1]

    def loss_and_gradient(self, flat, data=None):
        value, (gx, gy) = self._value_and_gradient(flat[:, 0], flat[:, 1])
        return value.detach(), torch.stack((gx, gy), dim=1).detach()

    def _value_and_gradient(self, x: torch.Tensor, y: torch.Tensor):
        deeper = x.requires_grad or y.requires_grad
        with torch.enable_grad():
            inputs = [v if v.requires_grad else v.detach().requires_grad_() for v in (x, y)]
            value = self.value(*inputs)
            if not value.requires_grad:  # f is a constant
                return value, (torch.zeros_like(x), torch.zeros_like(y))
            grads = torch.autograd.grad(value.sum(), inputs, create_graph=deeper, allow_unused=True)
        pair = tuple(torch.zeros_like(v) if g is None else g for g, v in zip(grads, (x, y)))
        return value, pair


def display_defaults(spec: FunctionSpec) -> DisplayDefaults:
    """The class's display defaults with ``spec``'s map window."""
    return replace(FunctionSurface.defaults, x_range=spec.x_range, y_range=spec.y_range)


# --- evaluation ----------------------------------------------------------------------------

_CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
_CALLS = {
    "sin": lambda a: torch.sin(a),
    "cos": lambda a: torch.cos(a),
    "tan": lambda a: torch.tan(a),
    "exp": lambda a: torch.exp(a),
    "log": lambda a: torch.log(a),
    "sqrt": lambda a: torch.sqrt(a),
    "abs": lambda a: torch.abs(a),
    "tanh": lambda a: torch.tanh(a),
    "min": lambda a, b: torch.minimum(a, b),
    "max": lambda a, b: torch.maximum(a, b),
}


def evaluate(tree: Node, x: torch.Tensor, y: torch.Tensor):
    """``tree`` at each (x, y), elementwise: a tensor, or a float where ``tree`` holds no
    variable. Numbers stay Python floats beside a tensor (so ``(1 - x)**2`` runs as torch runs
    it written in Python); two floats meet as tensors of x's dtype (1/0 is inf, not an error)."""
    if isinstance(tree, Number):
        return tree.value
    if isinstance(tree, Variable):
        return x if tree.name == "x" else y
    if isinstance(tree, Constant):
        return _CONSTANTS[tree.name]
    if isinstance(tree, Unary):
        operand = evaluate(tree.operand, x, y)
        return -operand if tree.op == "-" else operand
    if isinstance(tree, Binary):
        left, right = evaluate(tree.left, x, y), evaluate(tree.right, x, y)
        if not isinstance(left, torch.Tensor) and not isinstance(right, torch.Tensor):
            left = torch.tensor(left, dtype=x.dtype)
        return _BINARY[tree.op](left, right)
    if isinstance(tree, Call):
        args = [evaluate(arg, x, y) for arg in tree.args]
        args = [a if isinstance(a, torch.Tensor) else torch.tensor(a, dtype=x.dtype) for a in args]
        return _CALLS[tree.name](*args)
    raise TypeError(f"not an expression node: {tree!r}")
