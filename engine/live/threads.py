"""Torch's thread count in the engine process: whichever measures fastest for the experiment.

A step of the article's 16 runs × 14 parameters is a few hundred small products, each faster on
one thread than on two (waking and joining a second thread costs more than it saves); wide
models and hundreds of runs may go the other way. So the engine times a few steps of a scratch
copy of each new experiment at every thread count it may use and keeps the fastest, once per
experiment size; nobody has to set OMP_NUM_THREADS. It uses one core fewer than the machine
has, as the window paints on that one: on two cores the engine keeps to one thread. (Measured
on two cores: two threads were faster only for 512 runs of 64 hidden units on an idle machine,
1.25 against 1.81 ms a step; as fast for 16 or 512 runs of 3; and up to 7 times slower with
other programs busy.) The count does not change the numbers: torch's products and sums come
out the same to the bit on one thread and on two.
"""

from __future__ import annotations

import math
import os
import time

import torch

from engine.experiment.batched import BatchedExperiment
from engine.live.messages import ThreadsChosen

TRIAL_SECONDS = 0.02  # a thread count is timed this long at a time (after one warm-up step)
TRIAL_STEPS = 2  # and over at least this many steps
ROUNDS = 3  # the counts take turns this many times; each keeps its fastest: on a busy machine
# another program's burst slows one turn, not all three
SLOW_STEP = 0.05  # seconds: a step this slow has work enough for every thread (no trial)


def thread_counts() -> tuple[int, ...]:
    """The counts worth trying: one, and every core this process may use but the window's."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    most = max(1, min((usable or 1) - 1, torch.get_num_threads()))
    return (1,) if most == 1 else (1, most)


def size_of(experiment: BatchedExperiment) -> tuple:
    """What a step's cost depends on: runs, parameters, data and samples a step, dtype."""
    config = experiment.config
    return (
        len(experiment.runs),
        experiment.problem.size,
        config.dataset,
        config.batch_size,
        config.dtype,
    )


def seconds_per_step(scratch: BatchedExperiment, threads: int) -> float:
    """Seconds a step of ``scratch`` takes on ``threads`` threads (it steps on)."""
    torch.set_num_threads(threads)
    began = now = time.perf_counter()
    taken = 0
    while (taken < TRIAL_STEPS or now - began < TRIAL_SECONDS) and scratch.step(1):
        taken += 1
        now = time.perf_counter()
        if now - began > SLOW_STEP * TRIAL_STEPS:
            break
    return (now - began) / taken if taken else math.inf


def _runs_student_code(experiment: BatchedExperiment) -> bool:
    return any(run.optimizer.written_by_user for run in experiment.runs)


class ThreadChoice:
    """Sets torch's thread count for each experiment; measured once per :func:`size_of`."""

    def __init__(self, counts: tuple[int, ...] | None = None):
        self.counts = counts or thread_counts()
        self._chosen: dict[tuple, ThreadsChosen] = {}

    def apply(self, experiment: BatchedExperiment) -> ThreadsChosen:
        """Set the count that measured fastest for ``experiment`` (measuring it if new). An
        experiment with a student's optimizer is not timed, its code not run on a scratch copy
        (it may print, loop or fail): it gets one thread, the fastest for the article's sizes."""
        if _runs_student_code(experiment):
            torch.set_num_threads(min(self.counts))
            return ThreadsChosen(min(self.counts))
        key = size_of(experiment)
        if key not in self._chosen:
            self._chosen[key] = self._measure(experiment)
        chosen = self._chosen[key]
        torch.set_num_threads(chosen.threads)
        return chosen

    def _measure(self, experiment: BatchedExperiment) -> ThreadsChosen:
        """The counts take turns on a scratch copy; the fastest turn of each counts."""
        most = max(self.counts)
        scratch = experiment.fresh_copy()
        torch.set_num_threads(most)
        began = time.perf_counter()
        scratch.step(1)  # warm-up: first-use allocations
        if time.perf_counter() - began >= SLOW_STEP or len(self.counts) == 1:
            return ThreadsChosen(most)
        fastest = {count: math.inf for count in self.counts}
        for _ in range(ROUNDS):
            for count in self.counts:
                fastest[count] = min(fastest[count], seconds_per_step(scratch, count))
        best = min(fastest, key=fastest.get)
        return ThreadsChosen(best, tuple(sorted(fastest.items())))
