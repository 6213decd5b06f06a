"""Experiment settings as plain, validated dataclasses."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from engine.data import Dataset, article_dataset, generated_dataset, read_csv_dataset
from engine.model import ACTIVATIONS
from engine.optimizers import ARTICLE_OPTIMIZERS, HyperValue, Optimizer, get_optimizer
from engine.schedules import ScheduleSpec

ARTICLE_LEARNING_RATES = (0.001, 0.01, 0.1, 1.0)
DTYPES = ("float32", "float64")
MAX_STEPS_LIMIT = 1_000_000  # 16 runs × 1M float32 losses is 64 MB
DATASET_KINDS = ("article", "generated", "csv")
MAX_SAMPLES = 100_000  # of a generated set: every step passes all of them through every run


class ConfigError(ValueError):
    """A setting a user gave is not acceptable; the message is one line meant for them."""


def _check_int(what: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{what} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{what} must be between {low} and {high}, not {value}")


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer by registry name, with every hyperparameter resolved to a checked value."""

    name: str
    params: Mapping[str, HyperValue] = field(default_factory=dict)

    @classmethod
    def create(cls, name: str, params: Mapping[str, object] | None = None) -> OptimizerSpec:
        """Look ``name`` up and fill in defaults; ``ConfigError`` on anything unknown or bad."""
        try:
            optimizer = get_optimizer(name)
            resolved = optimizer.resolve(params)
        except (KeyError, ValueError) as err:
            raise ConfigError(str(err.args[0])) from None
        return cls(name, resolved)

    @property
    def optimizer(self) -> Optimizer:
        return get_optimizer(self.name)

    @property
    def changed(self) -> dict[str, HyperValue]:
        """The hyperparameters that differ from the optimizer's defaults."""
        defaults = self.optimizer.defaults
        return {k: v for k, v in self.params.items() if v != defaults.get(k)}

    @property
    def key(self) -> str:
        """A stable identifier for files: ``adam``, or ``adam:beta2=0.999`` when changed."""
        changed = ",".join(f"{k}={_short(v)}" for k, v in self.changed.items())
        return f"{self.name}:{changed}" if changed else self.name

    @property
    def label(self) -> str:
        """What a legend shows: the display name, plus any setting that differs from the default."""
        changed = ", ".join(f"{k}={_short(v)}" for k, v in self.changed.items())
        return self.optimizer.display_name + (f" ({changed})" if changed else "")


def _short(value: HyperValue) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


@dataclass(frozen=True)
class DatasetSpec:
    """Which data to train on: the article's five samples, ``samples`` generated ones (with
    Gaussian label noise of std ``noise``, drawn from their own ``seed``), or a CSV file.

    Settings the kind does not use are kept but ignored, so switching kinds loses nothing.
    """

    kind: str = "article"
    samples: int = 200
    noise: float = 0.0
    seed: int = 0
    path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in DATASET_KINDS:
            kinds = ", ".join(DATASET_KINDS)
            raise ConfigError(f"dataset must be one of {kinds}, not {self.kind!r}")
        _check_int("samples", self.samples, 1, MAX_SAMPLES)
        if isinstance(self.noise, bool) or not isinstance(self.noise, (int, float)):
            raise ConfigError(f"noise must be a number, not {self.noise!r}")
        if not (math.isfinite(self.noise) and self.noise >= 0):
            raise ConfigError(f"noise must be zero or more and finite, not {self.noise!r}")
        _check_int("data seed", self.seed, 0, 2**63 - 1)
        if self.path is not None and not isinstance(self.path, str):
            raise ConfigError(f"data file must be a path, not {self.path!r}")
        if self.kind == "csv" and not self.path:
            raise ConfigError("a csv dataset needs the path of its file")


def load_dataset(spec: DatasetSpec) -> Dataset:
    """The data ``spec`` names; a CSV file is read now (``DatasetError`` if it is unusable)."""
    if spec.kind == "generated":
        return generated_dataset(spec.samples, spec.noise, spec.seed)
    if spec.kind == "csv":
        return read_csv_dataset(spec.path)
    return article_dataset()


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines an experiment's losses, bit for bit."""

    optimizers: tuple[OptimizerSpec, ...] = tuple(
        OptimizerSpec.create(name) for name in ARTICLE_OPTIMIZERS
    )
    learning_rates: tuple[float, ...] = ARTICLE_LEARNING_RATES
    seed: int = 0
    max_steps: int = 1000
    stop_loss: float = 0.1
    hidden: int = 3
    activation: str = "relu"  # the hidden layer's: one of engine.model.ACTIVATIONS
    schedule: ScheduleSpec = ScheduleSpec()
    dtype: str = "float32"
    dataset: DatasetSpec = DatasetSpec()
    batch_size: int | None = None  # None: full batch; else mini-batches shuffled each epoch

    def __post_init__(self) -> None:
        if not self.optimizers:
            raise ConfigError("choose at least one optimizer")
        keys = [spec.key for spec in self.optimizers]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ConfigError(f"optimizer {twice[0]} is listed twice")
        if not self.learning_rates:
            raise ConfigError("give at least one learning rate")
        for lr in self.learning_rates:
            check_learning_rate(lr)
        _check_int("seed", self.seed, 0, 2**63 - 1)
        _check_int("max steps", self.max_steps, 1, MAX_STEPS_LIMIT)
        _check_int("hidden size", self.hidden, 1, 4096)
        if self.activation not in ACTIVATIONS:
            known = ", ".join(ACTIVATIONS)
            raise ConfigError(f"activation must be one of {known}, not {self.activation!r}")
        if isinstance(self.stop_loss, bool) or not isinstance(self.stop_loss, (int, float)):
            raise ConfigError(f"stop loss must be a number, not {self.stop_loss!r}")
        if not math.isfinite(self.stop_loss):
            raise ConfigError(f"stop loss must be finite, not {self.stop_loss!r}")
        if self.dtype not in DTYPES:
            raise ConfigError(f"dtype must be one of {', '.join(DTYPES)}, not {self.dtype!r}")
        if not isinstance(self.dataset, DatasetSpec):
            raise ConfigError(f"dataset must be a DatasetSpec, not {self.dataset!r}")
        if self.batch_size is not None:
            b = self.batch_size
            if isinstance(b, bool) or not isinstance(b, int):
                raise ConfigError(f"batch size must be a whole number, not {b!r}")
            if b < 1:
                raise ConfigError(f"batch size must be at least 1, not {b}")

    def with_changes(self, **changes) -> ExperimentConfig:
        return replace(self, **changes)


def schedule_spec(name: str, params: Mapping[str, object] | None = None) -> ScheduleSpec:
    """``ScheduleSpec.create`` with its errors as ``ConfigError``."""
    try:
        return ScheduleSpec.create(name, params)
    except ValueError as err:
        raise ConfigError(str(err)) from None


def check_learning_rate(value: object) -> float:
    """A learning rate as a float, or ``ConfigError``: it must be a positive, finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"learning rate must be a number, not {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"learning rate must be positive and finite, not {value!r}")
    return float(value)
