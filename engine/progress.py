"""What the engine worker tells the window: plain numpy payloads, no tensors and no Qt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.config import ExperimentConfig
from engine.experiment import BatchedExperiment, RunKey
from engine.runs import RunSummary, summaries_at
from engine.stability import Stability, problem_stability

if TYPE_CHECKING:
    from engine.sharpness import SharpnessTracker


@dataclass(frozen=True)
class ExperimentStarted:
    """A new experiment at step 0, or the same one with other branches at the step it had
    reached (its losses follow from column 0); updates of older generations are stale."""

    generation: int
    config: ExperimentConfig
    runs: tuple[RunKey, ...]
    reference_notes: tuple[str | None, ...] | None = None  # None: the check is off; per run,
    # None when it has a torch.optim twin, else why it has none
    stability: Stability | None = None  # at the initial parameters, every run's start
    initial_parameters: np.ndarray | None = None  # (P,) θ₀, every run's start (a copy)


@dataclass(frozen=True)
class LossUpdate:
    """Loss columns ``[start, start + losses.shape[1])`` that are new since the last update."""

    generation: int
    start: int
    losses: np.ndarray  # (runs, k) copy; NaN where a run recorded nothing
    counts: np.ndarray  # losses recorded per run
    summaries: tuple[RunSummary, ...]
    steps_taken: int
    done: bool
    lrs: np.ndarray | None = None  # (runs, k) the learning rate each of those steps used
    reference_losses: np.ndarray | None = None  # (runs, k) the torch.optim twins' losses
    reference_diff: np.ndarray | None = None  # (runs,) largest relative difference so far
    sharpness: np.ndarray | None = None  # (runs, k) λ at those steps, NaN where not computed;
    # None while sharpness is off
    preconditioned: np.ndarray | None = None  # (runs, k) preconditioned λ; NaN for the runs
    # whose optimizer divides by nothing
    sharpness_every: int | None = None  # λ is computed every this many steps (None: off)
    paths: np.ndarray | None = None  # (runs, k, P) the parameters each of those losses was
    # computed at, when the experiment records them (NaN where a run recorded nothing)

    @property
    def end(self) -> int:
        return self.start + self.losses.shape[1]


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
        summaries=tuple(experiment.summaries()),
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
    params, _, _, _ = experiment.run_tensors(0)  # at step 0 every run has these
    return ExperimentStarted(
        generation,
        experiment.config,
        tuple(experiment.runs),
        None if reference is None else tuple(reference.notes),
        problem_stability(experiment.problem, params[0]),
        experiment.initial_parameters,
    )


def full_update(
    experiment: BatchedExperiment, generation: int = 0, tracker: SharpnessTracker | None = None
) -> LossUpdate:
    """Everything ``experiment`` recorded so far (and ``tracker`` computed), as one update."""
    return loss_update(experiment, generation, 0, tracker)


def update_at_step(update: LossUpdate, step: int) -> LossUpdate:
    """What a complete ``update`` (``start == 0``) looked like after ``step`` steps.

    A run that went on past ``step`` was still running then, with ``step`` losses recorded; a
    branch was waiting until its step.
    Used to draw the frames of an animation from one finished experiment.
    """
    if update.start != 0:
        raise ValueError("update_at_step needs an update from column 0")
    summaries = summaries_at(update.summaries, update.losses, step)
    counts = np.array([s.steps for s in summaries], dtype=update.counts.dtype)
    losses = update.losses[:, :step].copy()
    paths = None if update.paths is None else update.paths[:, :step].copy()
    for row, count in enumerate(counts):
        losses[row, count:] = np.nan
        if paths is not None:
            paths[row, count:] = np.nan

    def cut(columns: np.ndarray | None) -> np.ndarray | None:
        return None if columns is None else columns[:, :step].copy()

    return LossUpdate(
        generation=update.generation,
        start=0,
        losses=losses,
        counts=counts,
        summaries=summaries,
        steps_taken=min(update.steps_taken, step),
        done=update.done and step >= update.steps_taken,
        lrs=cut(update.lrs),
        reference_losses=cut(update.reference_losses),
        reference_diff=update.reference_diff,
        sharpness=cut(update.sharpness),
        preconditioned=cut(update.preconditioned),
        sharpness_every=update.sharpness_every,
        paths=paths,
    )
