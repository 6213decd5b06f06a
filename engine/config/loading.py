"""From settings to what they name: the dataset a spec describes and the problem a config trains.

Kept apart from :mod:`engine.config.settings`, which only validates: reading a file or building
tensors is work, and the settings themselves stay plain values.
"""

from __future__ import annotations

import functools
import os

from engine.config.settings import ConfigError, DatasetSpec, ExperimentConfig
from engine.core.data import (
    Dataset,
    article_dataset,
    generated_dataset,
    parse_csv_table,
    read_csv_dataset,
)
from engine.core.lazy import lazy_import
from engine.core.model import ParameterLayout
from engine.problems import DisplayDefaults, FunctionSurface, Problem, get_problem
from engine.problems.function import display_defaults

torch = lazy_import("torch", __name__)


def load_dataset(spec: DatasetSpec) -> Dataset:
    """The data ``spec`` names (``DatasetError`` if a file is unusable). A CSV file is parsed
    once per version of it (its size and modification time), however often it is asked for."""
    if spec.kind == "generated":
        return generated_dataset(spec.samples, spec.noise, spec.seed)
    if spec.kind == "csv":
        try:
            stat = os.stat(spec.path)
        except OSError:
            return read_csv_dataset(spec.path)  # which says what is wrong with the path
        return _parsed_csv(os.path.abspath(spec.path), stat.st_size, stat.st_mtime_ns)
    return article_dataset()


def check_dataset(spec: DatasetSpec) -> None:
    """Raise the ``DatasetError`` :func:`load_dataset` would, without building tensors (so
    without torch): the window checks a file this way, the engine process reads it."""
    if spec.kind == "csv":
        parse_csv_table(spec.path)


@functools.lru_cache(maxsize=8)
def _parsed_csv(path: str, size: int, mtime_ns: int) -> Dataset:
    """Dataset tensors are never written in place, so one parsed copy serves every reader."""
    return read_csv_dataset(path)


def build_problem(config: ExperimentConfig, data: Dataset) -> Problem:
    """The problem ``config`` trains, on ``data`` (used by the MLP only)."""
    if config.function is not None:
        return FunctionSurface(config.function)
    return get_problem(config.problem).build(data, config.hidden, config.activation)


def parameter_count(config: ExperimentConfig) -> int:
    """P, the number of parameters of the network ``config`` trains, without torch (a CSV file
    is parsed for its columns; ``DatasetError`` if it cannot be)."""
    if get_problem(config.problem).is_surface:
        return 2
    features = 3  # the article's inputs x0, x1, x2, which generated data draw too
    if config.dataset.kind == "csv":
        features = parse_csv_table(config.dataset.path).shape[1] - 1
    return ParameterLayout(features, config.hidden, config.activation).size


def check_start_size(config: ExperimentConfig) -> None:
    """``ConfigError`` unless the start parameters (if any) are as many as the network's."""
    chosen = config.start_parameters
    if chosen is not None and len(chosen.values) != (count := parameter_count(config)):
        raise ConfigError(_size_complaint(len(chosen.values), count))


def _size_complaint(given: int, count: int) -> str:
    return f"the start has {given} parameters; this network has {count}"


def start_draws(problem: Problem, config: ExperimentConfig) -> list[torch.Tensor]:
    """Each seed's (P,) start, in ``config``'s dtype: its own θ₀, or with ``start_parameters``
    seed ``config.seed`` exactly there and every other seed's θ₀ moved by the same step
    (float64 sums, then rounded to the dtype once). ``ConfigError`` if the start does not
    have the problem's number of parameters."""
    dtype = getattr(torch, config.dtype)
    draws = [
        problem.initial_parameters(config.seed + s, config.start).to(dtype)
        for s in range(config.seeds)
    ]
    chosen = config.start_parameters
    if chosen is None:
        return draws
    if len(chosen.values) != problem.size:
        raise ConfigError(_size_complaint(len(chosen.values), problem.size))
    start = torch.tensor(chosen.values, dtype=torch.float64)
    step = start - draws[0].to(torch.float64)
    return [start.to(dtype)] + [(draw.to(torch.float64) + step).to(dtype) for draw in draws[1:]]


def problem_defaults(config: ExperimentConfig) -> DisplayDefaults:
    """The display defaults of the problem ``config`` trains (a typed f's window is its own),
    without building it: the window reads them so."""
    if config.function is not None:
        return display_defaults(config.function)
    return get_problem(config.problem).defaults


def problem_formula(config: ExperimentConfig) -> str:
    """The loss ``config`` trains, written out: a typed f(x, y) as typed."""
    if config.function is not None:
        return config.function.expression
    return get_problem(config.problem).formula_with(config.activation)
