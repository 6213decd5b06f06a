"""What the window knows of the running experiment: the engine's reports, kept for the views.

Read-only for everyone but the engine's signals: the experiment that started (its settings are
the ones its losses belong to), the losses received so far, the latest update, and whether the
engine is playing. Updates of an experiment that has since been replaced are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal, Slot

from engine.live.messages import ExperimentStarted, LossUpdate
from engine.optimizers.user_code import CodeFailure
from gui.state.loss_history import LossHistory


class EngineSession(QObject):
    """The latest :class:`ExperimentStarted` and :class:`LossUpdate`, and the losses so far."""

    restarted = Signal(object)  # ExperimentStarted: a fresh experiment at step 0
    advanced = Signal(object)  # LossUpdate of the current experiment
    playing_changed = Signal(bool)
    code_failed = Signal(object)  # CodeFailure: a student's optimizer failed (once each)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._history = LossHistory()
        self._started: ExperimentStarted | None = None
        self._latest: LossUpdate | None = None
        self._playing = False
        self._failures_heard: list[CodeFailure] = []

    @property
    def history(self) -> LossHistory:
        return self._history

    @property
    def started(self) -> ExperimentStarted | None:
        """The experiment being shown (None until the engine has built one)."""
        return self._started

    @property
    def latest(self) -> LossUpdate | None:
        """The newest update of that experiment (None before its first step is reported)."""
        return self._latest

    @property
    def generation(self) -> int:
        return 0 if self._started is None else self._started.generation

    @property
    def failures(self) -> tuple[CodeFailure, ...]:
        """The students' optimizers that failed in this experiment so far, in order heard."""
        return tuple(self._failures_heard)

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def steps_taken(self) -> int:
        return 0 if self._latest is None else self._latest.steps_taken

    @property
    def done(self) -> bool:
        """Every run has finished (converged, diverged or reached max steps)."""
        return self._latest is not None and self._latest.done

    @Slot(object)
    def on_started(self, started: ExperimentStarted) -> None:
        self._started = started
        self._latest = None
        config = started.config
        self._history.clear(len(started.runs), config.dtype, config.seeds, config.max_steps)
        self._failures_heard = []
        self.restarted.emit(started)
        self._hear_failures(started.failures)

    @Slot(object)
    def on_progress(self, update: LossUpdate) -> None:
        if update.generation != self.generation:
            return  # from an experiment that has since been reset or reconfigured
        self._history.apply(update)
        self._latest = update
        self.advanced.emit(update)
        self._hear_failures(update.summaries.failures.values())

    def _hear_failures(self, failures: Iterable[CodeFailure]) -> None:
        """``code_failed`` for each failure not heard of since the experiment started."""
        for failure in failures:
            if failure not in self._failures_heard:
                self._failures_heard.append(failure)
                self.code_failed.emit(failure)

    @Slot(bool)
    def on_playing_changed(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)
