"""What the engine worker tells the window: plain numpy payloads, no tensors and no Qt."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.config import ExperimentConfig
from engine.experiment import BatchedExperiment, RunKey, RunSummary


@dataclass(frozen=True)
class ExperimentStarted:
    """A fresh experiment at step 0; updates of older generations are stale."""

    generation: int
    config: ExperimentConfig
    runs: tuple[RunKey, ...]


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

    @property
    def end(self) -> int:
        return self.start + self.losses.shape[1]


def loss_update(experiment: BatchedExperiment, generation: int, start: int) -> LossUpdate:
    """Copy what ``experiment`` recorded from column ``start`` on."""
    counts = experiment.counts
    end = int(counts.max()) if counts.size else 0
    return LossUpdate(
        generation=generation,
        start=start,
        losses=experiment.loss_buffer[:, start:end].copy(),
        counts=counts,
        summaries=tuple(experiment.summaries()),
        steps_taken=experiment.steps_taken,
        done=experiment.done,
    )
