"""The window's copy of every run's losses, in numpy buffers that grow by doubling."""

from __future__ import annotations

import numpy as np

from engine.progress import LossUpdate


class LossHistory:
    """Losses per run as rows of one buffer; ``steps`` is a matching x axis, never rebuilt."""

    def __init__(self, n_runs: int = 0, dtype: str = "float32"):
        self.clear(n_runs, dtype)

    def clear(self, n_runs: int, dtype: str = "float32") -> None:
        """Empty buffers in the engine's dtype, so exported numbers are the engine's to the bit."""
        self._losses = np.full((n_runs, 1024), np.nan, dtype=dtype)
        self.steps = np.arange(1024, dtype=float)
        self.counts = np.zeros(n_runs, dtype=np.int64)

    @property
    def length(self) -> int:
        """Steps recorded by the longest run."""
        return int(self.counts.max()) if self.counts.size else 0

    def apply(self, update: LossUpdate) -> None:
        self._reserve(update.end)
        self._losses[:, update.start : update.end] = update.losses
        self.counts = update.counts.copy()

    def as_update(self, latest: LossUpdate) -> LossUpdate:
        """Everything received so far as one update from column 0 (for exports)."""
        return LossUpdate(
            generation=latest.generation,
            start=0,
            losses=self._losses[:, : self.length].copy(),
            counts=self.counts.copy(),
            summaries=latest.summaries,
            steps_taken=latest.steps_taken,
            done=latest.done,
        )

    def losses(self, run: int) -> np.ndarray:
        """A view of the losses ``run`` recorded so far."""
        return self._losses[run, : self.counts[run]]

    def _reserve(self, size: int) -> None:
        capacity = self._losses.shape[1]
        if size <= capacity:
            return
        while capacity < size:
            capacity *= 2
        grown = np.full((self._losses.shape[0], capacity), np.nan, dtype=self._losses.dtype)
        grown[:, : self._losses.shape[1]] = self._losses
        self._losses = grown
        self.steps = np.arange(capacity, dtype=float)
