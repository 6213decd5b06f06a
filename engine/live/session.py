"""The experiment the window watches, as tasks for one worker thread: build, step, play, inspect.

Qt-free: every method that touches the experiment takes a :class:`TaskState` and runs in the
runner's thread, one task at a time, so the experiment has a single user. What the window sees
leaves through ``task.report``: an :class:`ExperimentStarted`, then :class:`LossUpdate` columns
(at most ~60 a second while playing), :class:`Inspection` of the followed run and
:class:`PlayingChanged`. The settings the window may change during a play loop, ``speed``,
``target``, ``view_step`` and ``sharpness``, are single immutable values read once per
chunk. The experiment is stepped through its :class:`Timeline`, so the inspector can be shown
any step reached so far. In the engine process (:mod:`engine.live.process`) the session also
sets torch's thread count for each experiment it builds (:class:`ThreadChoice`).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from engine.analysis.inspection import inspect_run
from engine.config.settings import ExperimentConfig
from engine.core.history import paths_fit
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.experiment.memory import check_memory, record_buffers, run_count, worst_case_bytes
from engine.live.messages import PlayingChanged, PlayTarget
from engine.live.playing import Player
from engine.live.sharpness import SharpnessSampler
from engine.live.threads import ThreadChoice
from engine.live.timeline import CHECKPOINT_BUDGET, Timeline
from engine.live.updates import loss_update, started

CHUNK_SECONDS = 0.008  # longest a chunk of steps runs before the loop looks at pause and speed
EMIT_INTERVAL = 1 / 60  # ~60 loss updates a second, whatever the step rate: a chunk stops when
# one is due (chunks of 8 ms alone sent one every 24 ms, and the window redrew at 40), and they
# fall due on a fixed beat (timed from the last one, 512 runs with λ sent only 55 a second)
INSPECT_INTERVAL = 0.25  # the inspector's numbers while playing: a few times a second
LONGEST_NAP = 0.05  # a slow play loop sleeps at most this long between looks at its speed


def next_beat(due: float, now: float, interval: float) -> float:
    """The first time after ``now`` on the beat of ``interval`` through ``due``: a beat met a
    little late brings the next one closer, a beat missed wholly is skipped, not sent twice."""
    return due + interval * (math.floor((now - due) / interval) + 1)


class LiveSession:
    """One experiment and what the window has been sent of it."""

    def __init__(self, threads: ThreadChoice | None = None) -> None:
        self.threads = threads  # sets torch's thread count per experiment; None: left alone
        self.experiment: BatchedExperiment | None = None
        self.timeline: Timeline | None = None
        self.generation = 0  # bumped by every build or reset: older updates are stale
        self.speed = math.inf  # steps a second; inf: as fast as the machine goes
        self.target: tuple[int, int] | None = None  # (run, flat weight) the inspector follows
        self.sharpness = False  # compute every run's sharpness (every k steps) while True
        self._sampler: SharpnessSampler | None = None
        self.view_step: int | None = None  # the step the window went back to; None: the latest
        self._sent = 0  # loss columns already reported
        self._step_cost = 1e-4  # running estimate of one step's seconds

    # --- tasks ---------------------------------------------------------------------------

    def build(self, task: TaskState, config: ExperimentConfig, reference: bool) -> None:
        """A new experiment at step 0 for ``config`` (torch.optim twins beside it if asked).
        If only the branches changed (and no twins train), the experiment keeps its past and
        the step it reached instead: new branches are made from their parents' history. Every
        run's path is recorded for the landscape when they fit ``PATH_BUDGET``. One that could
        outgrow the memory available is refused (:func:`live_worst_case`): the experiment
        before it stays."""
        old = self.experiment
        if (
            old is not None
            and old.reference is None
            and not reference
            and same_but_branches(old.config, config)
        ):
            path_size = old.problem.size if old.record_parameters else None
            check_memory(live_worst_case(config, path_size, reference), config)
            self.timeline.rebranch(config)
            self.experiment = self.timeline.experiment
            self._announce(task)
            self._report_losses(task)
            return
        experiment = BatchedExperiment(config, reference=reference)  # its records start small
        size = experiment.problem.size
        recording = paths_fit(len(experiment.runs), config.max_steps, size)
        check_memory(live_worst_case(config, size if recording else None, reference), config)
        if recording:
            experiment.record_parameters = True  # read by reset, which starts the record
            experiment.reset()
        self.experiment = experiment
        self.timeline = Timeline(self.experiment)
        self._announce(task)
        if self.threads is not None:  # after the announcement: the window need not wait
            task.report(self.threads.apply(experiment))

    def reset(self, task: TaskState) -> None:
        if self.experiment is not None:
            self.experiment.reset()
            self.timeline.reset()
            self._announce(task)

    def step(self, task: TaskState) -> None:
        if self.experiment is not None:
            self._advance(1, 1.0)
            self._report_losses(task)
            self.inspect(task)

    def follow_sharpness(self, task: TaskState) -> None:
        """Start or stop computing sharpness as ``self.sharpness`` says: on, at once at the
        current step, and the window hears k; off, no more values are sent."""
        if self.experiment is not None:
            sampler = self._sampler_now()
            if sampler is not None:
                sampler.record(self.speed)
            self._report_losses(task)

    def inspect(self, task: TaskState) -> None:
        """The followed run's numbers at the step viewed (nothing if it follows nobody)."""
        target, experiment, step = self.target, self.experiment, self.view_step
        if target is None or experiment is None or target[0] >= len(experiment.runs):
            return
        if step is None or step >= experiment.steps_taken:
            task.report(inspect_run(experiment, *target))
        else:
            task.report(self.timeline.inspect(step, *target))

    def play(self, task: TaskState, fast: bool = False) -> None:
        """Step until every run has finished or the task is interrupted; ``fast`` ignores the
        speed setting ("run to end"). A slow speed spreads its steps out in time."""
        experiment = self.experiment
        if experiment is None or experiment.done:
            return
        task.report(PlayingChanged(True))
        try:
            self._play_loop(task, experiment, fast)
        finally:
            self._report_losses(task)
            self.inspect(task)
            task.report(PlayingChanged(False))

    def play_until(self, task: TaskState, target: PlayTarget) -> int:
        """Play at full speed until ``target`` (a lesson's step: a step number, or an event
        checked after every step), stopping exactly there, or until interrupted; returns the
        steps taken then. Through the timeline, so checkpoints and sharpness go on as in Play.
        A target reached already plays nothing (the window may ask so to learn the step)."""
        experiment = self.experiment
        if experiment is None:
            return 0
        player = Player(experiment, target, advance=lambda n: self._advance(n, math.inf))
        if player.reached or task.stop_requested:
            self._report_losses(task)
            return experiment.steps_taken
        task.report(PlayingChanged(True))
        try:
            self._play_to(task, player)
        finally:
            self._report_losses(task)
            self.inspect(task)
            task.report(PlayingChanged(False))
        return experiment.steps_taken

    # --- inside ----------------------------------------------------------------------------

    def _play_loop(self, task: TaskState, experiment: BatchedExperiment, fast: bool) -> None:
        speed, clock, played = None, 0.0, 0
        last_inspection = time.perf_counter()
        emit_due = last_inspection + EMIT_INTERVAL
        while not task.stop_requested and not experiment.done:
            now = time.perf_counter()
            if (math.inf if fast else self.speed) != speed:  # new speed: count from now
                speed = math.inf if fast else self.speed
                clock, played = now - (1 / speed if math.isfinite(speed) else 0), 0
            until_emit = emit_due - now  # a chunk ends when an update is due
            most = max(1, int(min(CHUNK_SECONDS, until_emit) / self._step_cost))
            wanted = most
            if math.isfinite(speed):
                wanted = min(int((now - clock) * speed) - played, most)
                if wanted <= 0:
                    task.wait(min((played + 1) / speed - (now - clock), LONGEST_NAP))
                    continue
            taken = self._advance(wanted, speed)
            if taken:
                cost = (time.perf_counter() - now) / taken
                self._step_cost = 0.8 * self._step_cost + 0.2 * cost
                played += taken
            now = time.perf_counter()
            if now >= emit_due:
                self._report_losses(task)
                emit_due = next_beat(emit_due, now, EMIT_INTERVAL)
            if now - last_inspection >= INSPECT_INTERVAL:
                self.inspect(task)
                last_inspection = now

    def _play_to(self, task: TaskState, player: Player) -> None:
        """Chunks of ~CHUNK_SECONDS toward the player's target, losses out ~60 times a second."""
        emit_due = time.perf_counter() + EMIT_INTERVAL
        while not task.stop_requested and not player.reached:
            start = time.perf_counter()
            taken = player.play(max(1, int(CHUNK_SECONDS / self._step_cost)))
            if not taken:
                break
            now = time.perf_counter()
            self._step_cost = 0.8 * self._step_cost + 0.2 * (now - start) / taken
            if now >= emit_due:
                self._report_losses(task)
                emit_due = next_beat(emit_due, now, EMIT_INTERVAL)

    def _sampler_now(self) -> SharpnessSampler | None:
        """The sampler if sharpness is wanted (made for the current experiment), else None."""
        if not self.sharpness:
            self._sampler = None
        elif self._sampler is None or self._sampler.tracker.experiment is not self.experiment:
            self._sampler = SharpnessSampler(self.experiment)
        return self._sampler

    def _advance(self, n: int, speed: float) -> int:
        """Up to ``n`` steps through the timeline (checkpoints kept), sharpness where due."""
        sampler = self._sampler_now()
        if sampler is None:
            return self.timeline.step(n)
        return sampler.step(n, speed, self.timeline.step)

    def _announce(self, task: TaskState) -> None:
        self.generation += 1
        self._sent = 0
        self._sampler = None  # a fresh one, from step 0, when next wanted
        task.report(started(self.experiment, self.generation))
        self.inspect(task)

    def _report_losses(self, task: TaskState) -> None:
        sampler = self._sampler_now()
        tracker = None if sampler is None else sampler.tracker
        update = loss_update(self.experiment, self.generation, self._sent, tracker)
        self._sent = update.end
        task.report(update)


