"""Training a learning-rate sweep: all optimizers × learning rates as the runs of one batched
experiment, trained to the end, as a plain call or as a task for a runner.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from engine.analysis.sweep import SWEEP_LRS, SweepResult, frozen
from engine.config.settings import ExperimentConfig
from engine.core.tasks import TaskCancelled, TaskState
from engine.experiment.batched import BatchedExperiment
from engine.experiment.memory import check_memory, record_buffers, worst_case_bytes
from engine.experiment.runs import RunStatus
from engine.experiment.seeds import group_status, median_band, median_converged_step

PROGRESS_INTERVAL = 0.1  # seconds between progress reports of a sweep task


class SweepCancelled(Exception):
    """``run_sweep`` stopped early because ``should_stop`` said so."""


def run_sweep(
    config: ExperimentConfig,
    lrs: Sequence[float] = SWEEP_LRS,
    *,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Train every optimizer of ``config`` at every rate of ``lrs`` in one batched experiment.

    ``should_stop`` is asked after every step (raise :class:`SweepCancelled` when it says yes);
    ``progress(steps_taken, max_steps)`` is told after every step. ``ConfigError`` if a rate
    is not a positive number.
    """
    experiment = BatchedExperiment(config, learning_rates=lrs)
    max_steps = config.max_steps
    while experiment.step(1):
        if should_stop is not None and should_stop():
            raise SweepCancelled
        if progress is not None:
            progress(experiment.steps_taken, max_steps)

    seeds = config.seeds
    shape = (len(config.optimizers), len(experiment.learning_rates))
    counts = experiment.counts
    losses = experiment.loss_buffer
    final_loss = np.full(len(experiment.runs), np.nan, dtype=losses.dtype)
    recorded = np.flatnonzero(counts > 0)
    final_loss[recorded] = losses[recorded, counts[recorded] - 1]
    summaries = experiment.summaries()
    status = np.array([s.status for s in summaries], dtype=np.int8)
    status_step = np.array([-1 if s.status_step is None else s.status_step for s in summaries])
    final_loss[status == RunStatus.ERROR] = np.nan  # stopped by its code: no final loss to plot
    steps = np.where(status == RunStatus.CONVERGED, status_step, np.nan).astype(np.float64)
    low = high = per_run = None
    point_loss, point_status, point_steps = final_loss, status, steps
    if seeds > 1:
        per_run = [frozen(a.reshape(*shape, seeds)) for a in (final_loss, steps, status)]
        with np.errstate(invalid="ignore"):
            kept = np.where(status == RunStatus.DIVERGED, np.nan, final_loss.astype(np.float64))
        low, point_loss, high = (frozen(a.reshape(shape)) for a in median_band(kept, seeds))
        point_status = group_status(status, seeds)
        point_steps = median_converged_step(status, status_step, seeds)
    return SweepResult(
        config=config,
        lrs=frozen(np.array(experiment.learning_rates, dtype=np.float64)),
        labels=tuple(spec.label for spec in config.optimizers),
        names=tuple(spec.name for spec in config.optimizers),
        final_loss=frozen(point_loss.reshape(shape)),
        diverged=frozen((point_status == RunStatus.DIVERGED).reshape(shape)),
        steps=frozen(point_steps.reshape(shape)),
        status=frozen(point_status.reshape(shape)),
        initial_loss=float(np.nanmax(losses[:, 0]))
        if np.isfinite(losses[:, 0]).any()
        else math.nan,
        band_low=low,
        band_high=high,
        **dict(zip(("runs_final_loss", "runs_steps", "runs_status"), per_run or ())),
        failures=tuple(dict.fromkeys(experiment.failures.values())),
    )


def sweep_task(
    state: TaskState, config: ExperimentConfig, lrs: Sequence[float] = SWEEP_LRS
) -> tuple[SweepResult, float]:
    """:func:`run_sweep` as a task for a runner thread: it stops when asked, reports
    ``(steps, max_steps)`` a few times a second, and returns the result and its seconds.
    :class:`~engine.experiment.memory.MemoryRefused` before it trains if its runs could outgrow
    the memory available."""
    check_memory(worst_case_bytes(record_buffers(config, learning_rates=lrs)), config, "the sweep")
    began = last = time.perf_counter()

    def report(steps: int, max_steps: int) -> None:
        nonlocal last
        now = time.perf_counter()
        if now - last >= PROGRESS_INTERVAL:
            last = now
            state.report((steps, max_steps))

    try:
        result = run_sweep(config, lrs, should_stop=lambda: state.stop_requested, progress=report)
    except SweepCancelled:
        raise TaskCancelled from None
    return result, time.perf_counter() - began
