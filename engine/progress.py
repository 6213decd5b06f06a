"""What the engine worker tells the window: plain numpy payloads, no tensors and no Qt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.config import ExperimentConfig
from engine.experiment import BatchedExperiment, RunKey, RunStatus, RunSummary
from engine.stability import Stability, problem_stability


@dataclass(frozen=True)
class ExperimentStarted:
    """A fresh experiment at step 0; updates of older generations are stale."""

    generation: int
    config: ExperimentConfig
    runs: tuple[RunKey, ...]
    reference_notes: tuple[str | None, ...] | None = None  # None: the check is off; per run,
    # None when it has a torch.optim twin, else why it has none
    stability: Stability | None = None  # at the initial parameters, every run's start


class RunSummaries(Sequence[RunSummary]):
    """Every run's :class:`RunSummary`, made only when asked for, from per-run arrays: an update
    of hundreds of runs sixty times a second then costs a few array copies, not hundreds of
    objects (the views that count outcomes read :attr:`status` instead)."""

    def __init__(
        self,
        runs: Sequence[RunKey],
        counts: np.ndarray,
        status: np.ndarray,
        status_step: np.ndarray,
        final: np.ndarray,
    ):
        self.runs = runs
        self._counts, self._status, self._steps, self._final = counts, status, status_step, final
        self._made: dict[int, RunSummary] = {}

    @classmethod
    def of(cls, experiment: BatchedExperiment) -> RunSummaries:
        counts = experiment.counts
        final = np.full(len(counts), np.nan, dtype=experiment.loss_buffer.dtype)
        recorded = np.flatnonzero(counts > 0)
        final[recorded] = experiment.loss_buffer[recorded, counts[recorded] - 1]
        return cls(experiment.runs, counts, experiment.status, experiment.status_steps, final)

    @property
    def status(self) -> np.ndarray:
        """(runs,) RunStatus values, read-only."""
        return _read_only(self._status)

    @property
    def status_steps(self) -> np.ndarray:
        """(runs,) the step each run's status was decided at, −1 while it runs; read-only."""
        return _read_only(self._steps)

    @property
    def final(self) -> np.ndarray:
        """(runs,) each run's last recorded loss, NaN before its first; read-only."""
        return _read_only(self._final)

    def at_step(self, step: int, losses: np.ndarray) -> RunSummaries:
        """The summaries after ``step`` steps, ``losses`` the full loss table: a run that went
        on past it was running then, with ``step`` losses recorded."""
        counts = np.minimum(self._counts, step)
        cut = counts < self._counts
        status = np.where(cut, RunStatus.RUNNING, self._status).astype(np.int8)
        steps = np.where(cut, -1, self._steps)
        final = self._final.copy()
        for row in np.flatnonzero(cut):
            final[row] = losses[row, counts[row] - 1] if counts[row] else np.nan
        return RunSummaries(self.runs, counts, status, steps, final)

    def __len__(self) -> int:
        return len(self._counts)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        if index not in self._made:
            count, status = int(self._counts[index]), RunStatus(int(self._status[index]))
            self._made[index] = RunSummary(
                run=self.runs[index],
                steps=count,
                final_loss=float(self._final[index]) if count else None,
                status=status,
                status_step=None if status is RunStatus.RUNNING else int(self._steps[index]),
            )
        return self._made[index]


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class LossUpdate:
    """Loss columns ``[start, start + losses.shape[1])`` that are new since the last update."""

    generation: int
    start: int
    losses: np.ndarray  # (runs, k) copy; NaN where a run recorded nothing
    counts: np.ndarray  # losses recorded per run
    summaries: RunSummaries  # a sequence of RunSummary, made when read
    steps_taken: int
    done: bool
    lrs: np.ndarray | None = None  # (runs, k) the learning rate each of those steps used
    reference_losses: np.ndarray | None = None  # (runs, k) the torch.optim twins' losses
    reference_diff: np.ndarray | None = None  # (runs,) largest relative difference so far

    @property
    def end(self) -> int:
        return self.start + self.losses.shape[1]


def loss_update(experiment: BatchedExperiment, generation: int, start: int) -> LossUpdate:
    """Copy what ``experiment`` recorded from column ``start`` on."""
    counts = experiment.counts
    end = int(counts.max()) if counts.size else 0
    reference = experiment.reference
    return LossUpdate(
        generation=generation,
        start=start,
        losses=experiment.loss_buffer[:, start:end].copy(),
        counts=counts,
        summaries=RunSummaries.of(experiment),
        steps_taken=experiment.steps_taken,
        done=experiment.done,
        lrs=experiment.lr_buffer[:, start:end].copy(),
        reference_losses=None if reference is None else reference.losses[:, start:end].copy(),
        reference_diff=None if reference is None else reference.max_diff.copy(),
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
    )


def full_update(experiment: BatchedExperiment, generation: int = 0) -> LossUpdate:
    """Everything ``experiment`` recorded so far, as one update."""
    return loss_update(experiment, generation, 0)


def update_at_step(update: LossUpdate, step: int) -> LossUpdate:
    """What a complete ``update`` (``start == 0``) looked like after ``step`` steps.

    A run that went on past ``step`` was still running then, with ``step`` losses recorded.
    Used to draw the frames of an animation from one finished experiment.
    """
    if update.start != 0:
        raise ValueError("update_at_step needs an update from column 0")
    counts = np.minimum(update.counts, step)
    summaries = update.summaries.at_step(step, update.losses)
    losses = update.losses[:, :step].copy()
    for row, count in enumerate(counts):
        losses[row, count:] = np.nan

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
    )
