"""A learning-rate sweep: every selected optimizer at 64 log-spaced learning rates, one pass.

All optimizers × learning rates are the runs of ONE :class:`BatchedExperiment`, trained to the
end, so a sweep costs about as many tensor steps as the panels do (each step just has more
rows). Each run is exactly the run an experiment at that single learning rate would make.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import IO, ClassVar

import numpy as np

from engine.config import ExperimentConfig
from engine.experiment import BatchedExperiment, RunStatus

SWEEP_LRS = np.logspace(-4, 1, 64)  # 1e-4 … 10, 64 learning rates, evenly spaced on a log axis
CSV_HEADER = ("optimizer", "lr", "final_loss", "converged_at", "status")


class SweepCancelled(Exception):
    """``run_sweep`` stopped early because ``should_stop`` said so."""


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Per optimizer (row) and learning rate (column): how each run of the sweep ended.

    ``config`` is the experiment the sweep was asked for: its ``learning_rates`` are the panels'
    (the sweep trains at ``lrs`` instead). The arrays are read-only.
    """

    config: ExperimentConfig
    lrs: np.ndarray  # (lrs,) float64
    labels: tuple[str, ...]  # legend text per optimizer (OptimizerSpec.label)
    names: tuple[str, ...]  # registry name per optimizer (for colours and line styles)
    final_loss: np.ndarray  # (optimizers, lrs) in the config's dtype; the last finite loss,
    # NaN when a run diverged before recording any
    diverged: np.ndarray  # (optimizers, lrs) bool
    steps: np.ndarray  # (optimizers, lrs) float64: the step a run converged at, NaN if it did not
    status: np.ndarray  # (optimizers, lrs) int8 RunStatus values
    initial_loss: float = math.nan  # the loss at step 0 (every run starts from the same point)

    @property
    def keys(self) -> tuple[str, ...]:
        """File identifiers per optimizer (OptimizerSpec.key), as in the loss CSV."""
        return tuple(spec.key for spec in self.config.optimizers)

    @property
    def converged(self) -> np.ndarray:
        return self.status == RunStatus.CONVERGED


@dataclass(frozen=True)
class SweepConfig(ExperimentConfig):
    """The experiment a sweep trains: its learning rates are points of a curve, not panels, so
    there may be more of them than an experiment has panels."""

    max_learning_rates: ClassVar[float] = math.inf


def sweep_config(config: ExperimentConfig, lrs: Sequence[float] = SWEEP_LRS) -> SweepConfig:
    """``config`` with the sweep's learning rates (``ConfigError`` if one is not acceptable)."""
    settings = {f.name: getattr(config, f.name) for f in fields(ExperimentConfig)}
    return SweepConfig(**{**settings, "learning_rates": tuple(float(lr) for lr in lrs)})


def run_sweep(
    config: ExperimentConfig,
    lrs: Sequence[float] = SWEEP_LRS,
    *,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Train every optimizer of ``config`` at every rate of ``lrs`` in one batched experiment.

    ``should_stop`` is asked after every step (raise :class:`SweepCancelled` when it says yes);
    ``progress(steps_taken, max_steps)`` is told after every step.
    """
    swept = sweep_config(config, lrs)
    experiment = BatchedExperiment(swept)
    max_steps = swept.max_steps
    while experiment.step(1):
        if should_stop is not None and should_stop():
            raise SweepCancelled
        if progress is not None:
            progress(experiment.steps_taken, max_steps)

    shape = (len(swept.optimizers), len(swept.learning_rates))
    counts = experiment.counts
    losses = experiment.loss_buffer
    final_loss = np.full(len(experiment.runs), np.nan, dtype=losses.dtype)
    recorded = np.flatnonzero(counts > 0)
    final_loss[recorded] = losses[recorded, counts[recorded] - 1]
    summaries = experiment.summaries()
    status = np.array([s.status for s in summaries], dtype=np.int8)
    steps = np.array(
        [s.status_step if s.status is RunStatus.CONVERGED else np.nan for s in summaries],
        dtype=np.float64,
    )
    return SweepResult(
        config=config,
        lrs=_frozen(np.array(swept.learning_rates, dtype=np.float64)),
        labels=tuple(spec.label for spec in swept.optimizers),
        names=tuple(spec.name for spec in swept.optimizers),
        final_loss=_frozen(final_loss.reshape(shape)),
        diverged=_frozen((status == RunStatus.DIVERGED).reshape(shape)),
        steps=_frozen(steps.reshape(shape)),
        status=_frozen(status.reshape(shape)),
        initial_loss=float(np.nanmax(losses[:, 0]))
        if np.isfinite(losses[:, 0]).any()
        else math.nan,
    )


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def write_sweep_csv(result: SweepResult, handle: IO[str]) -> None:
    """One row per run: ``optimizer,lr,final_loss,converged_at,status``.

    Numbers are in the shortest form that reads back exactly; ``final_loss`` is empty when a run
    recorded no loss, ``converged_at`` when it did not converge; ``status`` is ``converged``,
    ``diverged`` or ``max_steps``.
    """
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for i, key in enumerate(result.keys):
        for j, lr in enumerate(result.lrs):
            loss = result.final_loss[i, j]
            step = result.steps[i, j]
            writer.writerow(
                (
                    key,
                    repr(float(lr)),
                    "" if np.isnan(loss) else str(loss),  # numpy's shortest round-trip text
                    "" if np.isnan(step) else str(int(step)),
                    RunStatus(int(result.status[i, j])).name.lower(),
                )
            )
