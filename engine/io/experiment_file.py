"""Settings to and from plain dicts (JSON, QSettings), refusing anything unknown or mistyped."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from engine.config.loading import check_start_size
from engine.config.settings import (
    BranchSpec,
    ConfigError,
    DatasetSpec,
    ExperimentConfig,
    OptimizerSpec,
    function_spec,
    schedule_spec,
)
from engine.config.starts import PlaneStart
from engine.core.data import DatasetError
from engine.core.files import atomic_write
from engine.experiment.predictions import (
    Predictions,
    Score,
    predictions_from_dict,
    predictions_to_dict,
)
from engine.optimizers.schedules import ScheduleSpec
from engine.optimizers.user_code import OptimizerCode
from engine.problems import FunctionSpec

KEYS = tuple(f.name for f in fields(ExperimentConfig))  # one list: the config's own fields
DATASET_KEYS = tuple(f.name for f in fields(DatasetSpec))
PREDICTIONS_KEY = "predictions"  # beside the settings in an experiment file, never among them
REFERENCE_KEY = "reference"  # beside them too: torch.optim twins train beside the runs
DATASET_USES = {"article": (), "generated": ("samples", "noise", "seed"), "csv": ("path",)}


def config_to_dict(config: ExperimentConfig) -> dict[str, Any]:
    """Every field of ``config`` as plain JSON values, in the config's field order (``function``
    and ``start_parameters`` only where there is one; floats are written to round-trip)."""
    out: dict[str, Any] = {}
    for key in KEYS:
        value = getattr(config, key)
        if key in ("function", "start_parameters") and value is None:  # only where there is one
            continue
        writer = _WRITERS.get(key)
        out[key] = writer(value) if writer else list(value) if isinstance(value, tuple) else value
    return out


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
    for key in KEYS:
        if key in data:
            reader = _READERS.get(key)
            value = data[key]
            changes[key] = reader(data, key) if reader else _plain(value)
    if "problem" in data and "function" not in data:  # base's typed f is no part of it
        changes["function"] = None
    try:
        return base.with_changes(**changes)
    except ConfigError as err:
        bad = _bad_key(changes, base)
        raise ConfigError(f"{bad}: {err}" if bad else str(err)) from None


def _plain(value: object) -> object:
    """JSON lists read back as the tuples the config holds; anything else as it is."""
    return tuple(value) if isinstance(value, list) else value


def _bad_key(changes: dict[str, Any], base: ExperimentConfig) -> str | None:
    """The first key whose value alone makes ``base`` invalid, to name it in the message."""
    for key, value in changes.items():
        try:
            base.with_changes(**{key: value})
        except ConfigError:
            return key
    return None


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


def _refuse_unknown_keys(item: Mapping, keys: tuple[str, ...], what: str) -> None:
    extra = sorted(set(item) - set(keys))
    if extra:
        raise ConfigError(f"unknown key {extra[0]!r} in {what} (known: {', '.join(keys)})")


def _dataset(item: object) -> DatasetSpec:
    if isinstance(item, str):
        return DatasetSpec(kind=item)
    if not isinstance(item, Mapping) or not isinstance(item.get("kind"), str):
        raise ConfigError(f"dataset must be a kind or {{'kind': ..., settings...}}, not {item!r}")
    _refuse_unknown_keys(item, DATASET_KEYS, "dataset")
    return DatasetSpec(**item)


def _optimizer(item: object) -> OptimizerSpec:
    if isinstance(item, str):
        return OptimizerSpec.create(item)
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
        raise ConfigError(
            f"each optimizer must be a name or {{'name': ..., 'params': {{...}}}}, not {item!r}"
        )
    extra = sorted(set(item) - {"name", "params", "code"})
    if extra:
        raise ConfigError(f"unknown key {extra[0]!r} in optimizer {item['name']!r}")
    params = item.get("params", {})
    if not isinstance(params, Mapping):
        raise ConfigError(f"params of optimizer {item['name']!r} must be an object")
    code = _code(item["name"], item["code"]) if "code" in item else None
    return OptimizerSpec.create(item["name"], params, code)


def _code(name: str, item: object) -> OptimizerCode:
    """A student's optimizer saved in the file: ``{"source": ..., "filename": ...}``."""
    if (
        not isinstance(item, Mapping)
        or set(item) != {"source", "filename"}
        or not all(isinstance(v, str) for v in item.values())
    ):
        raise ConfigError(
            f"the code of optimizer {name!r} must be {{'source': text, 'filename': text}}"
        )
    return OptimizerCode(item["source"], item["filename"])


