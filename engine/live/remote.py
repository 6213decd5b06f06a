"""The engine process for Qt: its replies as signals in the GUI thread, and runners backed by it.

:class:`EngineConnection` owns the window's engine process (:class:`EngineProcess`): it starts
it, hands each reply to the :class:`RemoteRunner` of its service, says when the process died,
and starts a new one when asked. A :class:`RemoteRunner` has :class:`TaskRunner`'s API and
signals, so a view that computes on one need not know in which process its tasks run; its
tasks are module-level functions (or names of the service host's methods), pickled by name.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from engine.live.client import EngineProcess
from engine.live.protocol import (
    LIVE,
    Began,
    Failed,
    Finished,
    Ready,
    Reported,
    Stop,
    Submit,
    Work,
)

NOT_RUNNING = "the engine process is not running"


class _Inbox(QObject):
    """Carries the reader thread's callbacks into the GUI thread (queued: another thread)."""

    message = Signal(object, object)  # the token of the process it came from, the message
    exited = Signal(object, str)  # the token of the process, what happened


class EngineConnection(QObject):
    """The window's engine process and the runners of its services."""

    died = Signal(str)  # one line: how the process ended, when nobody asked it to
    ready = Signal(int)  # a new process's pid, once it reads commands

    def __init__(self, parent: QObject | None = None, process: EngineProcess | None = None):
        """``process``: one started already (see :mod:`engine.live.client`); else a new one."""
        super().__init__(parent)
        self._inbox = _Inbox()
        self._inbox.message.connect(self._on_message)
        self._inbox.exited.connect(self._on_exit)
        self._runners: dict[str, RemoteRunner] = {}
        self._process: EngineProcess | None = None
        self._token: object = None
        self.pid: int | None = None  # the current process's, once it has said it is ready
        app = QCoreApplication.instance()  # a safety net for an owner that forgets shutdown()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.start(process)

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.alive

    def runner(self, service: str) -> RemoteRunner:
        """The runner of ``service`` (one per service, made on first use)."""
        if service not in self._runners:
            self._runners[service] = RemoteRunner(self, service)
        return self._runners[service]

    def start(self, process: EngineProcess | None = None) -> None:
        """Start an engine process (or take ``process``) if none runs."""
        if self._process is None:
            token = self._token = object()  # tells this process's replies from an older one's
            self._process = process or EngineProcess()
            self._process.listen(
                lambda message: self._inbox.message.emit(token, message),
                lambda description: self._inbox.exited.emit(token, description),
            )
            self.pid = None

    def send(self, command: object) -> bool:
        return self._process is not None and self._process.send(command)

    def restart(self) -> None:
        """Kill the process (a task that will not yield) and start another. The live
        experiment's tasks went with it (they act on its session); the others, functions of
        their arguments alone (a map, a sweep), start again in the new process."""
        self._end(kill=True)
        self.start()
        for runner in self._runners.values():
            if runner.service == LIVE:
                runner.forget()
            else:
                runner.resubmit()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """End the process within ``timeout_ms`` (asked, terminated, killed); True once gone."""
        self._end(kill=False, grace=timeout_ms / 4000)
        return True

    def _end(self, kill: bool, grace: float = 0.5) -> None:
        process, self._process, self._token = self._process, None, None
        if process is not None:
            if kill:
                process.kill()
            else:
                process.stop(grace)

    @Slot(object, object)
    def _on_message(self, token: object, message: object) -> None:
        if token is not self._token:
            return  # from a process since ended
        if isinstance(message, Ready):
            self.pid = message.pid
            self.ready.emit(message.pid)
        elif message.service in self._runners:
            self._runners[message.service].take(message)

    @Slot(object, str)
    def _on_exit(self, token: object, description: str) -> None:
        if token is not self._token:
            return
        self._end(kill=True)  # reap it
        self.died.emit(description)
        for runner in self._runners.values():
            runner.lose(description)


class RemoteRunner(QObject):
    """:class:`~engine.live.task_runner.TaskRunner`'s API for one service of the engine process."""

    reported = Signal(object)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, connection: EngineConnection, service: str):
        super().__init__(connection)
        self.service = service
        self._connection = connection
        self._generation = 0
        self._unfinished: dict[int, Submit] = {}  # by generation, until the engine says so
        self._cancelled: set[int] = set()
        self._begun: set[int] = set()  # of the unfinished, those the engine has begun

    @property
    def busy(self) -> bool:
        return bool(self._unfinished)

    @property
    def running(self) -> bool:
        return self._connection.alive

    @property
    def generation(self) -> int:
        return self._generation

    def start(self, work: Work, *args: object) -> int:
        """Cancel every unfinished task and run ``work``; returns its generation."""
        self._cancelled.update(self._unfinished)
        return self._submit(work, args, interrupt=True, cancel=True)

    def queue(self, work: Work, *args: object, interrupt: bool = True) -> int:
        """Run ``work`` after the unfinished tasks, interrupting them first unless told not to."""
        return self._submit(work, args, interrupt=interrupt, cancel=False)

    def interrupt(self) -> None:
        self._connection.send(Stop(self.service))

    def cancel(self) -> None:
        self._cancelled.update(self._unfinished)
        self._connection.send(Stop(self.service, cancel=True))

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel this service's tasks (the engine process is its connection's to end)."""
        self.cancel()
        return True

    def unfinished(self, work: Work | None = None) -> tuple[int, ...]:
        """The generations submitted (of ``work``, if given) the engine has not finished yet."""
        return tuple(g for g, c in self._unfinished.items() if work is None or c.work == work)

    def begun(self) -> tuple[int, ...]:
        """The generations the engine has begun and not finished."""
        return tuple(self._begun)

    def _submit(self, work: Work, args: tuple, interrupt: bool, cancel: bool) -> int:
        self._generation += 1
        command = Submit(self.service, self._generation, work, args, interrupt, cancel)
        if self._connection.send(command):
            self._unfinished[self._generation] = command
        else:  # no engine process (it died): the task fails at once
            self.failed.emit(NOT_RUNNING)
        return self._generation

    # --- from the connection -------------------------------------------------------------------

    def take(self, message: Began | Reported | Finished | Failed) -> None:
        """A reply of the engine process for one of this service's tasks."""
        generation = message.generation
        live = generation in self._unfinished and generation not in self._cancelled
        if isinstance(message, Began):
            if generation in self._unfinished:
                self._begun.add(generation)
            return
        if isinstance(message, Reported):
            if live:
                self.reported.emit(message.payload)
            return
        self._unfinished.pop(generation, None)
        self._cancelled.discard(generation)
        self._begun.discard(generation)
        if not live:
            return
        if isinstance(message, Failed):
            self.failed.emit(message.message)
        else:
            self.finished.emit(message.result)

    def resubmit(self) -> None:
        """Send the unfinished tasks to a new process (the old one was ended)."""
        for generation, command in self._unfinished.items():
            if generation not in self._cancelled:
                self._connection.send(command)
        for generation in self._cancelled:
            self._unfinished.pop(generation, None)
        self._cancelled.clear()
        self._begun.clear()

    def forget(self) -> None:
        """The unfinished tasks ended with their process; nobody hears of them."""
        self._unfinished.clear()
        self._cancelled.clear()
        self._begun.clear()

    def lose(self, description: str) -> None:
        """The process died: a task that was still wanted fails with ``description``."""
        wanted = any(g not in self._cancelled for g in self._unfinished)
        self.forget()
        if wanted:
            self.failed.emit(description)
