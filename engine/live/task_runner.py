"""A reusable :class:`TaskRunner`: tasks on a thread of the window's own process.

A runner owns one QThread and runs tasks there one after another; the GUI thread starts,
interrupts or cancels them, and their reports come back queued into the GUI thread (so tests can
wait on them: pytest-qt #586). Orange3's ``ConcurrentMixin`` is the model: a generation per
task, cooperative cancel through a :class:`~engine.core.tasks.TaskState`, partial results, and a
shutdown that blocks until the thread ends. A view made on its own computes on one; in the
window, views compute on a :class:`~engine.live.remote.RemoteRunner` of the engine process, with
the same API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QMetaObject, QObject, Qt, QThread, Signal, Slot

from engine.core.tasks import TaskCancelled, TaskState
from engine.core.watchdog import stop_when


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
            with stop_when(lambda: state.stop_requested):  # Pause stops a student's loop
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
