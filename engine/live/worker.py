"""Engine work for the window: the live experiment (:class:`EngineWorker`, in the engine
process) and a reusable :class:`TaskRunner` (a thread of the window's process).

With :mod:`engine.live.remote`, the only modules in ``engine`` that import Qt. A runner owns one
QThread and runs tasks there one after another; the GUI thread starts, interrupts or cancels
them, and their reports come back queued into the GUI thread (so tests can wait on them:
pytest-qt #586). Orange3's ``ConcurrentMixin`` is the model: a generation per task, cooperative
cancel through a :class:`~engine.core.tasks.TaskState`, partial results, and a shutdown that
blocks until the thread ends. A view made on its own computes on one; in the window, views
compute on a :class:`~engine.live.remote.RemoteRunner` of the engine process, with the same API.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QCoreApplication,
    QMetaObject,
    QObject,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)

from engine.analysis.readings import Inspection
from engine.config.settings import ExperimentConfig
from engine.core.tasks import TaskCancelled, TaskState
from engine.experiment.runs import RunKey
from engine.live.client import EngineProcess
from engine.live.messages import ExperimentStarted, LossUpdate, PlayingChanged, ThreadsChosen
from engine.live.protocol import LIVE, Assign
from engine.live.remote import EngineConnection, RemoteRunner

ANSWER_MS = 400  # Pause and Reset: the play loop yields within this, or its process is replaced


@dataclass(frozen=True, eq=False)
class _Job:
    state: TaskState
    work: Callable[..., object]
    args: tuple = field(default=())


class _Executor(QObject):
    """Lives in the runner's thread and runs the jobs it is sent, in order."""

    reported = Signal(int, object)  # generation, payload
    finished = Signal(int, object)  # generation, the task's return value
    failed = Signal(int, str)

    @Slot(object)
    def run(self, job: _Job) -> None:
        state = job.state
        if state.cancelled:  # superseded before it began
            self.finished.emit(state.generation, None)
            return
        try:
            result = job.work(state, *job.args)
        except TaskCancelled:
            result = None
        except Exception as err:  # the thread must outlive any bad setting or step
            self.failed.emit(state.generation, str(err) or type(err).__name__)
            return
        self.finished.emit(state.generation, result)

    @Slot()
    def shutdown(self) -> None:
        """Hand the object back to the main thread before its thread ends."""
        self.moveToThread(QCoreApplication.instance().thread())


class TaskRunner(QObject):
    """Runs ``work(state, *args)`` in its own thread, one task at a time, in order.

    :meth:`start` cancels every unfinished task (their reports are dropped) and runs a new one;
    :meth:`queue` only interrupts them (what they reported still arrives) and runs after them.
    Signals arrive in the thread the runner lives in, for tasks that were not cancelled.
    """

    reported = Signal(object)  # a partial result
    finished = Signal(object)  # a task's return value
    failed = Signal(str)
    _submit = Signal(object)  # to the executor, queued

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._executor = _Executor()
        self._executor.moveToThread(self._thread)
        self._submit.connect(self._executor.run, Qt.ConnectionType.QueuedConnection)
        queued = Qt.ConnectionType.QueuedConnection
        self._executor.reported.connect(self._on_reported, queued)
        self._executor.finished.connect(self._on_finished, queued)
        self._executor.failed.connect(self._on_failed, queued)
        self._generation = 0
        self._unfinished: dict[int, TaskState] = {}
        app = QCoreApplication.instance()  # safety nets for an owner that forgets shutdown()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.destroyed.connect(functools.partial(_end_thread, self._thread, self._unfinished))

    @property
    def busy(self) -> bool:
        """A task was submitted and has not finished yet."""
        return bool(self._unfinished)

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    @property
    def generation(self) -> int:
        """The newest task's generation (0 before any)."""
        return self._generation

    def start(self, work: Callable[..., object], *args: object) -> int:
        """Cancel every unfinished task and run ``work``; returns its generation."""
        self.cancel()
        return self._enqueue(work, args)

    def queue(self, work: Callable[..., object], *args: object, interrupt: bool = True) -> int:
        """Run ``work`` after the unfinished tasks, interrupting them first unless told not to."""
        if interrupt:
            self.interrupt()
        return self._enqueue(work, args)

    def interrupt(self) -> None:
        for state in self._unfinished.values():
            state.interrupt()

    def cancel(self) -> None:
        for state in self._unfinished.values():
            state.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything, let the running task notice, end the thread and wait for it."""
        self.cancel()
        if not self._thread.isRunning():
            return True
        QMetaObject.invokeMethod(
            self._executor, "shutdown", Qt.ConnectionType.BlockingQueuedConnection
        )
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    def _enqueue(self, work: Callable[..., object], args: tuple) -> int:
        self._generation += 1
        generation = self._generation
        state = TaskState(generation, functools.partial(self._executor.reported.emit, generation))
        self._unfinished[generation] = state
        if not self._thread.isRunning():  # first use, or again after a shutdown
            if self._executor.thread() is not self._thread:
                self._executor.moveToThread(self._thread)
            self._thread.start()
        self._submit.emit(_Job(state, work, args))
        return generation

    def _live(self, generation: int) -> bool:
        state = self._unfinished.get(generation)
        return state is not None and not state.cancelled

    @Slot(int, object)
    def _on_reported(self, generation: int, payload: object) -> None:
        if self._live(generation):
            self.reported.emit(payload)

    @Slot(int, object)
    def _on_finished(self, generation: int, result: object) -> None:
        live = self._live(generation)
        self._unfinished.pop(generation, None)
        if live:
            self.finished.emit(result)

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        live = self._live(generation)
        self._unfinished.pop(generation, None)
        if live:
            self.failed.emit(message)


def _end_thread(thread: QThread, unfinished: dict[int, TaskState], *_) -> None:
    """End ``thread`` when its runner is deleted without ``shutdown()``: the running task is
    cancelled first, so the wait is for one step, not for the task's end."""
    for state in unfinished.values():
        state.cancel()
    try:
        if thread.isRunning():
            thread.quit()
            thread.wait()
    except RuntimeError:  # already gone
        pass


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

    def __init__(self, parent: QObject | None = None, process: EngineProcess | None = None):
        """``process``: an engine process started already (else it starts one)."""
        super().__init__(parent)
        self.connection = EngineConnection(self, process)
        self.connection.died.connect(self._on_died)
        self._live = self.connection.runner(LIVE)
        self._live.reported.connect(self._on_reported)
        self._live.failed.connect(self._on_failed)
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
            self._live.queue("play")

    @Slot()
    def run_to_end(self) -> None:
        if self._alive_or_say():
            self._live.queue("play", True)

    @Slot()
    def pause(self) -> None:
        self._live.interrupt()
        self._await("pause", self._live.unfinished("play"))

    @Slot()
    def step(self) -> None:
        if self._alive_or_say():
            self._live.queue("step")

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
