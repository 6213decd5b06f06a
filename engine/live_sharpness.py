"""Sharpness for the window's live experiment: every k steps, k chosen from what it costs.

The window asks for it only while its Sharpness view is on. Computed at every step it would
cost several training steps' worth (``benchmarks/sharpness_speed.py``), so at full speed it is
computed every k steps, with k the smallest odd number that keeps the time spent on it below
the time spent training (the step rate then stays at least half of what it is without it).
Odd, because gradient descent at the edge of stability alternates either side of 2/η from one
step to the next: an even k would see one side only. At a slow speed, where computing it at
every step leaves the thread mostly idle, k is 1.
"""

from __future__ import annotations

import math
import time

from engine.experiment import BatchedExperiment
from engine.sharpness import SharpnessTracker

LANCZOS_FROM = 100  # parameters: from about here warm Lanczos beats eigvalsh (the benchmark)
MARGIN = 1.25  # sharpness may take at most 1/MARGIN of the time training takes
SLOW_SHARE = 0.5  # k = 1 while a second of steps and sharpness needs at most this many seconds
SMOOTHING = 0.2  # weight of the newest timing in the running averages


def cadence(step_seconds: float, sharpness_seconds: float, speed: float, current: int = 1) -> int:
    """k, odd: 1 when ``speed`` steps a second with sharpness at each take at most SLOW_SHARE
    of a second; else the smallest odd k with ``sharpness_seconds`` ≤ k·``step_seconds``/MARGIN.
    ``current`` stays while it is at least that and not more than twice it, so that noisy
    timings do not change the sampling every few steps."""
    if math.isfinite(speed) and speed * (step_seconds + sharpness_seconds) <= SLOW_SHARE:
        return 1
    needed = MARGIN * sharpness_seconds / max(step_seconds, 1e-9)
    if current % 2 and needed <= current <= max(1.0, 2.0 * needed):
        return current
    k = max(1, math.ceil(needed))
    return k if k % 2 else k + 1


class SharpnessSampler:
    """A :class:`SharpnessTracker` on the live experiment, stepping it and timing both parts.

    Built when the view turns on; it computes from the current step on (earlier steps stay
    NaN: the live experiment keeps no parameters to go back to).
    """

    def __init__(self, experiment: BatchedExperiment):
        method = "lanczos" if experiment.problem.size >= LANCZOS_FROM else "exact"
        self.tracker = SharpnessTracker(experiment, every=1, method=method)
        self._step_seconds: float | None = None
        self._sharpness_seconds: float | None = None

    @property
    def every(self) -> int:
        """k: sharpness is computed at the steps that are multiples of it."""
        return self.tracker.every

    def step(self, n: int, speed: float) -> int:
        """Up to ``n`` steps of the experiment with sharpness where due, at ``speed`` steps a
        second (``inf``: as fast as it goes); returns the steps taken."""
        experiment = self.tracker.experiment
        self.record(speed)
        taken = 0
        while taken < n:
            began = time.perf_counter()
            if not experiment.step(1):
                break
            self._step_seconds = _averaged(self._step_seconds, time.perf_counter() - began)
            taken += 1
            self.record(speed)
        return taken

    def record(self, speed: float) -> None:
        """Sharpness at the current step if it is due; then k again, from the timings."""
        began = time.perf_counter()
        if not self.tracker.record():
            return
        seconds = time.perf_counter() - began
        self._sharpness_seconds = _averaged(self._sharpness_seconds, seconds)
        if self._step_seconds is not None:
            self.tracker.every = cadence(
                self._step_seconds, self._sharpness_seconds, speed, self.tracker.every
            )


def _averaged(average: float | None, value: float) -> float:
    return value if average is None else (1 - SMOOTHING) * average + SMOOTHING * value
