"""The command line's flags for code the user brings: their own f(x, y) (``--function``, over
``--window``) and their own optimizers (``--optimizer-file``, ``--trust`` for a file's), and what
they make of the settings (:mod:`engine.io.cli` gathers every flag)."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.config.problem_switch import config_for_problem
from engine.config.settings import ConfigError, ExperimentConfig, OptimizerSpec, function_spec
from engine.io.experiment_file import read_text
from engine.optimizers.user_code import OptimizerCode
from engine.problems import FunctionSurface


def add_function_flags(parser: argparse.ArgumentParser) -> None:
    """--function and --window: train the user's own f(x, y)."""
    parser.add_argument(
        "--function",
        metavar="EXPR",
        help="train your own f(x, y), e.g. '(1 - x)**2 + 100*(y - x**2)**2': + - * / ** ( ), "
        "numbers, x, y, pi, e, sin cos tan exp log sqrt abs tanh min max (implies --problem "
        "function)",
    )
    parser.add_argument(
        "--window",
        metavar="X0,X1,Y0,Y1",
        help="the map window of --function's surface (default: -3,3,-3,3; a leading minus "
        "needs '=': --window=-2,2,-1,3)",
    )


def add_code_flags(parser: argparse.ArgumentParser) -> None:
    """--optimizer-file and --trust: run the user's own optimizer code."""
    parser.add_argument(
        "--optimizer-file",
        action="append",
        metavar="FILE.py",
        help="add the optimizer this Python file defines (repeatable), after --optimizers or "
        "the default ones; its code runs with your rights, like any script you run",
    )
    parser.add_argument(
        "--trust",
        action="store_true",
        help="run the optimizer code an experiment file (--config) carries; without it such a "
        "file is refused",
    )


def optimizer_from_file(path: str) -> OptimizerSpec:
    """The optimizer a student's file defines, read (not run yet); ``ConfigError`` naming the
    file (and the line) if it cannot be read or breaks the contract."""
    return OptimizerSpec.create(Path(path).stem, None, OptimizerCode(read_text(path), path))


def with_function(args: argparse.Namespace, base: ExperimentConfig) -> ExperimentConfig:
    """``base`` training ``--function`` over ``--window`` (each checked), where given; what is
    not given comes from ``base``'s own typed f."""
    expression, window = getattr(args, "function", None), getattr(args, "window", None)
    if expression is None and window is None:
        return base
    if args.problem not in (None, FunctionSurface.name):
        raise ConfigError(f"--function trains its own problem, not --problem {args.problem}")
    if expression is None and base.function is None:
        raise ConfigError("--window is the map window of --function's surface: give one")
    old = base.function
    ranges = _window(window) if window is not None else {}
    if old is not None:
        ranges = {"x_range": old.x_range, "y_range": old.y_range, **ranges}
    spec = function_spec(expression if expression is not None else old.expression, **ranges)
    if base.problem == FunctionSurface.name:
        return base.with_changes(function=spec)
    return config_for_problem(FunctionSurface.name, base, spec)


def _window(text: str) -> dict[str, tuple[float, float]]:
    try:
        x0, x1, y0, y1 = (float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"--window must be four numbers X0,X1,Y0,Y1, not {text!r}") from None
    return {"x_range": (x0, x1), "y_range": (y0, y1)}
