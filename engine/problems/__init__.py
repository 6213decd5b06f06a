"""The problem registry: adding a problem is one class and one line here."""

from __future__ import annotations

from engine.problems.base import DisplayDefaults, Point, Problem
from engine.problems.expression import ExpressionError
from engine.problems.function import FunctionSpec, FunctionSurface
from engine.problems.mlp import MLPProblem
from engine.problems.surfaces import Beale, Bowl, Himmelblau, Rastrigin, Rosenbrock, Saddle, Surface

PROBLEMS: dict[str, type[Problem]] = {
    problem.name: problem
    for problem in (
        MLPProblem,
        Rosenbrock,
        Beale,
        Himmelblau,
        Saddle,
        Bowl,
        Rastrigin,
        FunctionSurface,
    )
}
DEFAULT_PROBLEM = "mlp"


def get_problem(name: str) -> type[Problem]:
    """The registered problem class called ``name``, or ``KeyError`` naming the known ones."""
    try:
        return PROBLEMS[name]
    except KeyError:
        raise KeyError(f"unknown problem {name!r} (known: {', '.join(PROBLEMS)})") from None


__all__ = [
    "DEFAULT_PROBLEM",
    "PROBLEMS",
    "DisplayDefaults",
    "ExpressionError",
    "FunctionSpec",
    "FunctionSurface",
    "MLPProblem",
    "Point",
    "Problem",
    "Surface",
    "get_problem",
]
