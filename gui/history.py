"""The window's copy of every run's losses (and learning rates, twins' losses and sharpness),
in numpy buffers that grow by doubling."""

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
        self._lrs = np.full((n_runs, 1024), np.nan)
        self._reference = np.full((n_runs, 1024), np.nan, dtype=dtype)
        self._sharpness = np.full((n_runs, 1024), np.nan)
        self._preconditioned = np.full((n_runs, 1024), np.nan)
        self.reference_diff: np.ndarray | None = None
        self.sharpness_every: int | None = None  # k of the latest update; None: not computing
        self.steps = np.arange(1024, dtype=float)
        self.counts = np.zeros(n_runs, dtype=np.int64)

    @property
    def length(self) -> int:
        """Steps recorded by the longest run."""
        return int(self.counts.max()) if self.counts.size else 0

    def apply(self, update: LossUpdate) -> None:
        self._reserve(update.end)
        columns = slice(update.start, update.end)
        self._losses[:, columns] = update.losses
        if update.lrs is not None:
            self._lrs[:, columns] = update.lrs
        if update.reference_losses is not None:
            self._reference[:, columns] = update.reference_losses
        if update.sharpness is not None:  # columns computed before the view went on stay
            self._sharpness[:, columns] = update.sharpness
            self._preconditioned[:, columns] = update.preconditioned
        self.reference_diff = update.reference_diff
        self.sharpness_every = update.sharpness_every
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
            lrs=self._lrs[:, : self.length].copy(),
            reference_losses=self._reference[:, : self.length].copy(),
            reference_diff=self.reference_diff,
            sharpness=self._sharpness[:, : self.length].copy(),
            preconditioned=self._preconditioned[:, : self.length].copy(),
            sharpness_every=self.sharpness_every,
        )

    def loss_columns(self) -> np.ndarray:
        """(runs, steps) every loss received, column k is step k, NaN where a run recorded
        none (read-only view)."""
        view = self._losses[:, : self.length]
        view.flags.writeable = False
        return view

    def losses(self, run: int) -> np.ndarray:
        """A view of the losses ``run`` recorded so far."""
        return self._losses[run, : self.counts[run]]

    def lrs(self, run: int) -> np.ndarray:
        """The learning rate each of those steps used."""
        return self._lrs[run, : self.counts[run]]

    def reference_losses(self, run: int) -> np.ndarray:
        """The torch.optim twin's losses at the same steps (NaN where it has none)."""
        return self._reference[run, : self.counts[run]]

    def sharpness(self, run: int) -> np.ndarray:
        """λ at each of those steps, NaN where it was not computed (view off, or between two
        of every k steps)."""
        return self._sharpness[run, : self.counts[run]]

    def preconditioned(self, run: int) -> np.ndarray:
        """The preconditioned λ at those steps; NaN where not computed or not adaptive."""
        return self._preconditioned[run, : self.counts[run]]

    def _reserve(self, size: int) -> None:
        capacity = self._losses.shape[1]
        if size <= capacity:
            return
        while capacity < size:
            capacity *= 2
        buffers = (self._losses, self._lrs, self._reference, self._sharpness, self._preconditioned)
        self._losses, self._lrs, self._reference, self._sharpness, self._preconditioned = (
            _grown(buffer, capacity) for buffer in buffers
        )
        self.steps = np.arange(capacity, dtype=float)


def _grown(buffer: np.ndarray, capacity: int) -> np.ndarray:
    grown = np.full((buffer.shape[0], capacity), np.nan, dtype=buffer.dtype)
    grown[:, : buffer.shape[1]] = buffer
    return grown
