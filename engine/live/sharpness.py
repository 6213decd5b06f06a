"""Sharpness for the window's live experiment: every k steps, k chosen from what it costs.

The window asks for it only while its Sharpness view is on. Computed at every step it would
cost several training steps' worth (``benchmarks/sharpness_speed.py``), so at full speed it is
computed every k steps, with k the smallest odd number that keeps the time spent on it below
half the time spent training: the step rate would then stay at two thirds of what it is without
it, and stays above half with what else the sharpness takes (its reports; measured in
``benchmarks/gui_responsiveness.py``).
Odd, because gradient descent at the edge of stability alternates either side of 2/η from one
step to the next: an even k would see one side only. At a slow speed, where computing it at
every step leaves the thread mostly idle, k is 1.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Callable

from engine.analysis.sharpness import SharpnessTracker
from engine.experiment.batched import BatchedExperiment

LANCZOS_FROM = 100  # parameters: from about here warm Lanczos beats eigvalsh (the benchmark)
MARGIN = 2.0  # sharpness may take at most 1/MARGIN of the time that training takes
SLOW_SHARE = 0.5  # k = 1 while a second of steps and sharpness needs at most this many seconds
TIMINGS = 15  # k follows the medians of this many recent timings: one step that waited for
# the CPU (another program's burst) must not change the sampling


def cadence(step_seconds: float, sharpness_seconds: float, speed: float, current: int = 1) -> int:
    """k, odd: 1 when ``speed`` steps a second with sharpness at each take at most SLOW_SHARE
    of a second; else the smallest odd k with ``sharpness_seconds`` ≤ k·``step_seconds``/MARGIN.
    ``current`` stays while it is at least that and not more than three times it, so that
    noisy timings do not change the sampling (and the label saying it) every few steps."""
    if math.isfinite(speed) and speed * (step_seconds + sharpness_seconds) <= SLOW_SHARE:
        return 1
    needed = MARGIN * sharpness_seconds / max(step_seconds, 1e-9)
    if current % 2 and needed <= current <= max(1.0, 3.0 * needed):
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
        self._step_seconds: deque[float] = deque(maxlen=TIMINGS)
        self._sharpness_seconds: deque[float] = deque(maxlen=TIMINGS)

    @property
    def every(self) -> int:
        """k: sharpness is computed at the steps that are multiples of it."""
        return self.tracker.every

    def step(self, n: int, speed: float, advance: Callable[[int], int] | None = None) -> int:
        """Up to ``n`` steps of the experiment with sharpness where due, at ``speed`` steps a
        second (``inf``: as fast as it goes); returns the steps taken. ``advance(k)`` takes the
        steps (default: the experiment's own ``step``; the window's timeline keeps checkpoints)."""
        advance = advance or self.tracker.experiment.step
        self.record(speed)
        taken = 0
        while taken < n:
            began = time.perf_counter()
            if not advance(1):
                break
            self._step_seconds.append(time.perf_counter() - began)
            taken += 1
            self.record(speed)
        return taken

    def record(self, speed: float) -> None:
        """Sharpness at the current step if it is due; then k again, from the timings."""
        began = time.perf_counter()
        if not self.tracker.record():
            return
        self._sharpness_seconds.append(time.perf_counter() - began)
        if self._step_seconds:
            self.tracker.every = cadence(
                statistics.median(self._step_seconds),
                statistics.median(self._sharpness_seconds),
                speed,
                self.tracker.every,
            )
