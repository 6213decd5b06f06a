"""Experiment settings as plain, validated dataclasses."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from engine.optimizers import ARTICLE_OPTIMIZERS, HyperValue, Optimizer, get_optimizer
from engine.schedules import ScheduleSpec

ARTICLE_LEARNING_RATES = (0.001, 0.01, 0.1, 1.0)
DTYPES = ("float32", "float64")
MAX_STEPS_LIMIT = 1_000_000  # 16 runs × 1M float32 losses is 64 MB


class ConfigError(ValueError):
    """A setting a user gave is not acceptable; the message is one line meant for them."""


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
    schedule: ScheduleSpec = ScheduleSpec()
    dtype: str = "float32"

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
        if isinstance(self.stop_loss, bool) or not isinstance(self.stop_loss, (int, float)):
            raise ConfigError(f"stop loss must be a number, not {self.stop_loss!r}")
        if not math.isfinite(self.stop_loss):
            raise ConfigError(f"stop loss must be finite, not {self.stop_loss!r}")
        if self.dtype not in DTYPES:
            raise ConfigError(f"dtype must be one of {', '.join(DTYPES)}, not {self.dtype!r}")

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


def _check_int(what: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{what} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{what} must be between {low} and {high}, not {value}")
