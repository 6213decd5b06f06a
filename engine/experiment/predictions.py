"""A class's predictions before the curves appear, and how they fare once the runs have ended.

Per (optimizer, learning rate) the class picks a :class:`Verdict`: it converges (reaches the stop
loss), stalls (reaches max steps) or blows up (diverges); per learning rate, which optimizer
converges first (or that none does). Picks are keyed by what a file can name: the optimizer's
``OptimizerSpec.key`` and the learning rate, so they survive reordering the settings. With
several seeds a pair's outcome is the one most of its draws had
(:func:`engine.experiment.seeds.group_status`)
and it converges at its median converging step.

Qt-free: the window, the exports and the experiment files all use these.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.config.settings import ConfigError, ExperimentConfig
from engine.experiment.runs import RunStatus
from engine.experiment.seeds import group_status, median_converged_step

NO_OPTIMIZER = "none"  # the "first to converge" pick that no optimizer converges


class Verdict(str, enum.Enum):
    CONVERGES = "converges"
    STALLS = "stalls"
    BLOWS_UP = "blows up"


VERDICT_OF = {
    RunStatus.CONVERGED: Verdict.CONVERGES,
    RunStatus.MAX_STEPS: Verdict.STALLS,
    RunStatus.DIVERGED: Verdict.BLOWS_UP,
}


@dataclass(frozen=True)
class Predictions:
    """The picks: ``verdicts`` of (optimizer key, learning rate, verdict) and ``first`` of
    (learning rate, optimizer key or NO_OPTIMIZER), at most one of each per pair or rate."""

    verdicts: tuple[tuple[str, float, Verdict], ...] = ()
    first: tuple[tuple[float, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.verdicts and not self.first

    def verdict(self, key: str, lr: float) -> Verdict | None:
        return next((v for k, r, v in self.verdicts if k == key and r == lr), None)

    def first_pick(self, lr: float) -> str | None:
        return next((k for r, k in self.first if r == lr), None)

    def with_verdict(self, key: str, lr: float, verdict: Verdict | None) -> Predictions:
        """These picks with the verdict for (``key``, ``lr``) replaced (None: removed)."""
        kept = tuple(p for p in self.verdicts if (p[0], p[1]) != (key, lr))
        new = kept if verdict is None else (*kept, (key, float(lr), Verdict(verdict)))
        return Predictions(new, self.first)

    def with_first(self, lr: float, key: str | None) -> Predictions:
        """These picks with the first-to-converge pick for ``lr`` replaced (None: removed)."""
        kept = tuple(p for p in self.first if p[0] != lr)
        return Predictions(self.verdicts, kept if key is None else (*kept, (float(lr), key)))


@dataclass(frozen=True)
class Score:
    """Right picks of those made, once every run has ended: verdicts and first picks."""

    verdicts_right: int
    verdicts_made: int
    first_right: int
    first_made: int

    @property
    def right(self) -> int:
        return self.verdicts_right + self.first_right

    @property
    def made(self) -> int:
        return self.verdicts_made + self.first_made

    @property
    def text(self) -> str:
        """'11 of 16'."""
        return f"{self.right} of {self.made}"

    def describe(self) -> str:
        """'13 of 20 right (verdicts 11 of 16, first to converge 2 of 4)'."""
        return (
            f"{self.text} right (verdicts {self.verdicts_right} of {self.verdicts_made}, "
            f"first to converge {self.first_right} of {self.first_made})"
        )


@dataclass(frozen=True)
class Outcomes:
    """What happened, as the picks name it: per (optimizer key, learning rate) its verdict (None
    while it runs) and per learning rate the keys that converged first (empty while undecided;
    {NO_OPTIMIZER} when none converged)."""

    verdicts: Mapping[tuple[str, float], Verdict | None]
    first: Mapping[float, frozenset[str]]

    @property
    def done(self) -> bool:
        return all(v is not None for v in self.verdicts.values())


def outcomes(config: ExperimentConfig, status: np.ndarray, status_step: np.ndarray) -> Outcomes:
    """The outcomes of an experiment of ``config`` whose runs (RunKey order) stand at ``status``
    (RunStatus values) decided at ``status_step`` (−1 while running)."""
    seeds, lrs = config.seeds, config.learning_rates
    grouped = group_status(status, seeds)
    converged_at = median_converged_step(status, status_step, seeds)
    verdicts, first = {}, {}
    for j, lr in enumerate(lrs):
        steps = {}
        for i, spec in enumerate(config.optimizers):
            g = i * len(lrs) + j
            if grouped[g] == RunStatus.ERROR:
                continue  # the student's code failed: nothing to judge, no pick scored
            verdicts[(spec.key, lr)] = VERDICT_OF.get(RunStatus(int(grouped[g])))
            if not math.isnan(converged_at[g]):
                steps[spec.key] = converged_at[g]
        ended = all(verdicts.get((spec.key, lr), True) is not None for spec in config.optimizers)
        if not ended:
            first[lr] = frozenset()
        elif steps:
            earliest = min(steps.values())
            first[lr] = frozenset(k for k, s in steps.items() if s == earliest)
        else:
            first[lr] = frozenset({NO_OPTIMIZER})
    return Outcomes(verdicts, first)


def marks(
    predictions: Predictions, result: Outcomes
) -> tuple[dict[tuple[str, float], bool | None], dict[float, bool | None]]:
    """Per pick made, right (True), wrong (False) or not known yet (None)."""
    verdicts = {}
    for key, lr, verdict in predictions.verdicts:
        actual = result.verdicts.get((key, lr))
        verdicts[(key, lr)] = None if actual is None else actual is verdict
    first = {}
    for lr, key in predictions.first:
        actual = result.first.get(lr, frozenset())
        first[lr] = None if not actual else key in actual
    return verdicts, first


def score(predictions: Predictions, result: Outcomes) -> Score | None:
    """The score of the picks that apply to this experiment, None until every run has ended."""
    if not result.done:
        return None
    verdict_marks, first_marks = marks(predictions, result)
    verdicts = [m for (key, lr), m in verdict_marks.items() if (key, lr) in result.verdicts]
    first = [m for lr, m in first_marks.items() if lr in result.first]
    return Score(
        sum(bool(m) for m in verdicts), len(verdicts), sum(bool(m) for m in first), len(first)
    )


# --- files ---------------------------------------------------------------------------------


def predictions_to_dict(predictions: Predictions, result: Score | None = None) -> dict[str, Any]:
    """Plain JSON values: the picks, and the score once known (informative: it is recomputed
    when the experiment runs again)."""
    out: dict[str, Any] = {
        "verdicts": [
            {"optimizer": key, "lr": lr, "verdict": verdict.value}
            for key, lr, verdict in predictions.verdicts
        ],
        "first": [{"lr": lr, "optimizer": key} for lr, key in predictions.first],
    }
    if result is not None:
        out["score"] = {"right": result.right, "of": result.made}
    return out


def predictions_from_dict(data: object) -> Predictions:
    """Picks from a file's ``predictions`` object; ``ConfigError`` names what is wrong."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"predictions must be an object, not {type(data).__name__}")
    unknown = sorted(set(data) - {"verdicts", "first", "score"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in predictions")
    predictions = Predictions()
    for item in _items(data, "verdicts", ("optimizer", "lr", "verdict")):
        try:
            verdict = Verdict(item["verdict"])
        except ValueError:
            known = ", ".join(v.value for v in Verdict)
            raise ConfigError(
                f"a predicted verdict must be one of {known}, not {item['verdict']!r}"
            ) from None
        predictions = predictions.with_verdict(item["optimizer"], _rate(item["lr"]), verdict)
    for item in _items(data, "first", ("lr", "optimizer")):
        predictions = predictions.with_first(_rate(item["lr"]), item["optimizer"])
    return predictions


def _items(data: Mapping, key: str, fields: tuple[str, ...]) -> list[Mapping]:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise ConfigError(f"predictions {key} must be a list, not {type(items).__name__}")
    for item in items:
        if not isinstance(item, Mapping) or set(item) != set(fields):
            raise ConfigError(f"each of the predictions' {key} needs exactly {', '.join(fields)}")
        if not isinstance(item.get("optimizer"), str):
            raise ConfigError(f"a prediction's optimizer must be a name, not {item['optimizer']!r}")
    return items


def _rate(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"a prediction's learning rate must be a positive number, not {value!r}")
    return float(value)