def _optimizer_to_dict(spec: OptimizerSpec) -> dict[str, Any]:
    """Its name and settings; a student's also its code, so that a shared file carries it."""
    out: dict[str, Any] = {"name": spec.name, "params": dict(spec.params)}
    if spec.code is not None:
        out["code"] = {"source": spec.code.source, "filename": spec.code.filename}
    return out


BRANCH_KEYS = ("from", "step", "lr", "optimizer", "schedule")
BRANCH_PARENT_KEYS = ("optimizer", "lr")


def branch_from_dict(item: object, number: int = 1) -> BranchSpec:
    """``{"from": {"optimizer": "sgd", "lr": 1.0}, "step": 50, "lr": 0.1}``; ``optimizer`` as
    an optimizer item, ``schedule`` as the top-level one. Errors name the branch."""
    try:
        if not isinstance(item, Mapping):
            raise ConfigError(f"must be an object with 'from' and 'step', not {item!r}")
        extra = sorted(set(item) - set(BRANCH_KEYS))
        if extra:
            raise ConfigError(f"unknown key {extra[0]!r} (known: {', '.join(BRANCH_KEYS)})")
        parent = item.get("from")
        if not isinstance(parent, Mapping) or set(parent) != set(BRANCH_PARENT_KEYS):
            raise ConfigError(
                f"'from' must name the parent run: {{'optimizer': ..., 'lr': ...}}, not {parent!r}"
            )
        if "step" not in item:
            raise ConfigError("'step' is missing: the step the branch starts at")
        optimizer = parent["optimizer"]
        key = optimizer if isinstance(optimizer, str) else _optimizer(optimizer).key
        return BranchSpec(
            from_optimizer=key,
            from_lr=parent["lr"],
            step=item["step"],
            lr=item.get("lr"),
            optimizer=_optimizer(item["optimizer"]) if "optimizer" in item else None,
            schedule=_schedule(item["schedule"]) if "schedule" in item else None,
        )
    except ConfigError as err:
        raise ConfigError(f"branch {number}: {err}") from None


def branch_to_dict(branch: BranchSpec) -> dict[str, Any]:
    out: dict[str, Any] = {
        "from": {"optimizer": branch.from_optimizer, "lr": branch.from_lr},
        "step": branch.step,
    }
    if branch.lr is not None:
        out["lr"] = branch.lr
    if branch.optimizer is not None:
        out["optimizer"] = _WRITERS["optimizers"]([branch.optimizer])[0]
    if branch.schedule is not None:
        out["schedule"] = _WRITERS["schedule"](branch.schedule)
    return out


FUNCTION_KEYS = ("expression", "x_range", "y_range")


def _function(item: object) -> FunctionSpec:
    """``"x**2 + y**2"`` or ``{"expression": ..., "x_range": [a, b], "y_range": [c, d]}``."""
    if isinstance(item, str):
        return function_spec(item)
    if not isinstance(item, Mapping) or not isinstance(item.get("expression"), str):
        raise ConfigError(f"function must be text or {{'expression': ..., ...}}, not {item!r}")
    _refuse_unknown_keys(item, FUNCTION_KEYS, "function")
    ranges = {k: _plain(item[k]) for k in FUNCTION_KEYS[1:] if k in item}
    return function_spec(item["expression"], **ranges)


START_KEYS = ("plane", "a", "b", "values")


def _start_parameters(item: object) -> PlaneStart:
    """``{"plane": "hessian", "a": 0.8, "b": -1.2, "values": [θ…]}``: the start is ``values``."""
    if not isinstance(item, Mapping) or not isinstance(item.get("values"), list):
        raise ConfigError(f"start_parameters must be {{'values': [numbers], ...}}, not {item!r}")
    _refuse_unknown_keys(item, START_KEYS, "start_parameters")
    return PlaneStart(**{k: _plain(item[k]) for k in START_KEYS if k in item})


