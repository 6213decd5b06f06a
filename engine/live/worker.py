"""The window's live experiment, computed in the engine process (:class:`EngineWorker`): the
client the window drives, with the signals its views connect to.

With :mod:`engine.live.remote` and :mod:`engine.live.task_runner`, the only modules in
``engine`` that import Qt.
"""

from __future__ import annotations

import math

from PySide6.QtCore import (
    QObject,
    QTimer,
    Signal,
    Slot,
)

from engine.analysis.readings import Inspection
from engine.config.settings import ExperimentConfig
from engine.experiment.runs import RunKey
from engine.live.client import EngineProcess
from engine.live.messages import (
    ExperimentStarted,
    LossUpdate,
    PlayingChanged,
    PlayTarget,
    ThreadsChosen,
)
from engine.live.protocol import LIVE, Assign
from engine.live.remote import EngineConnection, RemoteRunner

ANSWER_MS = 400  # Pause and Reset: the play loop yields within this, or its process is replaced


class EngineWorker(QObject):
    """The window's live experiment, computed in the engine process: commands become tasks of
    its live service, reports come back as typed signals in the GUI thread.

    If the process dies, :attr:`died` says so in one line and the worker keeps the experiment's
    settings for :meth:`restart` (Reset restarts too). Pause and Reset are answered within
    ``ANSWER_MS`` even while one step takes far longer: a process whose play loop (or, for
    Reset, whatever task but a build it had begun) is still at it by then is replaced by a new
    one (Reset then builds the experiment again at step 0; after Pause there is no experiment
    until a restart, and :attr:`died` says why). Tasks it has not begun (it may still be
    starting) are not waited for: an interrupted task ends as soon as it begins.
    """

    started = Signal(object)  # ExperimentStarted
    progress = Signal(object)  # LossUpdate
    playing_changed = Signal(bool)
    inspected = Signal(object)  # Inspection of the followed run
    failed = Signal(str)
    died = Signal(str)  # what happened to the engine, one line; restart() starts it again
    played = Signal(int)  # play_until has stopped (at its target, or interrupted): steps taken

    def __init__(self, parent: QObject | None = None, process: EngineProcess | None = None):
        """``process``: an engine process started already (else it starts one)."""
        super().__init__(parent)
        self.connection = EngineConnection(self, process)
        self.connection.died.connect(self._on_died)
        self._live = self.connection.runner(LIVE)
        self._live.reported.connect(self._on_reported)
        self._live.failed.connect(self._on_failed)
        self._live.finished.connect(self._on_finished)
        self._playing_to: int | None = None  # the play_until task awaited, by generation
        self._settings: dict[str, object] = {}  # the live session's, for a new process too
        self._experiment: tuple[ExperimentConfig, bool] | None = None  # the last configure
        self._runs: tuple[RunKey, ...] = ()  # of the newest experiment announced
        self._generation = 0  # the newest experiment's; a new process numbers on from it
        self._playing = False
        self._death: str | None = None  # why there is no experiment, until a restart
        self._threads: ThreadsChosen | None = None
        self._awaited: tuple[int, ...] = ()  # live tasks Pause or Reset wait for, if begun
        self._answer = QTimer(self)
        self._answer.setSingleShot(True)
        self._answer.setInterval(ANSWER_MS)
        self._answer.timeout.connect(self._on_no_answer)
        self._no_answer = ""  # what to do then: "pause" or "reset"

    @property
    def running(self) -> bool:
        """The engine process is up."""
        return self.connection.alive

    @property
    def death(self) -> str | None:
        """Why the engine has no experiment (it died, or did not pause), or None."""
        return self._death

    @property
    def threads(self) -> ThreadsChosen | None:
        """Torch's thread count the engine chose for the experiment, and what it measured."""
        return self._threads

    def runner(self, service: str) -> RemoteRunner:
        """A runner with :class:`TaskRunner`'s API for ``service`` of the engine process."""
        return self.connection.runner(service)

    # --- commands ------------------------------------------------------------------------------

    @Slot(object, bool)
    def configure(self, config: ExperimentConfig, reference: bool = False) -> None:
        """A new experiment at step 0 (with torch.optim twins if ``reference``)."""
        self._experiment = (config, reference)
        if self._death is not None or not self.connection.alive:
            self._revive()
        self._live.queue("build", config, reference)

    @Slot()
    def restart(self) -> None:
        """The last experiment again at step 0, in a new process if the old one has gone."""
        self._revive()
        if self._experiment is not None:
            self._live.queue("build", *self._experiment)

    @Slot()
    def play(self) -> None:
        if self._alive_or_say():
            self._queue_play("play")

    @Slot()
    def run_to_end(self) -> None:
        if self._alive_or_say():
            self._queue_play("play", True)

    def play_until(self, target: PlayTarget) -> None:
        """Play at full speed to ``target`` (a step number or an event, see
        :class:`engine.live.playing.Player`), stopping exactly there; :attr:`played` says the
        steps taken once it has stopped (also when interrupted by Pause, Reset or new settings)."""
        if self._alive_or_say():
            self._playing_to = self._queue_play("play_until", target)

    @Slot()
    def pause(self) -> None:
        self._live.interrupt()
        self._await("pause", self._plays())

    @Slot()
    def step(self) -> None:
        if self._alive_or_say():
            self._queue_play("step")

    def _plays(self) -> tuple[int, ...]:
        return self._live.unfinished("play") + self._live.unfinished("play_until")

    def _queue_play(self, name: str, *args: object) -> int:
        """After the unfinished tasks, interrupting a play but never a build (interrupted, a
        student's optimizer would fail in its init: Space pressed just after an edit)."""
        return self._live.queue(name, *args, interrupt=bool(self._plays()))

    @Slot()
    def reset(self) -> None:
        """Step 0 of the same experiment (after a death: :meth:`restart`)."""
        if self._death is not None:
            self.restart()
            return
        building = set(self._live.unfinished("build"))  # a build ends at step 0 anyway
        self._await("reset", tuple(set(self._live.unfinished()) - building))
        self._live.queue("reset")

    @Slot(float)
    def set_speed(self, steps_per_second: float) -> None:
        """Steps a second; ``inf`` (or anything ≤ 0) for as fast as the machine goes."""
        self._assign("speed", steps_per_second if steps_per_second > 0 else math.inf)

    @Slot(bool)
    def set_sharpness(self, on: bool) -> None:
        """Compute every run's sharpness while ``on`` (every k steps, k from its cost; the
        updates say k), from the current step on; off: no more values are computed or sent."""
        self._assign("sharpness", on)
        self._live.queue("follow_sharpness", interrupt=False)

    @Slot(int)
    def set_view_step(self, step: int) -> None:
        """Show the inspector the step ``step`` (replayed from the timeline); -1: the latest."""
        self._assign("view_step", step if step >= 0 else None)
        self._live.queue("inspect", interrupt=False)

    @Slot(int, int)
    def set_inspection(self, run: int, weight: int) -> None:
        """Follow ``run`` (and its weight ``weight`` in the update breakdown); -1: nobody."""
        self._assign("target", (run, weight) if run >= 0 else None)
        self._live.queue("inspect", interrupt=False)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """End the engine process within ``timeout_ms`` (the window calls this on close)."""
        self._answer.stop()
        return self.connection.shutdown(timeout_ms)

    # --- inside --------------------------------------------------------------------------------

    def _assign(self, name: str, value: object) -> None:
        self._settings[name] = value
        self.connection.send(Assign(LIVE, name, value))

    def _revive(self) -> None:
        """A process that has the live settings and numbers experiments on from the newest."""
        self._death = None
        if not self.connection.alive:
            self.connection.start()
        for name, value in {**self._settings, "generation": self._generation}.items():
            self.connection.send(Assign(LIVE, name, value))

    def _alive_or_say(self) -> bool:
        """True if there is an experiment to command; else say again why there is none."""
        if self._death is not None:
            self.died.emit(self._death)
        return self._death is None

    def _await(self, command: str, generations: tuple[int, ...]) -> None:
        """Pause or Reset: ``generations``, if begun, must end within ANSWER_MS."""
        if generations:
            self._no_answer, self._awaited = command, generations
            self._answer.start()

    @Slot()
    def _on_no_answer(self) -> None:
        """The play loop did not yield (one step takes longer): replace the process."""
        if not set(self._awaited) & set(self._live.begun()):
            return
        self.connection.restart()
        self._revive()
        self._set_playing(False)
        if self._no_answer == "reset" and self._experiment is not None:
            self._live.queue("build", *self._experiment)
        else:
            self._death = (
                f"The engine did not pause within {ANSWER_MS / 1000:g} s (a step takes longer), "
                "so it was stopped"
            )
            self.died.emit(self._death)

    @Slot(str)
    def _on_died(self, description: str) -> None:
        self._answer.stop()
        self._death = description
        self._set_playing(False)
        self.died.emit(description)

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        awaited = self._playing_to
        if awaited is not None and awaited not in self._live.unfinished():
            self._playing_to = None  # the tasks end in order: this was the play_until's end
            if isinstance(result, int):
                self.played.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._death is None:  # a task lost with its process: died has said so
            self.failed.emit(message)

    def _set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)

    @Slot(object)
    def _on_reported(self, payload: object) -> None:
        if isinstance(payload, LossUpdate):
            if payload.generation == self._generation:  # else: of a replaced experiment
                self.progress.emit(payload.with_runs(self._runs))
        elif isinstance(payload, ExperimentStarted):
            self._runs, self._generation = payload.runs, payload.generation
            self.started.emit(payload)
        elif isinstance(payload, PlayingChanged):
            self._set_playing(payload.playing)
        elif isinstance(payload, Inspection):
            self.inspected.emit(payload)
        elif isinstance(payload, ThreadsChosen):
            self._threads = payload
