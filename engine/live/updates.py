"""The messages of :mod:`engine.live.messages`, built from a :class:`BatchedExperiment`: in the
engine process (and the headless exports), never in the window's, which must not import torch."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from engine.analysis.readings import declared_thresholds
from engine.analysis.stability import problem_stability
from engine.experiment.batched import BatchedExperiment
from engine.live.messages import ExperimentStarted, LossUpdate, RunSummaries

if TYPE_CHECKING:
    from engine.analysis.sharpness import SharpnessTracker


def run_summaries(experiment: BatchedExperiment) -> RunSummaries:
    """Every run's summary so far, as the per-run arrays :class:`RunSummaries` reads."""
    counts = experiment.counts
    final = np.full(len(counts), np.nan, dtype=experiment.loss_buffer.dtype)
    recorded = np.flatnonzero(counts > 0)
    final[recorded] = experiment.loss_buffer[recorded, counts[recorded] - 1]
    return RunSummaries(
        experiment.runs,
        counts,
        experiment.status,
        experiment.status_steps,
        final,
        experiment.failures,
    )


def loss_update(
    experiment: BatchedExperiment,
    generation: int,
    start: int,
    tracker: SharpnessTracker | None = None,
) -> LossUpdate:
    """Copy what ``experiment`` recorded from column ``start`` on (and the sharpness
    ``tracker`` computed at those steps, if one is given)."""
    counts = experiment.counts
    end = int(counts.max()) if counts.size else 0
    reference = experiment.reference
    columns = slice(start, end)
    recording = experiment.record_parameters
    return LossUpdate(
        generation=generation,
        start=start,
        losses=experiment.loss_buffer[:, start:end].copy(),
        counts=counts,
        summaries=run_summaries(experiment),
        steps_taken=experiment.steps_taken,
        done=experiment.done,
        lrs=experiment.lr_buffer[:, start:end].copy(),
        reference_losses=None if reference is None else reference.losses[:, start:end].copy(),
        reference_diff=None if reference is None else reference.max_diff.copy(),
        sharpness=None if tracker is None else tracker.sharpness[:, columns].copy(),
        preconditioned=None if tracker is None else tracker.preconditioned[:, columns].copy(),
        sharpness_every=None if tracker is None else tracker.every,
        paths=experiment.parameter_buffer[:, start:end].copy() if recording else None,
    )


def started(experiment: BatchedExperiment, generation: int) -> ExperimentStarted:
    """The announcement of a fresh experiment (and whether each run has a twin)."""
    reference = experiment.reference
    start = torch.from_numpy(experiment.initial_parameters)  # the first seed's runs' start
    return ExperimentStarted(
        generation,
        experiment.config,
        tuple(experiment.runs),
        None if reference is None else tuple(reference.notes),
        problem_stability(experiment.problem, start),  # at the start, wherever the runs are
        experiment.initial_parameters,
        tuple(dict.fromkeys(experiment.failures.values())),
        declared_thresholds(experiment.runs),
        experiment.origin,
        float(experiment.problem.loss(start[None])[0]),
    )


def full_update(
    experiment: BatchedExperiment, generation: int = 0, tracker: SharpnessTracker | None = None
) -> LossUpdate:
    """Everything ``experiment`` recorded so far (and ``tracker`` computed), as one update."""
    return loss_update(experiment, generation, 0, tracker)
