"""The window's copy of every run's losses (and learning rates, twins' losses and sharpness),
in numpy buffers that grow by doubling (:class:`engine.core.growing.GrowingArray`, the doubled
buffer made a few columns per update beforehand, so no frame copies them all); with several
seeds, also each (optimizer, rate)'s median and 10–90 % band (:mod:`engine.experiment.seeds`)."""

from __future__ import annotations

import numpy as np

from engine.core.growing import GrowingArray
from engine.experiment.seeds import seed_bands
from engine.live.messages import LossUpdate

BAND_ROWS = ("low", "median", "high", "alive")
RESERVE_BYTES = 96 * 2**20  # what a new experiment's buffers may take up front
NEVER = np.iinfo(np.int64).max  # a run's rate has not changed


class LossHistory:
    """Losses per run as rows of one buffer; ``steps`` is a matching x axis, never rebuilt.

    With ``seeds`` > 1 every update's new columns also become band columns of their groups
    (runs ``g * seeds`` onwards): a column never changes once received, since every run still
    running has recorded it, so the bands grow as the losses do."""

    def __init__(self, n_runs: int = 0, dtype: str = "float32", seeds: int = 1):
        self.clear(n_runs, dtype, seeds)

    def clear(
        self, n_runs: int, dtype: str = "float32", seeds: int = 1, max_steps: int = 0
    ) -> None:
        """Empty buffers in the engine's dtype, so exported numbers are the engine's to the bit;
        room for ``max_steps`` columns at once when that takes at most RESERVE_BYTES (growing
        hundreds of rows while playing would stall a frame)."""
        groups = n_runs // seeds if seeds > 1 else 0
        per_step = n_runs * (2 * np.dtype(dtype).itemsize + 24) + groups * len(BAND_ROWS) * 8
        capacity = max(1024, min(max_steps, RESERVE_BYTES // max(per_step, 1)))
        rows = (n_runs,)
        self._losses = GrowingArray(rows, dtype=dtype, capacity=capacity)
        self._lrs = GrowingArray(rows, capacity=capacity)
        # the twins' and sharpness buffers take room only once written (see _grown)
        self._reference = GrowingArray(rows, dtype=dtype, capacity=1)
        self._sharpness = GrowingArray(rows, capacity=1)
        self._preconditioned = GrowingArray(rows, capacity=1)
        self._written: list[GrowingArray] = []  # the optional buffers written so far
        self.reference_diff: np.ndarray | None = None
        self.sharpness_every: int | None = None  # k of the latest update; None: not computing
        self.steps = np.arange(capacity, dtype=float)
        self.counts = np.zeros(n_runs, dtype=np.int64)
        self._rate_change = np.full(n_runs, NEVER)  # the first step at another rate than step 0's
        self.rewrites = 0  # updates that wrote columns already received (a timeline seek)
        self.status = np.zeros(n_runs, dtype=np.int8)  # RunStatus values of the latest update
        self.seeds = seeds
        self._bands = GrowingArray((len(BAND_ROWS), groups), capacity=capacity)  # low, median,…

    @property
    def length(self) -> int:
        """Steps recorded by the longest run."""
        return int(self.counts.max()) if self.counts.size else 0

    def apply(self, update: LossUpdate) -> None:
        if update.start < self.length:
            self.rewrites += 1
        self._reserve(update.end)
        columns = slice(update.start, update.end)
        self._losses.array[:, columns] = update.losses
        if update.lrs is not None:
            self._lrs.array[:, columns] = update.lrs
            self._note_rate_changes(update)
        if update.reference_losses is not None:
            self._grown(self._reference, update.end)[:, columns] = update.reference_losses
        if update.sharpness is not None:  # columns computed before the view went on stay
            self._grown(self._sharpness, update.end)[:, columns] = update.sharpness
            self._grown(self._preconditioned, update.end)[:, columns] = update.preconditioned
        self.reference_diff = update.reference_diff
        self.sharpness_every = update.sharpness_every
        self.counts = update.counts.copy()
        self.status = update.summaries.status.copy()
        if self.seeds > 1:
            self._apply_bands(update)
        for buffer in self._in_use:
            buffer.written(update.start, update.end)

    def _note_rate_changes(self, update: LossUpdate) -> None:
        """Where each run's rate first moved from its step 0's, for :meth:`steady_rates`: only
        the update's columns are read, and those written again (a seek) afresh."""
        change = self._rate_change
        change[change >= update.start] = NEVER
        differs = update.lrs != self._lrs.array[:, :1]
        moved = differs.any(axis=1)
        if not moved.any():
            return
        columns = np.arange(update.start, update.end)
        change[moved] = np.minimum(change[moved], columns[differs[moved].argmax(axis=1)])

    def _apply_bands(self, update: LossUpdate) -> None:
        counts, status = self.counts, self.status
        final = np.full(len(counts), np.nan)
        recorded = np.flatnonzero(counts > 0)
        final[recorded] = self._losses.array[recorded, counts[recorded] - 1]
        bands = seed_bands(update.losses, update.start, counts, status, final, self.seeds)
        columns = slice(update.start, update.end)
        for row, values in enumerate((bands.low, bands.median, bands.high, bands.alive)):
            self._bands.array[row, :, columns] = values

    def as_update(self, latest: LossUpdate) -> LossUpdate:
        """Everything received so far as one update from column 0 (for exports)."""
        return LossUpdate(
            generation=latest.generation,
            start=0,
            losses=self._losses.view(self.length).copy(),
            counts=self.counts.copy(),
            summaries=latest.summaries,
            steps_taken=latest.steps_taken,
            done=latest.done,
            lrs=self._lrs.view(self.length).copy(),
            reference_losses=self._reference.view(self.length).copy(),
            reference_diff=self.reference_diff,
            sharpness=self._sharpness.view(self.length).copy(),
            preconditioned=self._preconditioned.view(self.length).copy(),
            sharpness_every=self.sharpness_every,
        )

    def loss_columns(self) -> np.ndarray:
        """(runs, steps) every loss received, column k is step k, NaN where a run recorded
        none (read-only view)."""
        return self._losses.view(self.length)

    def losses(self, run: int) -> np.ndarray:
        """A view of the losses ``run`` recorded so far."""
        return self._losses.array[run, : self.counts[run]]

    def group_length(self, group: int) -> int:
        """Steps recorded by the longest draw of ``group`` (one seed: its run)."""
        seeds = self.seeds
        return int(self.counts[group * seeds : (group + 1) * seeds].max())

    def band(self, group: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Views of ``group``'s (low, median, high) so far (several seeds only)."""
        length = self.group_length(group)
        low, median, high = (self._bands.array[row, group, :length] for row in range(3))
        return low, median, high

    def band_at(self, group: int, step: int) -> tuple[float, float, float, int] | None:
        """(low, median, high, draws contributing) of ``group`` at ``step``; None past it."""
        if not 0 <= step < self.group_length(group):
            return None
        low, median, high, alive = self._bands.array[:, group, step]
        return float(low), float(median), float(high), int(alive)

    def lrs(self, run: int) -> np.ndarray:
        """The learning rate each of those steps used."""
        return self._lrs.array[run, : self.counts[run]]

    def steady_rates(self, runs: np.ndarray) -> np.ndarray:
        """The one learning rate each of ``runs`` has used at every step so far: NaN where it
        changed (a schedule) or the run has taken no step. Kept as updates arrive, so a frame
        reads no run's rates to know it."""
        counts = self.counts[runs]
        first = self._lrs.array[runs, 0]  # a copy (indexed by an array)
        first[(counts == 0) | (self._rate_change[runs] < counts)] = np.nan
        return first

    def reference_losses(self, run: int) -> np.ndarray:
        """The torch.optim twin's losses at the same steps (NaN where it has none)."""
        return self._row(self._reference, run)

    def sharpness(self, run: int) -> np.ndarray:
        """λ at each of those steps, NaN where it was not computed (view off, or between two
        of every k steps)."""
        return self._row(self._sharpness, run)

    def preconditioned(self, run: int) -> np.ndarray:
        """The preconditioned λ at those steps; NaN where not computed or not adaptive."""
        return self._row(self._preconditioned, run)

    def sharpness_rows(self, runs: np.ndarray, preconditioned: bool = False) -> np.ndarray:
        """λ (or the preconditioned λ) of ``runs``, a row each as long as the longest: NaN
        where not computed and past a run's own steps (a copy)."""
        buffer = self._preconditioned if preconditioned else self._sharpness
        counts = self.counts[runs]
        length = int(counts.max()) if len(counts) else 0
        rows = self._columns(buffer, runs, 0, length)
        rows[np.arange(length) >= counts[:, None]] = np.nan
        return rows

    def sharpness_block(
        self, runs: np.ndarray, start: int, end: int, preconditioned: bool = False
    ) -> np.ndarray:
        """λ (or the preconditioned λ) of ``runs`` in columns ``start`` to ``end``, whatever
        each run recorded there (a copy; the caller knows each run's count)."""
        buffer = self._preconditioned if preconditioned else self._sharpness
        return self._columns(buffer, runs, start, end)

    @property
    def nbytes(self) -> int:
        """Memory the buffers hold (all of their room)."""
        buffers = (self._losses, self._lrs, *self._optional, self._bands)
        return sum(buffer.nbytes for buffer in buffers)

    @property
    def _optional(self) -> tuple[GrowingArray, ...]:
        return self._reference, self._sharpness, self._preconditioned

    def _grown(self, buffer: GrowingArray, end: int) -> np.ndarray:
        """An optional buffer's array with room for ``end`` columns. It takes room only once
        written and then doubles on its own, ahead like the losses (see _in_use): a history
        without twins or sharpness copies less when its columns double, and λ from the first
        steps on takes a few columns, not the losses' whole reserve (512 runs: 48 MB of NaN,
        16–19 ms of the first frame with λ)."""
        if buffer not in self._written:
            buffer.reserve(end)
            self._written.append(buffer)
        return buffer.array

    def _row(self, buffer: GrowingArray, run: int) -> np.ndarray:
        """``run``'s values in an optional buffer, NaN where it holds none (never grown by a
        read: a view, or NaN if it was never written so far)."""
        count = int(self.counts[run])
        if buffer.capacity >= count:
            return buffer.array[run, :count]
        return np.full(count, np.nan)

    def _columns(self, buffer: GrowingArray, runs: np.ndarray, start: int, end: int):
        """Columns ``start`` to ``end`` of ``runs`` in an optional buffer (a copy), NaN past
        what it holds."""
        held = buffer.array[runs, start : min(end, buffer.capacity)]
        if held.shape[1] == end - start:
            return held
        columns = np.full((len(runs), end - start), np.nan)
        columns[:, : held.shape[1]] = held
        return columns

    @property
    def _in_use(self) -> tuple[GrowingArray, ...]:
        """The buffers that grow as columns arrive (optional ones once written)."""
        return self._losses, self._lrs, self._bands, *self._written

    def _reserve(self, size: int) -> None:
        for buffer in self._in_use:
            buffer.reserve(size)
        if len(self.steps) < self._losses.capacity:
            self.steps = np.arange(self._losses.capacity, dtype=float)