_WRITERS = {
    "optimizers": lambda specs: [_optimizer_to_dict(s) for s in specs],
    "schedule": lambda spec: {"name": spec.name, **spec.params},
    "dataset": _dataset_to_dict,
    "branches": lambda branches: [branch_to_dict(b) for b in branches],
    "start_parameters": lambda start: {
        **({"plane": start.plane, "a": start.a, "b": start.b} if start.plane else {}),
        "values": list(start.values),
    },
    "function": lambda spec: {
        "expression": spec.expression,
        "x_range": list(spec.x_range),
        "y_range": list(spec.y_range),
    },
}
_READERS = {
    "optimizers": lambda data, key: tuple(_optimizer(item) for item in _list(data, key)),
    "learning_rates": lambda data, key: tuple(_list(data, key)),
    "schedule": lambda data, key: _schedule(data[key]),
    "dataset": lambda data, key: _dataset(data[key]),
    "branches": lambda data, key: tuple(
        branch_from_dict(item, n) for n, item in enumerate(_list(data, key), start=1)
    ),
    "function": lambda data, key: None if data[key] is None else _function(data[key]),
    "start_parameters": lambda data, key: (
        None if data[key] is None else _start_parameters(data[key])
    ),
}


@dataclass(frozen=True)
class ExperimentFile:
    """What an experiment file holds: the settings and, if it has them, the class's predictions
    and whether torch.optim twins train beside the runs (None: a file from before either)."""

    config: ExperimentConfig
    predictions: Predictions | None = None
    reference: bool | None = None

    @property
    def code_optimizers(self) -> tuple[OptimizerSpec, ...]:
        """The optimizers written as code that the file carries (a branch's too), each once:
        to show and ask about before running them."""
        found: list[OptimizerSpec] = []
        for spec in (*self.config.optimizers, *(b.optimizer for b in self.config.branches)):
            if spec is not None and spec.code is not None and spec not in found:
                found.append(spec)
        return tuple(found)

    @property
    def carries_code(self) -> bool:
        """The file holds optimizer code, which runs with the user's rights once trusted."""
        return bool(self.code_optimizers)


def read_config_file(path: str | os.PathLike) -> ExperimentConfig:
    """An experiment file's settings (anything beside them is checked, then left out);
    ``ConfigError`` says in one line what is wrong and where."""
    return read_experiment_file(path).config


def read_text(path: str | os.PathLike) -> str:
    """A file a user named, as text; ``ConfigError`` in one line if it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not a text file") from None


def read_json(path: str | os.PathLike) -> object:
    """A JSON file a user named, parsed; ``ConfigError`` in one line saying where it is bad."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise ConfigError(
            f"{path} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from None


def read_experiment_file(path: str | os.PathLike) -> ExperimentFile:
    """An experiment file's settings, and the class's predictions and the reference switch if
    it holds them (keys beside the settings); ``ConfigError`` in one line."""
    data = read_json(path)
    predictions = reference = None
    try:
        if isinstance(data, dict):
            data = dict(data)
            if PREDICTIONS_KEY in data:
                predictions = predictions_from_dict(data.pop(PREDICTIONS_KEY))
            if REFERENCE_KEY in data:
                reference = _reference(data.pop(REFERENCE_KEY))
        config = _data_path_from(Path(path).parent, config_from_dict(data))
        _check_start_size(config)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
    return ExperimentFile(config, predictions, reference)


def _check_start_size(config: ExperimentConfig) -> None:
    """A start of as many parameters as the network has (a data file that cannot be read is
    reported where it is read)."""
    try:
        check_start_size(config)
    except DatasetError:
        pass
    except ConfigError as err:
        raise ConfigError(f"start_parameters: {err}") from None


def _reference(value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{REFERENCE_KEY} must be true or false, not {value!r}")
    return value


def _data_path_from(folder: Path, config: ExperimentConfig) -> ExperimentConfig:
    """A relative data file in an experiment file is relative to that file's folder."""
    data = config.dataset
    if data.path is None or Path(data.path).is_absolute():
        return config
    return config.with_changes(dataset=replace(data, path=str(folder / data.path)))


def write_config_file(
    path: str | os.PathLike,
    config: ExperimentConfig,
    predictions: Predictions | None = None,
    score: Score | None = None,
    reference: bool | None = None,
) -> None:
    """Every setting as indented JSON, written atomically; with ``predictions`` (not empty),
    also the class's picks and, once known, their score under a ``predictions`` key; with
    ``reference`` (the window's switch), a ``reference`` key."""
    data = config_to_dict(config)
    if predictions is not None and not predictions.empty:
        data[PREDICTIONS_KEY] = predictions_to_dict(predictions, score)
    if reference is not None:
        data[REFERENCE_KEY] = reference
    text = json.dumps(data, indent=2) + "\n"
    atomic_write(path, lambda handle: handle.write(text))
