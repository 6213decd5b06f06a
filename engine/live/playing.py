"""Playing to a target (a lesson's step): a step number, or an event, stopping exactly there.

The one rule for the window's engine process and the headless walk: a step number is played to
exactly, and an event is checked after every single step, so both stop at the same step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.analysis.sharpness import SharpnessTracker
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from engine.live.messages import PlayTarget


class Player:
    """Steps one experiment toward a :class:`PlayTarget`, through ``advance`` (the live
    session's goes through its timeline) or the experiment's own ``step``."""

    def __init__(
        self,
        experiment: BatchedExperiment,
        target: PlayTarget,
        advance: Callable[[int], int] | None = None,
    ):
        self.experiment, self.target = experiment, target
        self._advance = advance or experiment.step
        self._tracker = None
        if target.play == "threshold":
            self._tracker = SharpnessTracker(experiment)
            self._tracker.record()

    @property
    def reached(self) -> bool:
        """The target is reached, or no step is left to take toward it."""
        experiment, play = self.experiment, self.target.play
        if experiment.done:
            return True
        if isinstance(play, int):
            return experiment.steps_taken >= play
        status = experiment.status
        if play == "divergence":
            return bool((status == RunStatus.DIVERGED).any())
        if play == "converged":
            return bool((status == RunStatus.CONVERGED).any())
        if play == "threshold":
            return self._at_threshold()
        return False  # "end": done, above

    def play(self, most: int) -> int:
        """Take up to ``most`` steps, stopping at the target; the steps taken."""
        if self.reached:
            return 0
        play = self.target.play
        if isinstance(play, int):
            return self._advance(min(most, play - self.experiment.steps_taken))
        if play == "end":
            return self._advance(most)
        taken = 0
        while taken < most and not self.reached:
            if not self._advance(1):
                break
            taken += 1
            if self._tracker is not None:
                self._tracker.record()
        return taken

    def play_to_target(self, chunk: int = 1000) -> int:
        """Play until the target is reached (headless); the steps taken."""
        taken = 0
        while not self.reached:
            done = self.play(chunk)
            if not done:
                break
            taken += done
        return taken

    def _at_threshold(self) -> bool:
        tracker, run = self._tracker, self.target.run
        if tracker is None or not 0 <= run < len(self.experiment.runs):
            return False
        step = int(self.experiment.counts[run])  # the current parameters' column
        computed = tracker.computed
        if step >= computed.shape[1] or not computed[run, step]:
            return False
        value = tracker.effective_sharpness()[run, step]
        return bool(np.isfinite(value) and value >= tracker.thresholds[run])