def same_but_branches(old: ExperimentConfig, new: ExperimentConfig) -> bool:
    """The branches alone differ (the same settings again start over, as they always did)."""
    return old.branches != new.branches and replace(old, branches=()) == replace(new, branches=())


def live_worst_case(config: ExperimentConfig, path_size: int | None, reference: bool) -> int:
    """Bytes the window's experiment could reach with every run at max steps: its records
    (with the torch.optim twins' if asked, and sharpness, which the view may turn on at any
    step), the timeline's checkpoints and scratch copy (it replays up to the step viewed), and
    the window's copy of what it is sent (``gui.state.loss_history``: losses, twins' losses,
    rates, λ, preconditioned λ and seed bands; ``gui.landscape.paths``: paths and their
    coordinates, in float64)."""
    live = record_buffers(config, path_size=path_size, sharpness=True, reference=reference)
    scratch = record_buffers(config, path_size=path_size)
    cells = run_count(config) * config.max_steps
    item = np.dtype(config.dtype).itemsize
    window = [cells * item, cells * item, cells * 8, cells * 8, cells * 8]
    if config.seeds > 1:
        window.append(cells // config.seeds * 4 * 8)  # low, median, high, draws alive
    if path_size:
        window += [cells * path_size * 8, cells * 2 * 8]
    return worst_case_bytes((*live, *scratch, *window)) + CHECKPOINT_BUDGET
