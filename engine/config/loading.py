"""From settings to what they name: the dataset a spec describes and the problem a config trains.

Kept apart from :mod:`engine.config.settings`, which only validates: reading a file or building
tensors is work, and the settings themselves stay plain values.
"""

from __future__ import annotations

import functools
import os

from engine.config.settings import DatasetSpec, ExperimentConfig
from engine.core.data import (
    Dataset,
    article_dataset,
    generated_dataset,
    parse_csv_table,
    read_csv_dataset,
)
from engine.problems import DisplayDefaults, FunctionSurface, Problem, get_problem
from engine.problems.function import display_defaults


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
