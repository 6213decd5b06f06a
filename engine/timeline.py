"""An experiment's past, to travel in: its whole state every few steps, replayed exactly between.

The engine is deterministic, so a checkpoint every ``interval`` steps is all the history a seek
needs: to show step k, a scratch copy of the experiment loads the checkpoint at or before k and
replays the steps in between (fewer than ``interval``), which gives the parameters, gradient,
optimizer state and loss at k bit for bit. Parameters are not kept at every step: replaying
15 steps is about as fast as reading them back, and the memory stays bounded for wide models.
The checkpoints take at most ``budget`` bytes: the interval doubles from 16 until they fit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.experiment import BatchedExperiment, RunStatus, RunSummary, StepState
from engine.inspection import Inspection, inspect_run

SHORTEST_INTERVAL = 16  # steps between checkpoints, unless the budget asks for more
CHECKPOINT_BUDGET = 64 * 2**20  # bytes of checkpoints an experiment keeps at most


def checkpoint_interval(state_bytes: int, max_steps: int, budget: int = CHECKPOINT_BUDGET) -> int:
    """The shortest interval (16 · 2ⁿ steps) at which checkpoints of ``state_bytes`` each, one
    per interval up to ``max_steps``, fit in ``budget``."""
    interval = SHORTEST_INTERVAL
    while (max_steps // interval + 1) * state_bytes > budget and interval < max_steps:
        interval *= 2
    return interval


class Timeline:
    """Steps ``experiment`` (call :meth:`step`, not the experiment's own) and keeps its state at
    every multiple of :attr:`interval`, so that :meth:`seek` can go back to any step so far."""

    def __init__(self, experiment: BatchedExperiment, budget: int = CHECKPOINT_BUDGET):
        self.experiment = experiment
        self.budget = budget
        self._scratch: BatchedExperiment | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the past: for the experiment just reset (or configured) at step 0."""
        state = self.experiment.save_state()
        self.interval = checkpoint_interval(
            state.nbytes, self.experiment.config.max_steps, self.budget
        )
        self._checkpoints: dict[int, StepState] = {state.steps_taken: state}
        self._scratch = None  # its settings may have changed

    @property
    def furthest(self) -> int:
        """The furthest step reached: the experiment's own."""
        return self.experiment.steps_taken

    @property
    def checkpoints(self) -> tuple[int, ...]:
        """The steps whose state is kept, in order."""
        return tuple(sorted(self._checkpoints))

    @property
    def nbytes(self) -> int:
        """Memory held for the past: checkpoints and the scratch copy's buffers."""
        held = sum(state.nbytes for state in self._checkpoints.values())
        if self._scratch is not None:
            held += self._scratch.loss_buffer.nbytes + self._scratch.lr_buffer.nbytes
        return held

    # --- going on ----------------------------------------------------------------------------

    def step(self, n: int = 1) -> int:
        """Advance the experiment by up to ``n`` steps, keeping checkpoints on the way."""
        taken = 0
        while taken < n:
            to_boundary = self.interval - self.experiment.steps_taken % self.interval
            done = self.experiment.step(min(n - taken, to_boundary))
            if not done:
                break
            taken += done
            self._keep()
        return taken

    def run_to_end(self) -> None:
        while self.step(self.interval):
            pass

    def _keep(self) -> None:
        step = self.experiment.steps_taken
        if step % self.interval == 0 and step not in self._checkpoints:
            self._checkpoints[step] = self.experiment.save_state()

    # --- going back --------------------------------------------------------------------------

    def seek(self, step: int) -> BatchedExperiment:
        """A copy of the experiment after ``step`` steps (clamped to 0 … :attr:`furthest`),
        loaded from the nearest checkpoint and replayed. Read it, do not step it: the copy is
        reused by the next seek."""
        step = min(max(int(step), 0), self.furthest)
        scratch = self._scratch
        if scratch is None:
            scratch = self._scratch = self.experiment.fresh_copy()
        start = max(s for s in self._checkpoints if s <= step)
        if not start <= scratch.steps_taken <= step:  # replay from where it is when it can
            scratch.load_state(self._checkpoints[start])
        scratch.step(step - scratch.steps_taken)
        return scratch

    def inspect(self, step: int, run: int, weight: int) -> Inspection:
        """What the inspector shows of ``run`` after ``step`` steps: its parameters, gradient,
        optimizer state and loss there, and the update it made next (of flat ``weight``)."""
        return replace(inspect_run(self.seek(step), run, weight), view_step=step)


def summaries_at(
    summaries: tuple[RunSummary, ...], losses: np.ndarray, step: int
) -> tuple[RunSummary, ...]:
    """The runs as they stood after ``step`` steps, from their final ``summaries`` and the
    ``losses`` buffer (runs × steps, column k is step k): a run that went on past ``step`` was
    running then, with its loss at ``step - 1`` the latest."""
    out = []
    for summary in summaries:
        if summary.status is RunStatus.RUNNING or summary.steps > step:
            count = min(summary.steps, step)
            latest = float(losses[summary.run.index, count - 1]) if count else None
            summary = RunSummary(summary.run, count, latest, RunStatus.RUNNING, None)
        out.append(summary)
    return tuple(out)
