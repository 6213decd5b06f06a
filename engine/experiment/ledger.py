"""What each run of an experiment has recorded (losses, rates, path) and how it stands.

:class:`engine.experiment.batched.BatchedExperiment` moves the tensors; this keeps the books: which
column a run's next loss goes in, and when it converged, diverged, ran out of steps or, for a
branch, waited and never started.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.core.growing import GrowingArray
from engine.core.history import ParameterHistory
from engine.experiment.runs import RunKey, RunStatus, RunSummary, StepState
from engine.optimizers.user_code import CodeFailure


class RunLedger:
    """Losses and rates per run and step, each run's count, status and the step it was decided
    at, and its path when ``path_size`` (parameters per run) is given. The base runs (the first
    ``n_base``) start running; the branches after them wait for their step. The records grow
    with the steps taken (:class:`~engine.core.growing.GrowingArray`), up to ``max_steps``."""

    def __init__(
        self,
        runs: list[RunKey],
        n_base: int,
        max_steps: int,
        stop_loss: float,
        dtype: type[np.floating],
        path_size: int | None = None,
    ):
        n_runs = len(runs)
        self.runs, self.n_base = runs, n_base
        self.max_steps, self.stop_loss = max_steps, stop_loss
        self.starts = np.array([r.start for r in runs], dtype=np.int64)
        self._losses = GrowingArray((n_runs,), dtype=dtype, limit=max_steps)
        self._lrs = GrowingArray((n_runs,), limit=max_steps)  # the rate each step used
        self.counts = np.zeros(n_runs, dtype=np.int64)
        self.status = np.full(n_runs, RunStatus.RUNNING, dtype=np.int8)
        self.status[n_base:] = RunStatus.WAITING
        self.status_step = np.full(n_runs, -1, dtype=np.int64)
        self.failures: dict[int, CodeFailure] = {}  # row: why its optimizer's code failed
        self.history = None
        if path_size is not None:
            self.history = ParameterHistory(n_runs, path_size, max_steps, dtype)

    @property
    def steps(self) -> int:
        """The most losses any run has recorded: the columns the records span."""
        return int(self.counts.max()) if self.counts.size else 0

    @property
    def losses(self) -> np.ndarray:
        """(runs, steps) losses, NaN where a run recorded none; column k is step k. Read-only."""
        return self._losses.view(self.steps)

    @property
    def lrs(self) -> np.ndarray:
        """(runs, steps) the learning rate each recorded step trained with. Read-only."""
        return self._lrs.view(self.steps)

    @property
    def nbytes(self) -> int:
        """Memory the records hold: losses, rates and paths."""
        paths = 0 if self.history is None else self.history.nbytes
        return self._losses.nbytes + self._lrs.nbytes + paths

    @property
    def waiting(self) -> np.ndarray:
        """(runs,) True for each branch still waiting for its step."""
        return self.status == RunStatus.WAITING

    def summary(self, run: int) -> RunSummary:
        """Where row ``run`` stands now."""
        count = int(self.counts[run])
        status = RunStatus(int(self.status[run]))
        return RunSummary(
            run=self.runs[run],
            steps=count,
            final_loss=float(self._losses.array[run, count - 1])
            if count > self.starts[run]
            else None,
            status=status,
            status_step=None
            if status in (RunStatus.RUNNING, RunStatus.WAITING)
            else int(self.status_step[run]),
            failure=self.failures.get(run),
        )

    def paths(self) -> np.ndarray:
        """A read-only (runs, steps, P) view of the recorded paths, ``steps`` the most any run
        has recorded; ``ValueError`` when paths are not kept."""
        if self.history is None:
            raise ValueError(
                "parameters are not recorded: make the experiment with record_parameters=True"
            )
        return self.history.view(self.steps)

    # --- a step ----------------------------------------------------------------------------

    def record(
        self,
        active: np.ndarray,
        loss: np.ndarray,
        finite: np.ndarray,
        lr: np.ndarray,
        params: torch.Tensor,
    ) -> None:
        """Record the ``active`` runs' finite losses, the rates ``lr`` they trained at and
        their ``params`` (runs, P); mark divergence, convergence and the step limit."""
        recorded = active & finite
        diverged = active & ~finite
        if diverged.any():
            self.status[diverged] = RunStatus.DIVERGED
            self.status_step[diverged] = self.counts[diverged]

        rows = np.flatnonzero(recorded)
        counts = self.counts[rows]
        if rows.size:
            end = int(counts.max()) + 1
            self._losses.reserve(end)
            self._lrs.reserve(end)
        self._losses.array[rows, counts] = loss[rows]
        self._lrs.array[rows, counts] = lr[rows]
        if self.history is not None:
            self.history.record(rows, counts, params.numpy())
        counts += 1
        self.counts[rows] = counts

        converged = loss[rows].astype(np.float64) <= self.stop_loss
        finished = converged | (counts >= self.max_steps)
        if finished.any():
            done = rows[finished]
            self.status[done] = np.where(
                converged[finished], RunStatus.CONVERGED, RunStatus.MAX_STEPS
            )
            self.status_step[done] = counts[finished] - 1
        if self.n_base < len(self.runs):
            self._mark_unreached(diverged)

    def _mark_unreached(self, diverged: np.ndarray) -> None:
        """A branch that diverged at its birth, or waits for a parent that has stopped, never
        starts: its parent had stopped (or diverged) by its step."""
        branch = np.arange(len(self.runs)) >= self.n_base
        at_birth = diverged & branch & (self.counts == self.starts)
        parents = np.array([-1 if r.parent is None else r.parent for r in self.runs])
        orphaned = self.waiting & branch
        orphaned[branch] &= self.status[parents[branch]] != RunStatus.RUNNING
        unreached = at_birth | orphaned
        if unreached.any():
            self.status[unreached] = RunStatus.UNREACHED
            self.status_step[unreached] = self.starts[unreached]
            self.counts[unreached] = 0  # it recorded nothing

    def fail(self, rows: slice, failure: CodeFailure) -> np.ndarray:
        """The runs of ``rows`` (a slice) still running (or, for ``init``, starting) stop with an
        ERROR at ``failure.step``; the others keep how they ended. Returns the rows marked."""
        rows = np.arange(len(self.runs))[rows]
        alive = (self.status[rows] == RunStatus.RUNNING) | (self.status[rows] == RunStatus.WAITING)
        marked = rows[alive]
        self.status[marked] = RunStatus.ERROR
        self.status_step[marked] = failure.step
        for row in marked:
            self.failures[int(row)] = failure
        return marked

    # --- branches --------------------------------------------------------------------------

    def due(self, step: int) -> np.ndarray:
        """The rows of the branches waiting to be made at ``step``."""
        return np.flatnonzero(self.waiting & (self.starts == step))

    def parent_running(self, row: int) -> bool:
        """Whether a branch's parent still trains, so the branch can be made from it."""
        return self.status[self.runs[row].parent] == RunStatus.RUNNING

    def never_started(self, row: int) -> None:
        """A branch whose parent had stopped by its step: it is never made."""
        self.status[row], self.status_step[row] = RunStatus.UNREACHED, self.runs[row].start

    def started(self, row: int) -> None:
        """A branch made at its step: it runs on from its parent's count there."""
        self.counts[row], self.status[row] = self.runs[row].start, RunStatus.RUNNING

    # --- going back ------------------------------------------------------------------------

    def restore(self, state: StepState, steps_taken: int) -> None:
        """Back from ``steps_taken`` steps to ``state``'s: its counts and statuses, and the
        losses and rates recorded from its step on cleared."""
        if steps_taken > state.steps_taken:
            cleared = slice(state.steps_taken, steps_taken)
            self._losses.array[:, cleared] = np.nan
            self._lrs.array[:, cleared] = np.nan
        self.counts[:] = state.counts
        self.status[:] = state.status
        self.status_step[:] = state.status_step
        self.failures = dict(state.failures)

    def copy_rows(self, other: RunLedger, rows: list[int], their_rows: list[int]) -> None:
        """``other``'s losses, rates (and paths, when both keep them) of ``their_rows`` as
        those of ``rows``."""
        self._losses.copy_rows(other._losses, rows, their_rows)
        self._lrs.copy_rows(other._lrs, rows, their_rows)
        if self.history is not None and other.history is not None:
            self.history.copy_rows(other.history, rows, their_rows)
