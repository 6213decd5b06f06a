"""The engine in its own thread: commands arrive as queued slots, losses leave coalesced.

The only module in ``engine`` that imports Qt. The worker steps the experiment in short chunks
from a timer in its own thread, so a pause or new settings take effect between two chunks.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from engine.config import ExperimentConfig
from engine.experiment import BatchedExperiment
from engine.inspection import inspect_run
from engine.progress import loss_update, started

CHUNK_SECONDS = 0.008  # longest a chunk of steps holds the worker (and the GIL) at once
EMIT_INTERVAL = 1 / 60  # at most ~60 loss updates a second, whatever the step rate
INSPECT_INTERVAL = 0.25  # the inspector's numbers: a few times a second, readable


class EngineWorker(QObject):
    """Owns a ``BatchedExperiment``; lives in a QThread (``moveToThread``) and has no parent."""

    started = Signal(object)  # ExperimentStarted
    progress = Signal(object)  # LossUpdate
    playing_changed = Signal(bool)
    failed = Signal(str)
    stopped = Signal()
    inspected = Signal(object)  # Inspection of the chosen run, a few times a second

    def __init__(self, config: ExperimentConfig):
        super().__init__()
        self._config = config
        self._reference = False
        self._experiment: BatchedExperiment | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._generation = 0
        self._playing = False
        self._sent = 0  # loss columns already sent
        self._last_emit = 0.0
        self._speed = math.inf  # steps per second
        self._fast = False  # "run to end": full speed whatever the speed setting
        self._play_clock = 0.0
        self._play_steps = 0
        self._step_cost = 1e-4  # running estimate of one step's seconds
        self._inspect: tuple[int, int] | None = None  # (run, flat weight) the inspector follows
        self._last_inspection = 0.0

    # --- commands (queued from the GUI thread) --------------------------------------------

    @Slot()
    def begin(self) -> None:
        """Build the experiment inside the worker thread and announce it."""
        self._restart(self._config)

    @Slot(object)
    def configure(self, config: ExperimentConfig) -> None:
        """New settings: a new experiment at step 0."""
        self._restart(config)

    @Slot()
    def reset(self) -> None:
        self._restart(self._config)

    @Slot(bool)
    def set_reference(self, on: bool) -> None:
        """Train torch.optim twins beside the runs (from step 0, so the experiment restarts)."""
        self._reference = on
        self._restart(self._config)

    @Slot()
    def play(self) -> None:
        self._fast = False
        self._start_playing()

    @Slot()
    def run_to_end(self) -> None:
        self._fast = True
        self._start_playing()

    @Slot()
    def pause(self) -> None:
        self._set_playing(False)
        self._emit()

    @Slot()
    def step_once(self) -> None:
        self._set_playing(False)
        if self._experiment is not None:
            self._attempt(lambda: self._experiment.step(1))
            self._emit()

    @Slot(int, int)
    def set_inspection(self, run: int, weight: int) -> None:
        """Follow ``run`` (and its weight ``weight`` for the update breakdown); -1: nobody."""
        self._inspect = (run, weight) if run >= 0 else None
        self._emit_inspection(force=True)

    @Slot(float)
    def set_speed(self, steps_per_second: float) -> None:
        """Steps a second; ``inf`` (or anything ≤ 0) for as fast as the machine goes."""
        self._speed = steps_per_second if steps_per_second > 0 else math.inf
        if self._timer.isActive():
            self._start_playing()

    @Slot()
    def shutdown(self) -> None:
        """Stop the timer in this thread and hand the object back to the main thread."""
        self._timer.stop()
        self.moveToThread(QCoreApplication.instance().thread())
        self.stopped.emit()

    # --- stepping --------------------------------------------------------------------------

    def _restart(self, config: ExperimentConfig) -> None:
        self._set_playing(False)
        ok, experiment = self._attempt(lambda: BatchedExperiment(config, reference=self._reference))
        if not ok:
            return
        self._config, self._experiment = config, experiment
        self._generation += 1
        self._sent = 0
        self.started.emit(started(self._experiment, self._generation))
        self._emit_inspection(force=True)

    def _start_playing(self) -> None:
        if self._experiment is None or self._experiment.done:
            self._set_playing(False)
            return
        slow = not self._fast and math.isfinite(self._speed)
        # the first step is due at once; after that one every 1/speed seconds
        self._play_clock = time.perf_counter() - (1 / self._speed if slow else 0)
        self._play_steps = 0
        self._timer.start(int(min(max(1000 / self._speed, 10), 500)) if slow else 0)
        self._set_playing(True)

    def _set_playing(self, playing: bool) -> None:
        if not playing:
            self._timer.stop()
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)

    @Slot()
    def _tick(self) -> None:
        if self._fast or not math.isfinite(self._speed):
            wanted = max(1, int(CHUNK_SECONDS / self._step_cost))
        else:
            due = int((time.perf_counter() - self._play_clock) * self._speed) - self._play_steps
            wanted = min(due, max(1, int(CHUNK_SECONDS / self._step_cost)))
        if wanted > 0:
            began = time.perf_counter()
            ok, taken = self._attempt(lambda: self._experiment.step(wanted))
            if ok and taken:
                self._step_cost = 0.8 * self._step_cost + 0.2 * (
                    (time.perf_counter() - began) / taken
                )
                self._play_steps += taken
        if self._experiment.done:
            self._set_playing(False)
            self._emit()
        elif time.perf_counter() - self._last_emit >= EMIT_INTERVAL:
            self._emit()

    def _emit(self) -> None:
        if self._experiment is None:
            return
        update = loss_update(self._experiment, self._generation, self._sent)
        self._sent = update.end
        self._last_emit = time.perf_counter()
        self.progress.emit(update)
        self._emit_inspection(force=not self._playing)

    def _emit_inspection(self, force: bool = False) -> None:
        """The inspector's numbers: on every change when paused, at most 4 a second playing."""
        if self._inspect is None or self._experiment is None:
            return
        now = time.perf_counter()
        if not force and now - self._last_inspection < INSPECT_INTERVAL:
            return
        run, weight = self._inspect
        if run >= len(self._experiment.runs):
            return
        self._last_inspection = now
        ok, inspection = self._attempt(lambda: inspect_run(self._experiment, run, weight))
        if ok:
            self.inspected.emit(inspection)

    def _attempt(self, action):
        """Run ``action`` -> (True, result); on an exception stop playing, report, (False, None)."""
        try:
            return True, action()
        except Exception as err:  # the worker must outlive any bad step or setting
            self._set_playing(False)
            self.failed.emit(f"{type(err).__name__}: {err}")
            return False, None
