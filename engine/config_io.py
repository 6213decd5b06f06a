"""Settings to and from plain dicts (JSON, QSettings), refusing anything unknown or mistyped."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from engine.config import (
    ConfigError,
    DatasetSpec,
    ExperimentConfig,
    OptimizerSpec,
    check_learning_rate_count,
    schedule_spec,
)
from engine.files import atomic_write
from engine.schedules import ScheduleSpec

KEYS = (
    "optimizers",
    "learning_rates",
    "seed",
    "max_steps",
    "stop_loss",
    "hidden",
    "schedule",
    "dataset",
    "batch_size",
)
DATASET_KEYS = tuple(f.name for f in fields(DatasetSpec))
DATASET_USES = {"article": (), "generated": ("samples", "noise", "seed"), "csv": ("path",)}


def config_to_dict(config: ExperimentConfig) -> dict[str, Any]:
    return {
        "optimizers": [{"name": s.name, "params": dict(s.params)} for s in config.optimizers],
        "learning_rates": list(config.learning_rates),
        "seed": config.seed,
        "max_steps": config.max_steps,
        "stop_loss": config.stop_loss,
        "hidden": config.hidden,
        "schedule": {"name": config.schedule.name, **config.schedule.params},
        "dataset": _dataset_to_dict(config.dataset),
        "batch_size": config.batch_size,
    }


def _dataset_to_dict(spec: DatasetSpec) -> dict[str, Any]:
    """The kind and what it uses, plus any other setting that is not the default (so that the
    dict reads back to an equal spec)."""
    default = DatasetSpec()
    return {
        f.name: getattr(spec, f.name)
        for f in fields(DatasetSpec)
        if f.name == "kind"
        or f.name in DATASET_USES[spec.kind]
        or getattr(spec, f.name) != getattr(default, f.name)
    }


def config_from_dict(data: object, base: ExperimentConfig | None = None) -> ExperimentConfig:
    """Settings from ``data``; keys it lacks come from ``base``. ``ConfigError`` names a bad key."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"settings must be an object of keys, not {type(data).__name__}")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r} (known: {', '.join(KEYS)})")
    base = base or ExperimentConfig()
    changes: dict[str, Any] = {}
    if "optimizers" in data:
        changes["optimizers"] = tuple(_optimizer(item) for item in _list(data, "optimizers"))
    if "learning_rates" in data:
        rates = tuple(_list(data, "learning_rates"))
        try:
            check_learning_rate_count(len(rates))
        except ConfigError as err:
            raise ConfigError(f"learning_rates: {err}") from None
        changes["learning_rates"] = rates
    if "schedule" in data:
        changes["schedule"] = _schedule(data["schedule"])
    if "dataset" in data:
        changes["dataset"] = _dataset(data["dataset"])
    for key in ("seed", "max_steps", "stop_loss", "hidden", "batch_size"):
        if key in data:
            changes[key] = data[key]
    return base.with_changes(**changes)


def _list(data: Mapping, key: str) -> list:
    value = data[key]
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be a list, not {type(value).__name__}")
    return value


def _schedule(item: object) -> ScheduleSpec:
    if isinstance(item, str):
        return schedule_spec(item)
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
        raise ConfigError(
            f"schedule must be a name or {{'name': ..., parameters...}}, not {item!r}"
        )
    return schedule_spec(item["name"], {k: v for k, v in item.items() if k != "name"})


def _dataset(item: object) -> DatasetSpec:
    if isinstance(item, str):
        return DatasetSpec(kind=item)
    if not isinstance(item, Mapping) or not isinstance(item.get("kind"), str):
        raise ConfigError(f"dataset must be a kind or {{'kind': ..., settings...}}, not {item!r}")
    extra = sorted(set(item) - set(DATASET_KEYS))
    if extra:
        known = ", ".join(DATASET_KEYS)
        raise ConfigError(f"unknown key {extra[0]!r} in dataset (known: {known})")
    return DatasetSpec(**item)


def _optimizer(item: object) -> OptimizerSpec:
    if isinstance(item, str):
        return OptimizerSpec.create(item)
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
        raise ConfigError(
            f"each optimizer must be a name or {{'name': ..., 'params': {{...}}}}, not {item!r}"
        )
    extra = sorted(set(item) - {"name", "params"})
    if extra:
        raise ConfigError(f"unknown key {extra[0]!r} in optimizer {item['name']!r}")
    params = item.get("params", {})
    if not isinstance(params, Mapping):
        raise ConfigError(f"params of optimizer {item['name']!r} must be an object")
    return OptimizerSpec.create(item["name"], params)


def read_config_file(path: str | os.PathLike) -> ExperimentConfig:
    """An experiment file; ``ConfigError`` says in one line what is wrong and where."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not a text file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(
            f"{path} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from None
    try:
        config = config_from_dict(data)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
    return _data_path_from(Path(path).parent, config)


def _data_path_from(folder: Path, config: ExperimentConfig) -> ExperimentConfig:
    """A relative data file in an experiment file is relative to that file's folder."""
    data = config.dataset
    if data.path is None or Path(data.path).is_absolute():
        return config
    return config.with_changes(dataset=replace(data, path=str(folder / data.path)))


def write_config_file(path: str | os.PathLike, config: ExperimentConfig) -> None:
    """Every setting as indented JSON, written atomically."""
    text = json.dumps(config_to_dict(config), indent=2) + "\n"
    atomic_write(path, lambda handle: handle.write(text))
